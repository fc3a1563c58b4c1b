/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * App attribution of a flow: which messaging app (from the catalog of the rules) a flow belongs
 * to, from every clue the agent has, strongest first:
 *
 *   process   the host sensor saw which process owns the connection, and it is an app;
 *   ndpi      nDPI named the protocol ("TLS.WhatsAppFiles", "Telegram");
 *   signature what a newer nDPI would name it, from a format 4.2 does not know: a STUN or
 *             TURN message (a relay's realm, WhatsApp's attributes), WhatsApp's chat prologue;
 *   sni       the flow named its server: TLS/QUIC SNI, HTTP Host (from nDPI);
 *   dns       a DNS answer named the server's address earlier;
 *   ip        the server's address (and port) is in one of the app's published ranges;
 *   service   another flow to the same server address and port was named by a clue of its
 *             own: one service listens there;
 *   endpoint  the client's UDP socket (address and port) already talked to the app: ICE/STUN
 *             candidates, TURN relays and media of one call share the socket, and a socket
 *             belongs to one process.
 *
 * Newer apps change servers faster than Debian's nDPI 4.2 learns them; the catalog (rule packs)
 * carries the names and ranges, so the agent follows the apps by a pack update.
 */
#ifndef RAQIB_AGENT_ATTRIBUTION_H
#define RAQIB_AGENT_ATTRIBUTION_H

#include <stdint.h>

#include "raqib/rules.h"

enum attribution_source {
	ATTRIBUTION_NONE,
	ATTRIBUTION_PROCESS,
	ATTRIBUTION_NDPI,
	ATTRIBUTION_SIGNATURE,
	ATTRIBUTION_SNI,
	ATTRIBUTION_DNS,
	ATTRIBUTION_IP,
	ATTRIBUTION_SERVICE,
	ATTRIBUTION_ENDPOINT,
};

/* What is known of a flow; NULL or 0 fields are unknown. */
struct attribution_clues {
	const struct rules_app *owner_app; /* of the owning process (conn_table) */
	const char *ndpi_name; /* "TLS.WhatsApp" */
	const char *signature; /* an nDPI name from net/stun.h or net/app_signatures.h */
	const char *server_name; /* SNI or Host seen in the flow */
	const char *dns_name; /* the name a DNS answer gave the server's address */
	int family; /* AF_INET or AF_INET6 */
	const uint8_t *server_addr;
	uint16_t server_port;
	const struct rules_app *service_app; /* the app of the server's address and port */
	const struct rules_app *endpoint_app; /* the app of the client's UDP socket */
};

/*
 * The app of a flow, or NULL; *source says which clue named it. A browser owning a flow names
 * no app by itself: its flows are an app's only by the server they go to (web.whatsapp.com).
 */
const struct rules_app *attribute_flow(const struct rules *rules,
				       const struct attribution_clues *clues,
				       enum attribution_source *source);

/*
 * "process", "ndpi", "signature", "sni", "dns", "ip", "service", "endpoint"; NULL for
 * ATTRIBUTION_NONE.
 */
const char *attribution_source_name(enum attribution_source source);

#endif /* RAQIB_AGENT_ATTRIBUTION_H */
