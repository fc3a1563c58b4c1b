/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A flow record as a JSON document (one line of `raqib-agent replay --flows`), with ECS field
 * names where ECS has them: source.*, destination.* (with bytes and packets per direction),
 * network.* (transport, community_id, vlan), process.*, and raqib.* for the rest (nDPI name,
 * app, which clue named it, TCP state, upload bursts). No payload ever appears in it.
 */
#ifndef RAQIB_AGENT_FLOW_RECORD_H
#define RAQIB_AGENT_FLOW_RECORD_H

#include <jansson.h>

#include "net_inspect.h"

/* A new reference (json_decref() it), or NULL on ENOMEM. */
json_t *flow_record_to_json(const struct net_flow_record *rec);

#endif /* RAQIB_AGENT_FLOW_RECORD_H */
