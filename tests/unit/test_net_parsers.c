// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests of the network path's parsers: Community ID v1 against the specification's
 * published baseline (corelight/community-id-spec baseline/baseline_deflt.json and
 * baseline_seed1.json, the TCP and UDP rows); DNS answers (CNAME chains, compression, pointer
 * loops, truncation); TCP reassembly (order, overlaps, wrap-around, out-of-window, bounds,
 * gaps); multipart bodies split at every byte; SMTP DATA with dot-stuffing and BDAT; FTP
 * announcements.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "net/app_signatures.h"
#include "net/community_id.h"
#include "net/dns.h"
#include "net/ftp_control.h"
#include "net/multipart.h"
#include "net/smtp_upload.h"
#include "net/tcp_reasm.h"

static void cid(int family, const char *s, const char *d, uint16_t sp, uint16_t dp, uint8_t proto,
		uint16_t seed, const char *want)
{
	uint8_t a[16], b[16];
	char out[COMMUNITY_ID_LEN];

	assert_int_equal(inet_pton(family, s, a), 1);
	assert_int_equal(inet_pton(family, d, b), 1);
	assert_int_equal(community_id_v1(a, b, family == AF_INET ? 4 : 16, sp, dp, proto, seed, out,
					 sizeof(out)),
			 0);
	assert_string_equal(out, want);
	/* the other direction names the same flow */
	assert_int_equal(community_id_v1(b, a, family == AF_INET ? 4 : 16, dp, sp, proto, seed, out,
					 sizeof(out)),
			 0);
	assert_string_equal(out, want);
}

static void test_community_id_baseline(void **state)
{
	(void)state;
	cid(AF_INET, "128.232.110.120", "66.35.250.204", 34855, 80, 6, 0,
	    "1:LQU9qZlK+B5F3KDmev6m5PMibrg=");
	cid(AF_INET, "192.168.1.52", "8.8.8.8", 54585, 53, 17, 0, "1:d/FP5EW3wiY1vCndhwleRRKHowQ=");
	cid(AF_INET6, "2001:470:e5bf:dead:4957:2174:e82c:4887", "2607:f8b0:400c:c03::1a", 63943, 25,
	    6, 0, "1:/qFaeAR+gFe1KYjMzVDsMv+wgU4=");
	cid(AF_INET, "192.168.170.8", "192.168.170.56", 7, 7, 132, 0,
	    "1:MP2EtRCAUIZvTw6MxJHLV7N7JDs=");
	cid(AF_INET, "128.232.110.120", "66.35.250.204", 34855, 80, 6, 1,
	    "1:3V71V58M3Ksw/yuFALMcW0LAHvc=");
	cid(AF_INET, "192.168.1.52", "8.8.8.8", 54585, 53, 17, 1, "1:Q9We8WO3piVF8yEQBNJF4uiSVrI=");
	cid(AF_INET6, "2001:470:e5bf:dead:4957:2174:e82c:4887", "2607:f8b0:400c:c03::1a", 63943, 25,
	    6, 1, "1:eJYTW6AOzFLlSUoESovMjnu7rMw=");
}

struct answers {
	int n;
	char names[4][DNS_NAME_MAX];
	uint8_t addrs[4][16];
};

static int on_answer(void *ctx, int family, const uint8_t *addr, const char *qname, uint32_t ttl)
{
	struct answers *a = ctx;

	(void)ttl;
	if (a->n < 4) {
		snprintf(a->names[a->n], DNS_NAME_MAX, "%s", qname);
		memcpy(a->addrs[a->n], addr, family == AF_INET ? 4 : 16);
	}
	a->n++;
	return 0;
}

