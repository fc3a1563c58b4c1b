/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Messaging-app packets that Debian's nDPI 4.2 does not know and whose format is public:
 * checked on the first packets of a flow that nDPI left unnamed, so that the flow gets the
 * nDPI protocol a newer nDPI gives it. (STUN and TURN: net/stun.h.)
 */
#ifndef RAQIB_AGENT_APP_SIGNATURES_H
#define RAQIB_AGENT_APP_SIGNATURES_H

#include <stddef.h>
#include <stdint.h>

/*
 * Discord voice "IP Discovery" (Discord developer documentation, Voice Connections): the first
 * datagram a client sends to a voice server, and the server's answer, 74 bytes: type (2 bytes,
 * 1 request, 2 response), length (2 bytes, 70), SSRC (4 bytes), address (64 bytes, a
 * NUL-terminated string, empty in a request), port (2 bytes). Voice servers often sit on
 * shared clouds, where no address range names them.
 */
int app_signature_is_discord_ip_discovery(const uint8_t *payload, size_t len);

/*
 * The first bytes a WhatsApp client sends on its chat connection (TCP 443 or 5222), before its
 * Noise handshake: an optional edge routing header -- "ED", 0x00 0x01, a 3-byte length, that
 * many bytes of routing data -- then the prologue "WA" and two version bytes (the protocol's
 * magic and dictionary version), then the first frame's 3-byte length. nDPI 4.2 knows older
 * versions' exact bytes only.
 */
int app_signature_is_whatsapp_prologue(const uint8_t *payload, size_t len);

#endif /* RAQIB_AGENT_APP_SIGNATURES_H */
