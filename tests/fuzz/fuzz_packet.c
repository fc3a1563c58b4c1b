// SPDX-License-Identifier: GPL-2.0-only
/*
 * Fuzz target: the packet path (link-layer decoding with VLAN tags, IP/TCP/UDP parsing, flow
 * table and TCP state, nDPI, DNS answers, attribution, TCP reassembly, HTTP/SMTP/FTP parsing,
 * extraction and scanning, flow records as JSON). Input: one byte choosing the link type, then
 * frames, each as a 2-byte big-endian length and that many bytes; frame n is captured at
 * n * 10 ms, so that timeouts fire within a run. The rules are built once.
 */
#include <stdint.h>
#include <stdlib.h>

#include <pcap/pcap.h>

#include "raqib/rules.h"
#include "pipeline/flow_record.h"
#include "pipeline/net_inspect.h"
#include "sensors/pcap_replay.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int drop_alert(void *ctx, const struct alert *alert)
{
	(void)ctx;
	(void)alert;
	return 0;
}

static void check_flow(void *ctx, const struct net_flow_record *rec)
{
	json_t *doc = flow_record_to_json(rec);

	(void)ctx;
	if (rec->flow->n_bursts > FLOW_BURSTS_MAX)
		abort();
	json_decref(doc);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const int dlts[] = { DLT_EN10MB, DLT_LINUX_SLL, DLT_RAW, DLT_NULL };
	struct net_inspect_config cfg = { .max_flows = 64,
					  .idle_timeout_us = 1000000,
					  .max_object_bytes = 1 << 16,
					  .max_buffered_bytes = 1 << 20,
					  .flow_sink = check_flow };
	unsigned n = 0;
	static struct rules *rules;
	struct net_inspect *net;
	size_t off = 1;
	int dlt;

	if (size < 1)
		return 0;
	if (!rules) {
		struct rules_error err;

		rules = rules_new_builtin(&err);
		if (!rules)
			abort();
	}
	net = net_inspect_new(rules, drop_alert, NULL, &cfg);
	if (!net)
		return 0;
	dlt = dlts[data[0] % 4];
	while (off + 2 <= size) {
		size_t len = (size_t)data[off] << 8 | data[off + 1];
		struct packet pkt = { .ts_us = 1700000000000000ull + 10000ull * n++ };

		off += 2;
		if (len > size - off)
			len = size - off;
		if (pcap_link_decode_vlan(dlt, data + off, len, &pkt.l3, &pkt.l3_len,
					  &pkt.vlan_id) == 0) {
			pkt.wire_len = pkt.l3_len;
			net_inspect_on_packet(net, &pkt);
		}
		off += len;
	}
	net_inspect_free(net);
	return 0;
}