static void test_dns_answers(void **state)
{
	/*
	 * Response to "Web.WhatsApp.com A": answer 1 CNAME of the question (pointer 0x0c) to
	 * mmx.whatsapp.net, answer 2 A 157.240.1.53 for that name (pointer to answer 1's data).
	 */
	static const uint8_t msg[] = {
		0x12, 0x34, 0x81, 0x80, 0,   1,	  0,   2,   0,	 0,   0,   0,	3,   'W', 'e', 'b',
		8,    'W',  'h',  'a',	't', 's', 'A', 'p', 'p', 3,   'c', 'o', 'm', 0,	  0,   1,
		0,    1,    0xc0, 0x0c, 0,   5,	  0,   1,   0,	 0,   0,   60,	0,   18,  3,   'm',
		'm',  'x',  8,	  'w',	'h', 'a', 't', 's', 'a', 'p', 'p', 3,	'n', 'e', 't', 0,
		0xc0, 46,   0,	  1,	0,   1,	  0,   0,   0,	 60,  0,   4,	157, 240, 1,   53,
	};
	uint8_t bad[sizeof(msg)];
	struct answers a = { 0 };

	(void)state;
	assert_int_equal(dns_parse_answers(msg, sizeof(msg), on_answer, &a), 1);
	assert_int_equal(a.n, 1);
	assert_string_equal(a.names[0], "web.whatsapp.com");
	assert_memory_equal(a.addrs[0], ((uint8_t[]){ 157, 240, 1, 53 }), 4);
	/* a query is no answer */
	memcpy(bad, msg, sizeof(msg));
	bad[2] = 0x01;
	assert_int_equal(dns_parse_answers(bad, sizeof(bad), on_answer, &a), -ENOENT);
	/* a pointer to itself in the question: refused, not followed forever */
	memcpy(bad, msg, sizeof(msg));
	bad[12] = 0xc0;
	bad[13] = 12;
	assert_int_equal(dns_parse_answers(bad, sizeof(bad), on_answer, &a), -EINVAL);
	/* every truncation ends cleanly */
	for (size_t len = 0; len < sizeof(msg); len++) {
		int rc = dns_parse_answers(msg, len, on_answer, &a);

		assert_true(rc == -EINVAL || rc == 0);
	}
}

struct stream {
	char buf[256];
	size_t len;
	uint64_t gaps;
};

static int collect(void *ctx, const uint8_t *data, size_t len, uint64_t gap)
{
	struct stream *s = ctx;

	s->gaps += gap;
	if (s->len + len < sizeof(s->buf)) {
		memcpy(s->buf + s->len, data, len);
		s->len += len;
	}
	return 0;
}

static void seg(struct tcp_reasm *r, struct reasm_budget *b, uint32_t seq, const char *data,
		struct stream *s, struct reasm_stats *st)
{
	assert_int_equal(tcp_reasm_segment(r, b, 64, seq, false, (const uint8_t *)data,
					   strlen(data), collect, s, st),
			 0);
}

static void test_reassembly(void **state)
{
	struct reasm_budget budget = { .max_bytes = 1 << 20 };
	struct reasm_stats st = { 0 };
	struct tcp_reasm r = { 0 };
	struct stream s = { 0 };
	uint32_t isn = 0xfffffff0u; /* the stream wraps around 2^32 */

	(void)state;
	assert_int_equal(tcp_reasm_segment(&r, &budget, 64, isn, true, NULL, 0, collect, &s, &st),
			 0);
	seg(&r, &budget, isn + 1 + 10, "KLMNO", &s, &st); /* ahead: waits */
	seg(&r, &budget, isn + 1 + 5, "FGHIJ", &s, &st); /* ahead: waits */
	assert_int_equal(s.len, 0);
	seg(&r, &budget, isn + 1, "ABCDE", &s, &st); /* fills the hole */
	seg(&r, &budget, isn + 1 + 3, "DEFGH", &s, &st); /* all seen: dropped */
	seg(&r, &budget, isn + 1 + 13, "NOPQR", &s, &st); /* overlaps: trimmed */
	assert_int_equal(s.len, 18);
	assert_memory_equal(s.buf, "ABCDEFGHIJKLMNOPQR", 18);
	assert_true(st.overlaps >= 2);
	seg(&r, &budget, isn + 1 + 18 + 1000, "far", &s, &st); /* beyond the window */
	assert_int_equal(st.out_of_window, 1);
	seg(&r, &budget, isn + 1 + 18 + 4, "WXYZ", &s, &st); /* a hole of 4 bytes */
	assert_int_equal(budget.used_bytes, 4);
	assert_int_equal(tcp_reasm_flush(&r, &budget, collect, &s, &st), 0);
	assert_int_equal(s.gaps, 4);
	assert_int_equal(st.gaps, 1);
	assert_memory_equal(s.buf + 18, "WXYZ", 4);
	assert_int_equal(budget.used_bytes, 0);
	tcp_reasm_release(&r, &budget);
}

static void test_reassembly_bounds(void **state)
{
	struct reasm_budget budget = { .max_bytes = 8 };
	struct reasm_stats st = { 0 };
	struct tcp_reasm r = { 0 };
	struct stream s = { 0 };

	(void)state;
	seg(&r, &budget, 100, "AB", &s, &st);
	seg(&r, &budget, 110, "CDEFGH", &s, &st); /* queued: 6 of 8 budget bytes */
	seg(&r, &budget, 120, "IJKLMN", &s, &st); /* no room: the hole is given up */
	assert_true(st.gaps >= 1);
	assert_true(budget.used_bytes <= budget.max_bytes);
	tcp_reasm_flush(&r, &budget, collect, &s, &st);
	tcp_reasm_release(&r, &budget);
	assert_int_equal(budget.used_bytes, 0);
	assert_memory_equal(s.buf, "ABCDEFGHIJKLMN", 14);
}

