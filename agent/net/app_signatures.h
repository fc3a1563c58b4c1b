/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Messaging-app packets that Debian's nDPI 4.2 does not know and whose format the app
 * documents: checked on the first packets of a UDP flow that nDPI left unnamed, so that the
 * flow gets the nDPI protocol a newer nDPI gives it.
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

#endif /* RAQIB_AGENT_APP_SIGNATURES_H */
