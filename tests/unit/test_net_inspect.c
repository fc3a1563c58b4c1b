// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests of the network path, replaying captures into it with an alert sink that records
 * what it gets: the bundled HTTP upload of a synthetic document raises exactly one alert with
 * the destination, the protocol and masked findings; the real captures of ../shared/pcaps
 * (messaging apps, TLS, cleartext mail and FTP without Moroccan personal data) raise none:
 * in particular the SMTP envelope and headers of smtp.pcap, 350 recipients' addresses, are not
 * taken for message content. The same upload carried in a GTP-U tunnel is inspected as the
 * flow inside it.
 */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <pcap/pcap.h>

#include "raqib/rules.h"
#include "pipeline/net_inspect.h"
#include "sensors/pcap_replay.h"

struct recorded {
	int alerts;
	char destination[64];
	int destination_port;
	char protocol[32];
	char masked[8][RULES_VALUE_MAX];
	char types[8][RULES_TYPE_MAX];
	size_t n_findings;
};

static int record_alert(void *ctx, const struct alert *a)
{
	struct recorded *r = ctx;

	r->alerts++;
	snprintf(r->destination, sizeof(r->destination), "%s", a->destination_ip);
	r->destination_port = a->destination_port;
	snprintf(r->protocol, sizeof(r->protocol), "%s", a->protocol);
	r->n_findings = a->verdict->n_findings < 8 ? a->verdict->n_findings : 8;
	for (size_t i = 0; i < r->n_findings; i++) {
		snprintf(r->masked[i], sizeof(r->masked[i]), "%s", a->verdict->findings[i].masked);
		snprintf(r->types[i], sizeof(r->types[i]), "%s", a->verdict->findings[i].type);
	}
	return 0;
}

static int replay(const struct rules *rules, const char *path, struct recorded *r,
		  struct net_inspect_stats *ns)
{
	struct net_inspect_config cfg = { .max_flows = 4096, .idle_timeout_us = 300000000u };
	struct net_inspect *net = net_inspect_new(rules, record_alert, r, &cfg);
	struct pcap_replay_stats ps;
	char err[512];
	int rc;

	assert_non_null(net);
	rc = pcap_replay_run(path, net_inspect_on_packet, net, &ps, err, sizeof(err));
	net_inspect_flush(net);
	net_inspect_get_stats(net, ns);
	net_inspect_free(net);
	return rc;
}

static void test_http_upload_alert(void **state)
{
	struct recorded r = { 0 };
	struct net_inspect_stats ns;
	size_t cin = 0, rib = 0;

	assert_int_equal(replay(*state, RAQIB_TEST_DATA_DIR "/http-upload-cin.pcap", &r, &ns), 0);
	assert_int_equal(r.alerts, 1);
	assert_string_equal(r.destination, "127.0.0.1");
	assert_int_equal(r.destination_port, 18080);
	assert_string_equal(r.protocol, "http");
	/* BK734021 has a context word on its line, JA501287 the CIN column header */
	for (size_t i = 0; i < r.n_findings; i++) {
		if (strcmp(r.types[i], "CIN") == 0) {
			cin++;
			assert_true(!strcmp(r.masked[i], "BK73****") || !strcmp(r.masked[i], "JA50****"));
		}
		rib += strcmp(r.types[i], "RIB") == 0;
	}
	assert_int_equal(cin, 2);
	assert_int_equal(rib, 2);
	assert_int_equal(ns.stream_gaps, 0);
	assert_int_equal(ns.malformed, 0);
}

static void test_shared_captures_raise_nothing(void **state)
{
	char dir[512], path[1024];
	struct dirent *de;
	DIR *d;
	int files = 0;

	snprintf(dir, sizeof(dir), "%s/pcaps", RAQIB_SHARED_DIR);
	d = opendir(dir);
	assert_non_null(d);
	while ((de = readdir(d))) {
		struct recorded r = { 0 };
		struct net_inspect_stats ns;
		size_t len = strlen(de->d_name);

		if (len < 5 || (strcmp(de->d_name + len - 5, ".pcap") &&
				strcmp(de->d_name + len - 7, ".pcapng")))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		assert_int_equal(replay(*state, path, &r, &ns), 0);
		if (r.alerts)
			fail_msg("%s raised %d alerts", de->d_name, r.alerts);
		assert_true(ns.packets > 0);
		files++;
	}
	closedir(d);
	assert_true(files >= 40);
}