struct objects {
	int begun, ended;
	char names[4][UPLOAD_NAME_MAX];
	char data[4][512];
	size_t len[4];
};

static void o_begin(void *ctx, const char *protocol, const char *name)
{
	struct objects *o = ctx;

	(void)protocol;
	if (o->begun < 4)
		snprintf(o->names[o->begun], UPLOAD_NAME_MAX, "%s", name ? name : "");
	o->begun++;
}

static void o_name(void *ctx, const char *name)
{
	struct objects *o = ctx;

	if (o->begun && o->begun <= 4)
		snprintf(o->names[o->begun - 1], UPLOAD_NAME_MAX, "%s", name);
}

static void o_data(void *ctx, const uint8_t *data, size_t len)
{
	struct objects *o = ctx;
	int i = o->begun - 1;

	if (i >= 0 && i < 4 && o->len[i] + len < sizeof(o->data[i])) {
		memcpy(o->data[i] + o->len[i], data, len);
		o->len[i] += len;
	}
}

static void o_end(void *ctx)
{
	((struct objects *)ctx)->ended++;
}

static void test_multipart_every_split(void **state)
{
	static const char body[] =
		"preamble\r\n--XyZ\r\n"
		"Content-Disposition: form-data; name=\"note\"\r\n\r\n"
		"hello --XyZ not a delimiter\r\n--XyZ\r\n"
		"Content-Disposition: form-data; name=\"f\"; filename=\"C:\\\\docs\\\\cin.txt\"\r\n"
		"Content-Type: text/plain\r\n\r\n"
		"BK734021\r\n\r\n--XyZ--\r\nepilogue";
	char boundary[MULTIPART_BOUNDARY_MAX + 1];

	(void)state;
	assert_int_equal(multipart_boundary("multipart/form-data; charset=utf-8; boundary=\"XyZ\"",
					    boundary, sizeof(boundary)),
			 0);
	assert_string_equal(boundary, "XyZ");
	assert_int_equal(multipart_boundary("text/plain", boundary, sizeof(boundary)), -ENOENT);
	for (size_t split = 0; split <= sizeof(body) - 1; split++) {
		struct objects o = { 0 };
		struct upload_sink sink = { o_begin, o_name, o_data, o_end, &o };
		struct multipart mp;

		assert_int_equal(multipart_init(&mp, boundary, &sink, "http"), 0);
		multipart_feed(&mp, (const uint8_t *)body, split);
		multipart_feed(&mp, (const uint8_t *)body + split, sizeof(body) - 1 - split);
		multipart_finish(&mp);
		assert_int_equal(o.begun, 2);
		assert_int_equal(o.ended, 2);
		assert_string_equal(o.names[0], "");
		assert_int_equal(o.len[0], strlen("hello --XyZ not a delimiter"));
		assert_memory_equal(o.data[0], "hello --XyZ not a delimiter", o.len[0]);
		assert_string_equal(o.names[1], "cin.txt");
		assert_int_equal(o.len[1], 10);
		assert_memory_equal(o.data[1], "BK734021\r\n", 10);
	}
}

static void test_smtp_data_and_bdat(void **state)
{
	static const char session[] =
		"EHLO client\r\nMAIL FROM:<a@example.test>\r\nRCPT TO:<b@example.test>\r\nDATA\r\n"
		"From: a@example.test\r\nTo: b@example.test\r\nContent-Type: multipart/mixed;\r\n"
		" boundary=\"b1\"\r\n\r\n--b1\r\nContent-Disposition: attachment; filename=\"x.txt\"\r\n\r\n"
		"..dot-stuffed line\r\n--b1--\r\n.\r\n"
		"BDAT 12\r\nSubject: s\r\n"
		"BDAT 6 LAST\r\n\r\nbody\r\nQUIT\r\n";
	struct objects o = { 0 };
	struct upload_sink sink = { o_begin, o_name, o_data, o_end, &o };
	struct smtp_upload s;

	(void)state;
	smtp_upload_init(&s, &sink);
	assert_true(smtp_upload_is_greeting((const uint8_t *)session, sizeof(session) - 1));
	/* byte by byte: TCP may split anywhere */
	for (size_t i = 0; i < sizeof(session) - 1; i++)
		assert_int_equal(smtp_upload_feed(&s, (const uint8_t *)session + i, 1), 0);
	smtp_upload_finish(&s);
	assert_int_equal(o.ended, 2);
	assert_string_equal(o.names[0], "x.txt");
	/* addressing headers left out, MIME headers kept, dot-stuffing undone */
	assert_null(memmem(o.data[0], o.len[0], "b@example.test", 14));
	assert_non_null(memmem(o.data[0], o.len[0], "boundary=\"b1\"", 13));
	assert_non_null(memmem(o.data[0], o.len[0], "\r\n.dot-stuffed line", 19));
	assert_non_null(memmem(o.data[1], o.len[1], "body", 4));
	/* STARTTLS: the rest is not readable */
	smtp_upload_init(&s, &sink);
	assert_int_equal(smtp_upload_feed(&s, (const uint8_t *)"STARTTLS\r\n", 10), -EPROTO);
}

