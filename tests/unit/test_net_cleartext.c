// SPDX-License-Identifier: GPL-2.0-only
/*
 * Cleartext uploads through the whole network path, on the synthetic captures of
 * tests/data/cleartext (recorded by make_captures.py; every document is ../demo/
 * beneficiaires.txt, two CINs and two RIBs): an HTTP POST whose body is gzip-encoded and sent
 * in chunks, a multipart/form-data upload, an SMTP mail with a quoted-printable attachment, and
 * FTP STOR in passive and active mode. Each raises one alert naming the protocol, the uploaded
 * file and the destination, with the masked CINs; reordered, duplicated and overlapping
 * segments give the same result, and a capture with a segment missing reports the gap.
 */
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

#define MAX_PACKETS 64

struct recorded {
	int alerts;
	char protocol[16];
	char file_name[128];
	char destination[64];
	int destination_port;
	char community_id[40];
	char confidence[16];
	int64_t file_size;
	size_t cins;
};

static int record_alert(void *ctx, const struct alert *a)
{
	struct recorded *r = ctx;

	r->alerts++;
	snprintf(r->protocol, sizeof(r->protocol), "%s", a->protocol);
	snprintf(r->file_name, sizeof(r->file_name), "%s", a->file_name ? a->file_name : "");
	snprintf(r->destination, sizeof(r->destination), "%s", a->destination_ip);
	snprintf(r->community_id, sizeof(r->community_id), "%s",
		 a->community_id ? a->community_id : "");
	snprintf(r->confidence, sizeof(r->confidence), "%s", a->confidence);
	r->destination_port = a->destination_port;
	r->file_size = a->file_size;
	r->cins = 0;
	for (size_t i = 0; i < a->verdict->n_findings; i++)
		r->cins += strcmp(a->verdict->findings[i].type, "CIN") == 0;
	return 0;
}

/* The packets of a capture, in memory, to be fed in any order. */
struct capture {
	struct packet pkts[MAX_PACKETS];
	uint8_t *data[MAX_PACKETS];
	size_t n;
};

