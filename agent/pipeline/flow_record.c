// SPDX-License-Identifier: GPL-2.0-only
/*
 * Flow records as JSON (see flow_record.h).
 */
#include "flow_record.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <sys/socket.h>

#include "outbox/alert.h"

static const char *end_name(enum flow_end end)
{
	switch (end) {
	case FLOW_END_EXPIRED:
		return "expired";
	case FLOW_END_EVICTED:
		return "evicted";
	case FLOW_END_CLOSED:
		return "closed";
	case FLOW_END_DRAINED:
		return "end_of_input";
	}
	return "unknown";
}

static json_t *endpoint(const struct flow *f, enum flow_dir from, const char *domain)
{
	char ip[INET6_ADDRSTRLEN];
	const uint8_t *addr = from == FLOW_DIR_TO_SERVER ? f->client_addr : f->server_addr;
	int port = from == FLOW_DIR_TO_SERVER ? f->client_port : f->server_port;
	json_t *e;

	if (!inet_ntop(f->key.family, addr, ip, sizeof(ip)))
		snprintf(ip, sizeof(ip), "?");
	e = json_pack("{s:s, s:i, s:I, s:I}", "ip", ip, "port", port, "bytes",
		      (json_int_t)f->bytes[from], "packets", (json_int_t)f->packets[from]);
	if (e && domain)
		json_object_set_new(e, "domain", json_string(domain));
	return e;
}

static json_t *bursts(const struct flow *f)
{
	json_t *list = json_array();

	for (uint32_t i = 0; list && i < f->n_bursts; i++) {
		char start[40], end[40];

		alert_format_time((int64_t)(f->bursts[i].start_us / 1000), start, sizeof(start));
		alert_format_time((int64_t)(f->bursts[i].end_us / 1000), end, sizeof(end));
		if (json_array_append_new(list,
					  json_pack("{s:s, s:s, s:I, s:i}", "start", start, "end",
						    end, "bytes", (json_int_t)f->bursts[i].bytes,
						    "packets", (int)f->bursts[i].packets))) {
			json_decref(list);
			return NULL;
		}
	}
	return list;
}

json_t *flow_record_to_json(const struct net_flow_record *rec)
{
	const struct flow *f = rec->flow;
	char start[40], end[40];
	json_t *doc, *raqib, *network;
	int err = 0;

	alert_format_time((int64_t)(f->first_us / 1000), start, sizeof(start));
	alert_format_time((int64_t)(f->last_us / 1000), end, sizeof(end));
	network = json_pack("{s:s, s:s}", "transport", f->key.proto == IPPROTO_TCP ? "tcp" : "udp",
			    "community_id", rec->community_id ? rec->community_id : "");
	if (network && f->key.vlan_id)
		err |= json_object_set_new(network, "vlan",
					   json_pack("{s:i}", "id", f->key.vlan_id));
	raqib = json_pack("{s:s, s:s, s:I, s:I, s:i}", "ndpi_protocol",
			  rec->ndpi_name ? rec->ndpi_name : "Unknown", "flow_end",
			  end_name(rec->end), "upload_bytes",
			  (json_int_t)f->payload_bytes[FLOW_DIR_TO_SERVER], "download_bytes",
			  (json_int_t)f->payload_bytes[FLOW_DIR_TO_CLIENT], "upload_bursts_seen",
			  (int)f->bursts_seen);
	if (raqib) {
		if (rec->app) {
			err |= json_object_set_new(raqib, "app", json_string(rec->app->id));
			err |= json_object_set_new(raqib, "app_name", json_string(rec->app->name));
			err |= json_object_set_new(raqib, "app_source",
						   json_string(rec->app_source));
		}
		if (rec->server_name)
			err |= json_object_set_new(raqib, "server_name",
						   json_string(rec->server_name));
		if (rec->dns_name)
			err |= json_object_set_new(raqib, "dns_name", json_string(rec->dns_name));
		if (f->key.proto == IPPROTO_TCP)
			err |= json_object_set_new(raqib, "tcp_state",
						   json_string(flow_tcp_state_name(f->tcp_state)));
		err |= json_object_set_new(raqib, "upload_bursts", bursts(f));
	}
	doc = json_pack("{s:s, s:{s:s, s:s}, s:o, s:o, s:o, s:o}", "@timestamp", end, "event",
			"start", start, "end", end, "source", endpoint(f, FLOW_DIR_TO_SERVER, NULL),
			"destination",
			endpoint(f, FLOW_DIR_TO_CLIENT, rec->server_name ?: rec->dns_name),
			"network", network, "raqib", raqib);
	if (doc && rec->owner)
		err |= json_object_set_new(doc, "process",
					   json_pack("{s:i, s:s}", "pid", (int)rec->owner->pid,
						     "name", rec->owner->comm));
	if (!doc || err) {
		json_decref(doc);
		return NULL;
	}
	return doc;
}