static int n_announced;
static struct ftp_announce last;

static void on_announce(void *ctx, const struct ftp_announce *a)
{
	(void)ctx;
	n_announced++;
	last = *a;
}

static void test_ftp_announcements(void **state)
{
	static const char server[] = "227 Entering Passive Mode (10,0,0,5,195,80)\r\n"
				     "229 Entering Extended Passive Mode (|||50001|)\r\n"
				     "227 Entering Passive Mode (10,0,0,5,0,0)\r\n"
				     "227 Entering Passive Mode (999,0,0,5,1,1)\r\n";
	static const char client[] = "PORT 192,168,1,2,7,138\r\nEPRT |2|2001:db8::1|6000|\r\n"
				     "STOR report.pdf\r\n";
	struct ftp_control c;

	(void)state;
	assert_int_equal(ftp_control_init(&c), 0);
	n_announced = 0;
	assert_int_equal(ftp_control_feed(&c, false, (const uint8_t *)server, sizeof(server) - 1,
					  on_announce, NULL),
			 0);
	assert_int_equal(n_announced, 2); /* port 0 and 999 are refused */
	assert_int_equal(last.port, 50001);
	assert_int_equal(last.family, 0);
	assert_int_equal(ftp_control_feed(&c, true, (const uint8_t *)client, sizeof(client) - 1,
					  on_announce, NULL),
			 0);
	assert_int_equal(n_announced, 4);
	assert_true(last.active);
	assert_int_equal(last.family, AF_INET6);
	assert_int_equal(last.port, 6000);
	assert_int_equal(c.session->transfer, FTP_TRANSFER_UPLOAD);
	assert_string_equal(c.session->file_name, "report.pdf");
	ftp_control_release(&c);
}

/* Discord's documented IP Discovery datagrams, and near misses that are not. */
static void test_discord_ip_discovery(void **state)
{
	uint8_t req[74] = { 0, 1, 0, 70, 0, 0, 0xac, 0xe3 }, resp[74];

	(void)state;
	req[72] = 0x6f; /* the port field is free in a request */
	memcpy(resp, req, sizeof(resp));
	resp[1] = 2;
	memcpy(resp + 8, "192.0.2.7", 9);
	assert_true(app_signature_is_discord_ip_discovery(req, sizeof(req)));
	assert_true(app_signature_is_discord_ip_discovery(resp, sizeof(resp)));
	assert_false(app_signature_is_discord_ip_discovery(req, 73)); /* length */
	req[3] = 71;
	assert_false(app_signature_is_discord_ip_discovery(req, sizeof(req))); /* body length */
	req[3] = 70;
	req[1] = 3;
	assert_false(app_signature_is_discord_ip_discovery(req, sizeof(req))); /* type */
	req[1] = 1;
	req[8] = '1'; /* a request carries no address */
	assert_false(app_signature_is_discord_ip_discovery(req, sizeof(req)));
	resp[40] = 'x'; /* bytes after the string's end must be NUL */
	assert_false(app_signature_is_discord_ip_discovery(resp, sizeof(resp)));
	memset(resp + 8, 'a', 64); /* an address with no NUL */
	assert_false(app_signature_is_discord_ip_discovery(resp, sizeof(resp)));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_community_id_baseline),
		cmocka_unit_test(test_dns_answers),
		cmocka_unit_test(test_reassembly),
		cmocka_unit_test(test_reassembly_bounds),
		cmocka_unit_test(test_multipart_every_split),
		cmocka_unit_test(test_smtp_data_and_bdat),
		cmocka_unit_test(test_ftp_announcements),
		cmocka_unit_test(test_discord_ip_discovery),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
