// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests of capture replay: link layers (Ethernet with VLAN tags, Linux cooked, raw IP),
 * the real captures of ../shared/pcaps in each of those link types, and bad files (missing,
 * not a capture, truncated), which must fail with a reason after delivering what was readable.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <pcap/pcap.h>

#include "sensors/pcap_replay.h"

struct counter {
	uint64_t packets;
	uint64_t bytes;
};

static int count_packet(void *ctx, const struct packet *pkt)
{
	struct counter *c = ctx;

	assert_true(pkt->l3_len >= 1);
	assert_true((pkt->l3[0] >> 4) == 4 || (pkt->l3[0] >> 4) == 6);
	c->packets++;
	c->bytes += pkt->l3_len;
	return 0;
}

static void test_ethernet_vlan(void **state)
{
	/* dst, src, 802.1Q tag (VLAN 10), 802.1Q tag (VLAN 20), IPv4 ethertype, IPv4 version byte */
	static const uint8_t frame[] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 0x81, 0x00, 0x00,
					 0x0a, 0x81, 0x00, 0x00, 0x14, 0x08, 0x00, 0x45, 0x00 };
	const uint8_t *l3;
	size_t len;

	(void)state;
	assert_int_equal(pcap_link_decode(DLT_EN10MB, frame, sizeof(frame), &l3, &len), 0);
	assert_ptr_equal(l3, frame + 22);
	assert_int_equal(len, 2);
	assert_int_equal(pcap_link_decode(DLT_EN10MB, frame, 19, &l3, &len), -EINVAL);
}

static void test_non_ip_and_unknown_link(void **state)
{
	/* an ARP frame */
	static const uint8_t arp[] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 0x08, 0x06, 0, 1 };
	const uint8_t *l3;
	size_t len;

	(void)state;
	assert_int_equal(pcap_link_decode(DLT_EN10MB, arp, sizeof(arp), &l3, &len), -ENOENT);
	assert_int_equal(pcap_link_decode(DLT_IEEE802_11, arp, sizeof(arp), &l3, &len), -ENOTSUP);
	assert_int_equal(pcap_link_decode(DLT_RAW, NULL, 0, &l3, &len), -EINVAL);
}

static void replay_expect(const char *name, uint64_t min_packets)
{
	char path[512], err[512];
	struct pcap_replay_stats st;
	struct counter c = { 0 };

	snprintf(path, sizeof(path), "%s/pcaps/%s", RAQIB_SHARED_DIR, name);
	assert_int_equal(pcap_replay_run(path, count_packet, &c, &st, err, sizeof(err)), 0);
	assert_int_equal(c.packets, st.packets);
	assert_true(c.packets >= min_packets);
}

static void test_real_link_types(void **state)
{
	(void)state;
	replay_expect("KakaoTalk_chat.pcap", 347); /* Linux cooked capture */
	replay_expect("dingtalk.pcap", 16); /* raw IP */
	replay_expect("linecall_falsepositve.pcap", 42); /* 802.1Q VLAN */
	replay_expect("stun_signal.pcapng", 460); /* pcapng */
}

static void test_missing_and_not_a_capture(void **state)
{
	char err[512];
	struct pcap_replay_stats st;
	struct counter c = { 0 };
	char path[] = "/tmp/raqib-test-XXXXXX";
	int fd = mkstemp(path);

	(void)state;
	assert_int_equal(pcap_replay_run("/nonexistent/x.pcap", count_packet, &c, &st, err,
					 sizeof(err)),
			 -ENOENT);
	assert_non_null(strstr(err, "cannot open capture '/nonexistent/x.pcap'"));
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "hello, this is not a capture file\n", 34), 34);
	close(fd);
	assert_int_equal(pcap_replay_run(path, count_packet, &c, &st, err, sizeof(err)), -ENOENT);
	assert_non_null(strstr(err, "cannot open capture"));
	unlink(path);
}

static void test_truncated_capture(void **state)
{
	char src[512], err[512];
	char path[] = "/tmp/raqib-test-XXXXXX";
	struct pcap_replay_stats st;
	struct counter c = { 0 };
	char *buf = malloc(4000);
	FILE *f;
	size_t n;
	int fd;

	(void)state;
	assert_non_null(buf);
	snprintf(src, sizeof(src), "%s/pcaps/whatsappfiles.pcap", RAQIB_SHARED_DIR);
	f = fopen(src, "rb");
	assert_non_null(f);
	n = fread(buf, 1, 4000, f); /* a few packets, the last one cut in the middle */
	fclose(f);
	assert_int_equal(n, 4000);
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, buf, n), (ssize_t)n);
	close(fd);
	assert_int_equal(pcap_replay_run(path, count_packet, &c, &st, err, sizeof(err)), -EIO);
	assert_non_null(strstr(err, "truncated or corrupt"));
	assert_true(c.packets > 0); /* what came before the cut was delivered */
	unlink(path);
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ethernet_vlan),
		cmocka_unit_test(test_non_ip_and_unknown_link),
		cmocka_unit_test(test_real_link_types),
		cmocka_unit_test(test_missing_and_not_a_capture),
		cmocka_unit_test(test_truncated_capture),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