static void test_bogus_packets_counted(void **state)
{
	struct recorded r = { 0 };
	struct net_inspect_config cfg = { .max_flows = 16, .idle_timeout_us = 1000000 };
	struct net_inspect *net = net_inspect_new(*state, record_alert, &r, &cfg);
	/* IPv4 header claiming a 60-byte header in 20 bytes; IPv6 cut short; version 7 */
	static const uint8_t bad_ihl[20] = { 0x4f, 0, 0, 20 };
	static const uint8_t short6[10] = { 0x60 };
	static const uint8_t v7[20] = { 0x70 };
	/* IPv4 + TCP with a data offset beyond the packet */
	static const uint8_t bad_tcp[40] = { 0x45, 0, 0, 40, 0, 0, 0, 0, 64, 6, 0, 0, 10, 0, 0, 1,
					     10, 0, 0, 2, 0, 80, 0, 80, 0, 0, 0, 1, 0, 0, 0, 0,
					     0xf0, 0x02 };
	const uint8_t *pkts[] = { bad_ihl, short6, v7, bad_tcp };
	const size_t lens[] = { sizeof(bad_ihl), sizeof(short6), sizeof(v7), sizeof(bad_tcp) };
	struct net_inspect_stats ns;

	assert_non_null(net);
	for (size_t i = 0; i < 4; i++) {
		struct packet p = { .l3 = pkts[i], .l3_len = lens[i], .wire_len = lens[i], .ts_us = i };

		assert_int_equal(net_inspect_on_packet(net, &p), 0);
	}
	net_inspect_get_stats(net, &ns);
	assert_int_equal(ns.malformed, 4);
	assert_int_equal(ns.flows, 0);
	net_inspect_free(net);
	assert_int_equal(r.alerts, 0);
}

/*
 * The bundled HTTP upload, each packet wrapped as a phone's traffic in an operator's core:
 * outer IPv4 + UDP 2152 + a GTPv1-U G-PDU header with the optional fields and one extension
 * header (a PDU session container, as 5G sends). The upload inside raises its alert; the
 * tunnel itself is not a flow.
 */
static void test_gtpu_tunnel(void **state)
{
	static const uint8_t outer_hdr[] = {
		0x45, 0, 0, 0, 0, 0, 0, 0, 64, 17, 0, 0, 10, 1, 0, 1, 10, 2, 0, 1, /* IPv4 */
		0x08, 0x68, 0x08, 0x68, 0, 0, 0, 0, /* UDP 2152 -> 2152 */
		0x34, 0xff, 0, 0, 0, 0, 0, 7, /* GTPv1, PT, E; G-PDU; length; TEID 7 */
		0, 0, 0, 0x85, /* sequence, N-PDU, next extension: PDU session container */
		1, 0x10, 0x09, 0, /* 4 octets, QFI 9, no more extensions */
	};
	struct recorded r = { 0 };
	struct net_inspect_config cfg = { .max_flows = 64, .idle_timeout_us = 300000000u };
	struct net_inspect *net = net_inspect_new(*state, record_alert, &r, &cfg);
	char errbuf[PCAP_ERRBUF_SIZE];
	pcap_t *pc = pcap_open_offline(RAQIB_TEST_DATA_DIR "/http-upload-cin.pcap", errbuf);
	struct pcap_pkthdr *h;
	const u_char *data;
	struct net_inspect_stats ns;
	unsigned n = 0;

	assert_non_null(net);
	assert_non_null(pc);
	assert_int_equal(pcap_datalink(pc), DLT_EN10MB);
	while (pcap_next_ex(pc, &h, &data) == 1) {
		uint8_t buf[70000];
		size_t inner = h->caplen - 14, gtp_len = inner + 12, total = sizeof(outer_hdr) + inner;
		struct packet p = { .l3 = buf, .ts_us = (uint64_t)h->ts.tv_sec * 1000000 + h->ts.tv_usec };

		assert_true(h->caplen > 14 && total <= sizeof(buf));
		memcpy(buf, outer_hdr, sizeof(outer_hdr));
		buf[2] = (uint8_t)(total >> 8);
		buf[3] = (uint8_t)total;
		buf[24] = (uint8_t)((total - 20) >> 8);
		buf[25] = (uint8_t)(total - 20);
		buf[30] = (uint8_t)(gtp_len >> 8);
		buf[31] = (uint8_t)gtp_len;
		memcpy(buf + sizeof(outer_hdr), data + 14, inner);
		p.l3_len = p.wire_len = total;
		assert_int_equal(net_inspect_on_packet(net, &p), 0);
		n++;
	}
	pcap_close(pc);
	net_inspect_flush(net);
	net_inspect_get_stats(net, &ns);
	net_inspect_free(net);
	assert_true(n > 5);
	assert_int_equal(ns.tunneled, n);
	assert_int_equal(ns.flows, 1); /* the TCP connection inside, not the tunnel */
	assert_int_equal(r.alerts, 1);
	assert_string_equal(r.destination, "127.0.0.1");
	assert_int_equal(r.destination_port, 18080);
	assert_string_equal(r.protocol, "http");
}

static int setup(void **state)
{
	struct rules_error err;

	*state = rules_new_builtin(&err);
	return *state ? 0 : -1;
}

static int teardown(void **state)
{
	rules_free(*state);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_http_upload_alert),
		cmocka_unit_test(test_shared_captures_raise_nothing),
		cmocka_unit_test(test_bogus_packets_counted),
		cmocka_unit_test(test_gtpu_tunnel),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