static void load(const char *name, struct capture *c)
{
	char path[512], errbuf[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *hdr;
	const u_char *frame;
	pcap_t *p;

	snprintf(path, sizeof(path), "%s/cleartext/%s", RAQIB_TEST_DATA_DIR, name);
	p = pcap_open_offline(path, errbuf);
	assert_non_null(p);
	c->n = 0;
	while (pcap_next_ex(p, &hdr, &frame) == 1 && c->n < MAX_PACKETS) {
		struct packet *pkt = &c->pkts[c->n];

		c->data[c->n] = malloc(hdr->caplen);
		assert_non_null(c->data[c->n]);
		memcpy(c->data[c->n], frame, hdr->caplen);
		assert_int_equal(pcap_frame_to_packet(pcap_datalink(p), hdr, c->data[c->n], pkt),
				 0);
		c->n++;
	}
	pcap_close(p);
	assert_true(c->n > 4);
}

static void unload(struct capture *c)
{
	for (size_t i = 0; i < c->n; i++)
		free(c->data[i]);
}

/* Feeds the packets in the order order[] (NULL: as captured), then ends the flows. */
static void feed(const struct rules *rules, const struct capture *c, const size_t *order, size_t n,
		 struct recorded *r, struct net_inspect_stats *ns)
{
	struct net_inspect_config cfg = { .max_flows = 64, .idle_timeout_us = 300000000u };
	struct net_inspect *net = net_inspect_new(rules, record_alert, r, &cfg);

	assert_non_null(net);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(net_inspect_on_packet(net, &c->pkts[order ? order[i] : i]), 0);
	net_inspect_flush(net);
	net_inspect_get_stats(net, ns);
	net_inspect_free(net);
}

static void expect_upload(const struct rules *rules, const char *name, const char *protocol,
			  const char *file_name)
{
	struct capture c;
	struct recorded r = { 0 };
	struct net_inspect_stats ns;

	load(name, &c);
	feed(rules, &c, NULL, c.n, &r, &ns);
	if (r.alerts != 1)
		fail_msg("%s: %d alerts", name, r.alerts);
	assert_string_equal(r.protocol, protocol);
	assert_string_equal(r.file_name, file_name);
	assert_string_equal(r.destination, "127.0.0.1");
	assert_int_equal(r.cins, 2);
	assert_int_equal(strncmp(r.community_id, "1:", 2), 0);
	assert_string_not_equal(r.confidence, "medium"); /* complete, no gap */
	assert_int_equal(ns.stream_gaps, 0);
	assert_int_equal(ns.malformed, 0);
	unload(&c);
}

static void test_http_chunked_gzip(void **state)
{
	/* Content-Disposition names the body; 391 bytes once un-chunked and gunzipped */
	expect_upload(*state, "http-chunked-gzip.pcap", "http", "beneficiaires.txt");
}

static void test_http_multipart(void **state)
{
	expect_upload(*state, "http-multipart.pcap", "http", "liste-beneficiaires.txt");
}

static void test_smtp_attachment(void **state)
{
	expect_upload(*state, "smtp-attachment.pcap", "smtp", "liste-cin.txt");
}

static void test_ftp_passive(void **state)
{
	expect_upload(*state, "ftp-passive.pcap", "ftp", "rapport-cnss.txt");
}

static void test_ftp_active(void **state)
{
	expect_upload(*state, "ftp-active.pcap", "ftp", "rapport-cnss.txt");
}

/* Reversed pairs, duplicates: reassembly gives the same single upload. */
static void test_reordered_and_duplicated(void **state)
{
	static const char *const names[] = { "http-chunked-gzip.pcap", "http-multipart.pcap",
					     "smtp-attachment.pcap" };

	for (size_t k = 0; k < 3; k++) {
		struct capture c;
		struct recorded r = { 0 };
		struct net_inspect_stats ns;
		size_t order[2 * MAX_PACKETS], n = 0;

		load(names[k], &c);
		/* the handshake first, then every pair of later packets swapped, each sent twice */
		for (size_t i = 0; i < 3; i++)
			order[n++] = i;
		for (size_t i = 3; i + 1 < c.n; i += 2) {
			order[n++] = i + 1;
			order[n++] = i;
			order[n++] = i;
		}
		if ((c.n - 3) % 2)
			order[n++] = c.n - 1;
		feed(*state, &c, order, n, &r, &ns);
		if (r.alerts != 1 || r.cins != 2)
			fail_msg("%s reordered: %d alerts, %zu CINs", names[k], r.alerts, r.cins);
		assert_true(ns.segments_overlapping > 0);
		assert_int_equal(ns.stream_gaps, 0);
		unload(&c);
	}
}

/* A data segment lost in capture: the rest is still inspected, the gap is reported. */
static void test_gap_reported(void **state)
{
	struct capture c;
	struct recorded r = { 0 };
	struct net_inspect_stats ns;
	size_t order[MAX_PACKETS], n = 0, dropped = 0;

	load("http-chunked-gzip.pcap", &c);
	for (size_t i = 0, seen = 0; i < c.n; i++) {
		/* drop the second client segment with data (source port as in the SYN) */
		bool from_client = !memcmp(c.pkts[i].l3 + 20, c.pkts[0].l3 + 20, 2);

		if (from_client && c.pkts[i].l3_len > 100 && ++seen == 2) {
			dropped = i;
			continue;
		}
		order[n++] = i;
	}
	assert_true(dropped > 0);
	feed(*state, &c, order, n, &r, &ns);
	assert_true(ns.stream_gaps >= 1);
	unload(&c);
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
		cmocka_unit_test(test_http_chunked_gzip),
		cmocka_unit_test(test_http_multipart),
		cmocka_unit_test(test_smtp_attachment),
		cmocka_unit_test(test_ftp_passive),
		cmocka_unit_test(test_ftp_active),
		cmocka_unit_test(test_reordered_and_duplicated),
		cmocka_unit_test(test_gap_reported),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
