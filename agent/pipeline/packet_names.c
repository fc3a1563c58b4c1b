// SPDX-License-Identifier: GPL-2.0-only
/*
 * Names from the names tier's packets (see packet_names.h).
 */
#include "packet_names.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <sys/socket.h>

#include "net/dns.h"
#include "net/ip_packet.h"
#include "net/quic_initial.h"
#include "net/tls_hello.h"

struct packet_names {
	struct name_cache *cache;
	struct tls_hello *hello;
	struct quic_initial *quic;
	struct packet_names_stats stats;
	uint64_t now_us; /* of the packet being handled */
};

struct packet_names *packet_names_new(size_t max_names)
{
	struct packet_names *n = calloc(1, sizeof(*n));

	if (!n)
		return NULL;
	n->cache = name_cache_new(max_names);
	n->hello = tls_hello_new();
	n->quic = quic_initial_new();
	if (!n->cache || !n->hello || !n->quic) {
		packet_names_free(n);
		errno = ENOMEM;
		return NULL;
	}
	return n;
}

void packet_names_free(struct packet_names *n)
{
	if (!n)
		return;
	quic_initial_free(n->quic);
	tls_hello_free(n->hello);
	name_cache_free(n->cache);
	free(n);
}

static int on_answer(void *ctx, int family, const uint8_t *addr, const char *qname, uint32_t ttl_s)
{
	struct packet_names *n = ctx;

	(void)ttl_s;
	if (name_cache_put(n->cache, family, addr, qname, NAME_SOURCE_DNS, n->now_us) == 0)
		n->stats.dns_answers++;
	return 0;
}

static void name_connection(struct packet_names *n, const struct ip_packet *p, const char *name)
{
	struct name_conn conn = {
		.family = p->family,
		.proto = p->proto,
		.client = p->src, /* an egress packet: its source is the client */
		.client_port = p->sport,
		.server = p->dst,
		.server_port = p->dport,
	};

	if (name_cache_put_conn(n->cache, &conn, name, NAME_SOURCE_SNI, n->now_us) == 0)
		n->stats.named++;
}

void packet_names_on_packet(struct packet_names *n, const struct raqib_event_packet *ev)
{
	char name[TLS_HELLO_NAME_MAX];
	const uint8_t *hello;
	struct ip_packet p;
	size_t hello_len;
	int rc;

	n->stats.packets++;
	n->now_us = ev->hdr.ts_ns / 1000u;
	if (ip_packet_parse(ev->data, ev->len, &p)) {
		n->stats.malformed++;
		return;
	}
	switch (ev->what) {
	case RAQIB_PKT_DNS:
		if (p.proto == IPPROTO_UDP &&
		    dns_parse_answers(p.payload, p.payload_len, on_answer, n) == -EINVAL)
			n->stats.malformed++;
		break;
	case RAQIB_PKT_TLS_HELLO:
		n->stats.hellos++;
		if (p.proto == IPPROTO_TCP &&
		    tls_hello_sni(n->hello, p.payload, p.payload_len, name, sizeof(name)) == 0)
			name_connection(n, &p, name);
		break;
	case RAQIB_PKT_QUIC_INITIAL:
		n->stats.quic_initials++;
		if (p.proto != IPPROTO_UDP)
			break;
		rc = quic_initial_feed(n->quic, p.payload, p.payload_len, &hello, &hello_len);
		if (rc == -ENOTSUP)
			n->stats.quic_unknown++;
		else if ((rc == 1 && tls_hello_sni_message(n->hello, hello, hello_len, name,
							   sizeof(name)) == 0) ||
			 (rc == 2 &&
			  tls_hello_sni_prefix(hello, hello_len, name, sizeof(name)) == 0))
			name_connection(n, &p, name);
		break;
	default:
		break;
	}
}

const char *packet_names_lookup(const struct packet_names *n, const struct name_conn *conn)
{
	return name_cache_get_conn(n->cache, conn, NULL);
}

void packet_names_get_stats(const struct packet_names *n, struct packet_names_stats *stats)
{
	*stats = n->stats;
}
