/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * STUN and TURN messages (RFC 8489, RFC 8656; classic STUN of RFC 3489): which app a call's
 * binding requests and relays belong to, from what each message carries. Calls reach relays
 * on shared clouds and Meta's shared networks, where no address names the app, and Debian's
 * nDPI 4.2 calls most of them plain STUN. The facts used are the apps' own, as newer nDPI
 * releases read them: the REALM of a TURN server (Telegram, Messenger, Signal, Viber name
 * theirs), WhatsApp's message types and attributes, Microsoft's and Zoom's attributes; a TURN
 * Send or Data indication is looked into once (the DATA attribute carries the peer's message).
 * Hostile input.
 */
#ifndef RAQIB_AGENT_STUN_H
#define RAQIB_AGENT_STUN_H

#include <stddef.h>
#include <stdint.h>

/*
 * The app of the STUN/TURN message that starts payload, as the nDPI protocol name a current
 * nDPI gives it ("TelegramVoip", "FacebookVoip", "WhatsAppCall", "SignalVoip", "ViberVoip",
 * "Skype_TeamsCall", "Zoom"), or NULL (not STUN, or nothing names an app).
 */
const char *stun_app_name(const uint8_t *payload, size_t len);

#endif /* RAQIB_AGENT_STUN_H */
