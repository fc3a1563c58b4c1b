// SPDX-License-Identifier: GPL-2.0-only
/*
 * Network path of the pipeline (see net_inspect.h). Per packet: parse the IP and transport
 * headers within the captured bytes, find the flow (settling which side is the client), count
 * it, follow TCP state, let nDPI classify it until it is sure, learn names from DNS answers and
 * SNI, and hand TCP segments of flows that may carry cleartext uploads to net/cleartext.c. When
 * a flow ends (both FINs or RST then a short wait, idle timeout, eviction, end of capture) its
 * app is attributed and its record reported; uploaded objects with a sensitive verdict become
 * alerts naming the destination, the protocol and the file.
 */
#include "net_inspect.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <ndpi/ndpi_api.h>

#include "raqib/log.h"
#include "raqib/schema.h"
#include "net/attribution.h"
#include "net/cleartext.h"
#include "net/community_id.h"
#include "net/app_signatures.h"
#include "decision.h"
#include "net/dns.h"
#include "net/gtpu.h"
#include "net/ip_packet.h"
#include "net/name_cache.h"
#include "net/quic_initial.h"
#include "net/stun.h"
#include "net/tls_hello.h"

/*
 * nDPI needs a handful of packets per flow; past this it is asked for its best guess. 24 is
 * ndpiReader's own limit for UDP (its -U default); the STUN exchanges of calls need more
 * than a dozen.
 */
#define NDPI_MAX_PACKETS 24

#define TCP_FIN		 0x01
#define TCP_SYN		 0x02
#define TCP_RST		 0x04
#define TCP_ACK		 0x10

#define DNS_PORT	 53
#define MDNS_PORT	 5353
#define LLMNR_PORT	 5355

/*
 * What nDPI 4.2 does not know is looked for on this many packets of a flow with payload, both
 * ways (STUN and TURN messages come and go; a relay's realm is in its answer).
 */
#define SIGNATURE_MAX_PACKETS 32

/* Expiry runs at most this often (capture time): its cost is the flows it releases. */
#define EXPIRE_INTERVAL_US 1000000u

struct net_inspect {
	const struct rules *rules;
	alert_sink_fn sink;
	void *sink_ctx;
	struct net_inspect_config config;
	uint64_t timeouts_us[FLOW_CLASS_COUNT];
	struct ndpi_detection_module_struct *ndpi;
	struct flow_table *flows;
	struct name_cache *names;
	struct quic_initial *quic; /* QUIC Initials nDPI 4.2 cannot read (v2, later drafts) */
	struct tls_hello *hello;
	struct flow_table *endpoints; /* client UDP sockets -> app (flow->user: the app) */
	struct flow_table *services; /* server address, port, protocol -> app */
	struct cleartext *cleartext;
	uint64_t last_expire_us;
	struct net_inspect_stats stats;
};

/* What the network path keeps per flow (flow->user). */
struct flow_state {
	struct ndpi_flow_struct *ndpi_flow; /* NULL once classification is done */
	ndpi_protocol proto;
	struct cleartext_flow *cleartext; /* NULL: not (or no longer) inspected */
	uint32_t ndpi_packets;
	bool classified;
	bool ended;
	bool endpoint_learnt; /* own_app is settled and was taught to the side tables */
	const struct rules_app *own_app; /* named by the flow's own clues (not its neighbours') */
	enum attribution_source own_source;
	const char *signature; /* nDPI name a newer nDPI gives it (net/stun.h...), or NULL */
	uint8_t signature_packets; /* looked at for signatures so far */
	char server_name[sizeof(((struct ndpi_flow_struct *)0)->host_server_name)];
};

static void end_flow(struct net_inspect *net, struct flow *flow, enum flow_end why);
static void on_object(void *ctx, const struct flow *flow, const struct cleartext_object *obj);

static void release_flow(void *ctx, struct flow *flow, enum flow_end why)
{
	struct net_inspect *net = ctx;
	struct flow_state *st = flow->user;

	if (!st)
		return;
	if (why == FLOW_END_EVICTED)
		net->stats.flows_evicted++;
	else if (why == FLOW_END_EXPIRED)
		net->stats.flows_expired++;
	end_flow(net, flow, why);
	if (st->ndpi_flow)
		ndpi_flow_free(st->ndpi_flow);
	free(st);
	flow->user = NULL;
}

static uint64_t or_default(uint64_t value, uint64_t def)
{
	return value ? value : def;
}

struct net_inspect *net_inspect_new(const struct rules *rules, alert_sink_fn sink, void *sink_ctx,
				    const struct net_inspect_config *config)
{
	struct net_inspect *net = calloc(1, sizeof(*net));
	struct cleartext_config ccfg;
	NDPI_PROTOCOL_BITMASK all;

	if (!net)
		return NULL;
	net->rules = rules;
	net->sink = sink;
	net->sink_ctx = sink_ctx;
	net->config = *config;
	net->timeouts_us[FLOW_CLASS_OTHER] = config->idle_timeout_us;
	net->timeouts_us[FLOW_CLASS_TCP_ESTABLISHED] = config->idle_timeout_us;
	net->timeouts_us[FLOW_CLASS_TCP_NEW] = or_default(config->tcp_new_timeout_us, 30000000u);
	net->timeouts_us[FLOW_CLASS_TCP_CLOSED] =
		or_default(config->tcp_closed_timeout_us, 10000000u);
	ccfg.max_object_bytes = or_default(config->max_object_bytes, 16u << 20);
	ccfg.max_buffered_bytes = or_default(config->max_buffered_bytes, 256u << 20);
	ccfg.max_flow_window = 1u << 20;
	ccfg.limits = config->limits;
	net->ndpi = ndpi_init_detection_module(ndpi_no_prefs);
	if (!net->ndpi)
		goto err_free;
	NDPI_BITMASK_SET_ALL(all);
	ndpi_set_protocol_detection_bitmask2(net->ndpi, &all);
	ndpi_finalize_initialization(net->ndpi);
	net->flows = flow_table_new(config->max_flows, release_flow, net);
	net->names = name_cache_new(or_default(config->max_names, 65536));
	net->endpoints = flow_table_new(or_default(config->max_names, 65536), NULL, NULL);
	net->services = flow_table_new(or_default(config->max_names, 65536), NULL, NULL);
	net->cleartext = cleartext_new(rules, &ccfg, on_object, net);
	net->quic = quic_initial_new();
	net->hello = tls_hello_new();
	if (!net->flows || !net->names || !net->endpoints || !net->services || !net->cleartext ||
	    !net->quic || !net->hello)
		goto err_free;
	return net;

err_free:
	net_inspect_free(net);
	errno = ENOMEM;
	return NULL;
}

void net_inspect_free(struct net_inspect *net)
{
	if (!net)
		return;
	net_inspect_flush(net);
	flow_table_free(net->flows);
	flow_table_free(net->endpoints);
	flow_table_free(net->services);
	name_cache_free(net->names);
	cleartext_free(net->cleartext);
	quic_initial_free(net->quic);
	tls_hello_free(net->hello);
	if (net->ndpi)
		ndpi_exit_detection_module(net->ndpi);
	free(net);
}

static bool is_name_service_port(uint16_t port)
{
	return port == DNS_PORT || port == MDNS_PORT || port == LLMNR_PORT;
}

/* Remembers the name a TLS/QUIC/HTTP flow gave its server, for flows to it that give none. */
static void learn_server_name(struct net_inspect *net, const struct flow *flow,
			      const struct flow_state *st, uint64_t now_us)
{
	enum name_source source = NAME_SOURCE_SNI;
	uint16_t master = st->proto.master_protocol ?: st->proto.app_protocol;

	if (!st->server_name[0] || is_name_service_port(flow->server_port))
		return;
	if (master == NDPI_PROTOCOL_HTTP)
		source = NAME_SOURCE_HTTP;
	else if (master != NDPI_PROTOCOL_TLS && master != NDPI_PROTOCOL_QUIC)
		return;
	name_cache_put(net->names, flow->key.family, flow->server_addr, st->server_name, source,
		       now_us);
}

static void classify(struct net_inspect *net, struct flow *flow, struct flow_state *st,
		     const struct packet *pkt, const struct ip_packet *p)
{
	unsigned short len = pkt->l3_len > 0xffff ? 0xffff : (unsigned short)pkt->l3_len;

	if (st->classified || !st->ndpi_flow)
		return;
	st->proto = ndpi_detection_process_packet(net->ndpi, st->ndpi_flow, pkt->l3, len,
						  pkt->ts_us / 1000);
	st->ndpi_packets++;
	/* what nDPI 4.2 does not know yet (net/app_signatures.h) */
	if (st->proto.app_protocol == NDPI_PROTOCOL_UNKNOWN && p->proto == IPPROTO_UDP &&
	    app_signature_is_discord_ip_discovery(p->payload, p->payload_len)) {
		st->proto.master_protocol = NDPI_PROTOCOL_UNKNOWN;
		st->proto.app_protocol = NDPI_PROTOCOL_DISCORD;
		st->classified = true;
	}
	if (st->ndpi_flow->host_server_name[0] && !st->server_name[0]) {
		size_t n = strnlen(st->ndpi_flow->host_server_name, sizeof(st->server_name) - 1);

		memcpy(st->server_name, st->ndpi_flow->host_server_name, n);
		st->server_name[n] = '\0';
		learn_server_name(net, flow, st, pkt->ts_us);
	}
	if (st->proto.app_protocol != NDPI_PROTOCOL_UNKNOWN &&
	    !ndpi_extra_dissection_possible(net->ndpi, st->ndpi_flow))
		st->classified = true;
	else if (st->ndpi_packets >= NDPI_MAX_PACKETS)
		st->classified = true;
	else if (st->server_name[0] && st->proto.app_protocol != NDPI_PROTOCOL_UNKNOWN &&
		 (st->proto.master_protocol == NDPI_PROTOCOL_TLS ||
		  st->proto.master_protocol == NDPI_PROTOCOL_QUIC ||
		  st->proto.app_protocol == NDPI_PROTOCOL_TLS ||
		  st->proto.app_protocol == NDPI_PROTOCOL_QUIC))
		/* past the ClientHello nDPI only reads certificates: the server name is what counts */
		st->classified = true;
	if (st->classified) {
		if (st->proto.app_protocol == NDPI_PROTOCOL_UNKNOWN) {
			uint8_t guessed = 0;

			st->proto = ndpi_detection_giveup(net->ndpi, st->ndpi_flow, 1, &guessed);
		}
		ndpi_flow_free(st->ndpi_flow);
		st->ndpi_flow = NULL;
	}
}

static int on_dns_answer(void *ctx, int family, const uint8_t *addr, const char *qname,
			 uint32_t ttl_s)
{
	struct net_inspect *net = ctx;

	(void)ttl_s;
	if (name_cache_put(net->names, family, addr, qname, NAME_SOURCE_DNS, 0) == 0)
		net->stats.dns_answers++;
	return 0;
}

static void learn_dns(struct net_inspect *net, const struct ip_packet *p)
{
	int rc;

	if (p->proto != IPPROTO_UDP || p->sport != DNS_PORT)
		return;
	rc = dns_parse_answers(p->payload, p->payload_len, on_dns_answer, net);
	if (rc == -EINVAL)
		net->stats.dns_malformed++;
}

static void format_addr(uint8_t family, const uint8_t *addr, char *out, size_t out_len)
{
	if (!inet_ntop(family, addr, out, (socklen_t)out_len))
		snprintf(out, out_len, "?");
}

static void ndpi_name(struct net_inspect *net, const struct flow_state *st, char *out,
		      size_t out_len)
{
	ndpi_protocol2name(net->ndpi, st->proto, out, (u_int)out_len);
}

/*
 * Key of one side of a flow in the endpoint and service tables: its address and port alone
 * (the client's UDP socket, or the server's listening address).
 */
static void side_key(const struct flow *flow, bool server, struct flow_key *key)
{
	static const uint8_t zero[16];

	flow_key_make(key, flow->key.family, flow->key.proto,
		      server ? flow->server_addr : flow->client_addr,
		      server ? flow->server_port : flow->client_port, zero, 0,
		      flow->key.family == AF_INET ? 4 : 16);
	key->vlan_id = flow->key.vlan_id;
}

static const struct rules_app *side_app(const struct flow_table *table, const struct flow *flow,
					bool server)
{
	struct flow_key key;
	const struct flow *e;

	if (!server && flow->key.proto != IPPROTO_UDP)
		return NULL;
	side_key(flow, server, &key);
	e = flow_table_find(table, &key);
	return e ? e->user : NULL;
}

static void learn_side(struct flow_table *table, const struct flow *flow, bool server,
		       const struct rules_app *app)
{
	struct flow_key key;
	struct flow *e;
	bool created;

	side_key(flow, server, &key);
	e = flow_table_get(table, &key, server ? flow->server_addr : flow->client_addr,
			   server ? flow->server_port : flow->client_port, flow->client_addr, 0,
			   flow->last_us, &created);
	if (e)
		e->user = (void *)app;
}

/* Everything known of the flow's app; owner may be NULL. */
static const struct rules_app *attribute(struct net_inspect *net, const struct flow *flow,
					 const struct flow_state *st, const char *ndpi,
					 const struct conn_owner *owner, bool with_endpoint,
					 const char **dns_name, enum attribution_source *source)
{
	struct attribution_clues clues = {
		.owner_app = owner ? owner->app : NULL,
		.ndpi_name = ndpi,
		.signature = st->signature,
		.server_name = st->server_name,
		.family = flow->key.family,
		.server_addr = flow->server_addr,
		.server_port = flow->server_port,
		.service_app = with_endpoint ? side_app(net->services, flow, true) : NULL,
		.endpoint_app = with_endpoint ? side_app(net->endpoints, flow, false) : NULL,
	};

	*dns_name = NULL;
	if (!is_name_service_port(flow->server_port))
		*dns_name = name_cache_get(net->names, flow->key.family, flow->server_addr, NULL);
	clues.dns_name = *dns_name;
	return attribute_flow(net->rules, &clues, source);
}

/*
 * A flow named by a clue of its own teaches its app to the server's address and port (one
 * service listens there) and, for UDP, to its client socket (STUN, TURN and media candidates
 * of one call share it).
 */
static void learn_endpoint(struct net_inspect *net, struct flow *flow, struct flow_state *st,
			   const struct conn_owner *owner)
{
	enum attribution_source source;
	const struct rules_app *app;
	const char *dns_name;
	char ndpi[64];

	if (st->endpoint_learnt)
		return;
	st->endpoint_learnt = true;
	ndpi_name(net, st, ndpi, sizeof(ndpi));
	app = attribute(net, flow, st, ndpi, owner, false, &dns_name, &source);
	st->own_app = app;
	st->own_source = source;
	/* a DNS query names what it asks for, not its server: it teaches nobody */
	if (!app || is_name_service_port(flow->server_port))
		return;
	/* a service is named by what its own traffic says, not by who talked to it */
	if (source != ATTRIBUTION_PROCESS)
		learn_side(net->services, flow, true, app);
	if (flow->key.proto == IPPROTO_UDP)
		learn_side(net->endpoints, flow, false, app);
}

static const struct conn_owner *flow_owner(const struct net_inspect *net, const struct flow *flow)
{
	if (!net->config.conns)
		return NULL;
	return conn_table_lookup(net->config.conns, flow->key.family, flow->key.proto,
				 flow->client_addr, flow->client_port, flow->server_addr,
				 flow->server_port);
}

static void report_flow(struct net_inspect *net, struct flow *flow, struct flow_state *st,
			enum flow_end why)
{
	const struct conn_owner *owner = flow_owner(net, flow);
	enum attribution_source source;
	char cid[COMMUNITY_ID_LEN], ndpi[64];
	struct net_flow_record rec = { .flow = flow, .end = why, .owner = owner };

	ndpi_name(net, st, ndpi, sizeof(ndpi));
	rec.ndpi_name = ndpi;
	rec.server_name = st->server_name[0] ? st->server_name : NULL;
	if (st->endpoint_learnt && !owner) {
		/*
		 * The flow's own clues were weighed when it was classified (nothing of them changes
		 * after): only its neighbours' may have come since.
		 */
		rec.app = st->own_app;
		source = st->own_source;
		if (!rec.app && (rec.app = side_app(net->services, flow, true)))
			source = ATTRIBUTION_SERVICE;
		if (!rec.app && (rec.app = side_app(net->endpoints, flow, false)))
			source = ATTRIBUTION_ENDPOINT;
		rec.dns_name = is_name_service_port(flow->server_port) ?
				       NULL :
				       name_cache_get(net->names, flow->key.family,
						      flow->server_addr, NULL);
	} else {
		rec.app = attribute(net, flow, st, ndpi, owner, true, &rec.dns_name, &source);
	}
	rec.app_source = attribution_source_name(source);
	if (rec.app)
		net->stats.flows_attributed++;
	if (!net->config.flow_sink)
		return;
	if (community_id_v1(flow->client_addr, flow->server_addr,
			    flow->key.family == AF_INET ? 4 : 16, flow->client_port,
			    flow->server_port, flow->key.proto, 0, cid, sizeof(cid)))
		cid[0] = '\0';
	rec.community_id = cid;
	net->config.flow_sink(net->config.flow_sink_ctx, &rec);
}

static void raise_alert(struct net_inspect *net, const struct flow *flow,
			const struct cleartext_object *obj)
{
	const struct flow_state *st = flow->user;
	const struct conn_owner *owner = flow_owner(net, flow);
	char src[INET6_ADDRSTRLEN], dst[INET6_ADDRSTRLEN], full[64], cid[COMMUNITY_ID_LEN];
	const char *server_name = obj->host ?: (st->server_name[0] ? st->server_name : NULL);
	struct rules_event_info info = { .event = RULES_EVENT_CLEARTEXT, .sha256 = obj->sha256 };
	enum attribution_source source;
	struct rules_decision decision;
	size_t n_domains = obj->n_mail_domains;
	const char *dns_name;
	struct alert alert = {
		.kind = ALERT_KIND_NETWORK,
		.ts_ms = (int64_t)(flow->last_us / 1000),
		.why = "a client uploaded personal data or an official document in a cleartext stream",
		.uid = -1,
		.file_size = (int64_t)obj->size,
		.file_sha256 = obj->sha256,
		.file_name = obj->file_name,
		.source_ip = src,
		.source_port = flow->client_port,
		.destination_ip = dst,
		.destination_port = flow->server_port,
		.transport = "tcp",
		.protocol = obj->protocol,
		.ndpi_protocol = full,
		.server_name = server_name,
		.community_id = cid,
		.verdict = obj->verdict,
	};

	format_addr(flow->key.family, flow->client_addr, src, sizeof(src));
	format_addr(flow->key.family, flow->server_addr, dst, sizeof(dst));
	ndpi_name(net, st, full, sizeof(full));
	if (community_id_v1(flow->client_addr, flow->server_addr,
			    flow->key.family == AF_INET ? 4 : 16, flow->client_port,
			    flow->server_port, flow->key.proto, 0, cid, sizeof(cid)))
		alert.community_id = NULL;
	info.app = attribute(net, flow, st, full, owner, true, &dns_name, &source);
	if (!info.app && obj->host)
		info.app = rules_app_by_server_name(net->rules, obj->host);
	/* where it went, for the destination conditions of sanctioned channels */
	info.dest.server_name = server_name ? server_name : dns_name;
	info.dest.url = obj->url;
	info.dest.family = flow->key.family;
	memcpy(info.dest.addr, flow->server_addr, flow->key.family == AF_INET ? 4 : 16);
	if (n_domains > RULES_MAIL_DOMAINS_MAX)
		n_domains = RULES_MAIL_DOMAINS_MAX;
	for (size_t i = 0; i < n_domains; i++)
		info.dest.mail_domains[i] = obj->mail_domains[i];
	if (n_domains < obj->n_mail_domains) /* more than kept: not every domain is known */
		info.dest.mail_domains[n_domains - 1] = NULL;
	info.dest.n_mail_domains = n_domains;
	if (!decision_make(net->rules, obj->verdict, &info, &alert, &decision)) {
		net->stats.shadow += decision.n_shadow > 0;
		return;
	}
	net->stats.shadow += decision.n_shadow > 0;
	alert.rules_hash = rules_hash(net->rules);
	alert.bytes_sent = flow->bytes[FLOW_DIR_TO_SERVER];
	/* a hole in the stream or a cut object means the content was partly inspected */
	if (obj->has_gap || obj->is_truncated)
		alert.confidence = "medium";
	alert.app = info.app ? info.app->name : NULL;
	if (owner) {
		alert.pid = (int)owner->pid;
		alert.uid = owner->uid;
		alert.process_name = owner->comm;
	}
	if (net->sink(net->sink_ctx, &alert) == 0)
		net->stats.alerts++;
	else
		net->stats.alerts_failed++;
}

static void on_object(void *ctx, const struct flow *flow, const struct cleartext_object *obj)
{
	/* findings of detectors in shadow mode too: what they would do is counted */
	if (rules_verdict_is_sensitive(obj->verdict) || obj->verdict->n_findings)
		raise_alert(ctx, flow, obj);
}

static void end_flow(struct net_inspect *net, struct flow *flow, enum flow_end why)
{
	struct flow_state *st = flow->user;

	if (st->ended)
		return;
	st->ended = true;
	if (st->cleartext) {
		cleartext_flow_end(net->cleartext, st->cleartext, flow);
		st->cleartext = NULL;
	}
	if (!st->classified && st->ndpi_flow) {
		uint8_t guessed = 0;

		st->proto = ndpi_detection_giveup(net->ndpi, st->ndpi_flow, 1, &guessed);
		st->classified = true;
	}
	flow_end_burst(flow);
	report_flow(net, flow, st, why);
}

/*
 * Which side of a new flow is the client. The first packet's sender, unless it is a SYN-ACK, or
 * the capture started mid-connection and the sender's port looks like a service's while the
 * receiver's looks ephemeral (IANA and Linux ephemeral ranges start at 49152 and 32768).
 */
static bool sender_is_server(const struct ip_packet *p)
{
	if (p->proto == IPPROTO_TCP && (p->tcp_flags & TCP_SYN))
		return (p->tcp_flags & TCP_ACK) != 0;
	if (p->sport < 1024 && p->dport >= 1024)
		return true;
	return p->sport < 32768 && p->dport >= 32768 && !is_name_service_port(p->dport);
}

static struct flow *lookup_flow(struct net_inspect *net, const struct ip_packet *p,
				const struct packet *pkt)
{
	struct flow_state *st;
	struct flow_key key;
	struct flow *flow;
	bool created;

	flow_key_make(&key, p->family, p->proto, p->src, p->sport, p->dst, p->dport, p->addr_len);
	key.vlan_id = pkt->vlan_id;
	flow = flow_table_get(net->flows, &key, p->src, p->sport, p->dst, p->dport, pkt->ts_us,
			      &created);
	if (!flow || !created)
		return flow;
	net->stats.flows++;
	st = calloc(1, sizeof(*st));
	if (st)
		st->ndpi_flow = ndpi_flow_malloc(SIZEOF_FLOW_STRUCT);
	if (!st || !st->ndpi_flow) {
		free(st);
		flow_table_remove(net->flows, flow);
		return NULL;
	}
	memset(st->ndpi_flow, 0, SIZEOF_FLOW_STRUCT);
	flow->user = st;
	if (sender_is_server(p))
		flow_swap_sides(flow);
	if (p->proto == IPPROTO_TCP)
		st->cleartext = cleartext_flow_new(net->cleartext, flow, pkt->ts_us);
	return flow;
}

static int inspect_ip(struct net_inspect *net, const struct packet *pkt, bool tunneled);

/*
 * What Debian's nDPI 4.2 does not know, on a flow's first packets with payload: STUN and TURN
 * messages that name a call's app (net/stun.h), WhatsApp's chat prologue
 * (net/app_signatures.h), and the server name in a QUIC Initial of a version 4.2 does not
 * decrypt (net/quic_initial.h). A finding made after the flow taught its neighbours teaches
 * them again.
 */
static void look_for_signatures(struct net_inspect *net, struct flow *flow, struct flow_state *st,
				const struct ip_packet *p, enum flow_dir dir, uint64_t ts_us)
{
	const uint8_t *hello;
	size_t hello_len;
	int rc;

	if (!p->payload_len || st->signature_packets >= SIGNATURE_MAX_PACKETS)
		return;
	st->signature_packets++;
	if (!st->signature) {
		st->signature = stun_app_name(p->payload, p->payload_len);
		if (!st->signature && p->proto == IPPROTO_TCP && dir == FLOW_DIR_TO_SERVER &&
		    st->signature_packets == 1 &&
		    app_signature_is_whatsapp_prologue(p->payload, p->payload_len))
			st->signature = "WhatsApp";
		if (st->signature)
			st->endpoint_learnt = false;
	}
	if (p->proto != IPPROTO_UDP || dir != FLOW_DIR_TO_SERVER || st->server_name[0] ||
	    !quic_packet_version(p->payload, p->payload_len))
		return;
	rc = quic_initial_feed(net->quic, p->payload, p->payload_len, &hello, &hello_len);
	if ((rc == 1 && tls_hello_sni_message(net->hello, hello, hello_len, st->server_name,
					      sizeof(st->server_name)) == 0) ||
	    (rc == 2 && tls_hello_sni_prefix(hello, hello_len, st->server_name,
					     sizeof(st->server_name)) == 0)) {
		name_cache_put(net->names, flow->key.family, flow->server_addr, st->server_name,
			       NAME_SOURCE_SNI, ts_us);
		st->endpoint_learnt = false;
	}
}

/*
 * A GTP-U packet (gtpu.h) is inspected as the inner packet it carries: its flow, not the
 * tunnel's, is the app's. One level only: a tunnel inside a tunnel is inspected as UDP.
 */
static bool inspect_tunneled(struct net_inspect *net, const struct packet *pkt,
			     const struct ip_packet *p, int *err)
{
	struct packet inner = { .ts_us = pkt->ts_us, .vlan_id = pkt->vlan_id };

	if (p->proto != IPPROTO_UDP || (p->sport != GTPU_PORT && p->dport != GTPU_PORT))
		return false;
	inner.l3_len = gtpu_inner_packet(p->payload, p->payload_len, &inner.l3);
	if (!inner.l3_len)
		return false;
	inner.wire_len = inner.l3_len + (pkt->wire_len - pkt->l3_len); /* what the capture cut */
	net->stats.tunneled++;
	*err = inspect_ip(net, &inner, true);
	return true;
}

int net_inspect_on_packet(void *ctx, const struct packet *pkt)
{
	struct net_inspect *net = ctx;

	net->stats.packets++;
	net->stats.bytes += pkt->wire_len;
	return inspect_ip(net, pkt, false);
}

static int inspect_ip(struct net_inspect *net, const struct packet *pkt, bool tunneled)
{
	struct ip_packet p = { 0 };
	struct flow_state *st;
	struct flow *flow;
	enum flow_dir dir;
	int err;

	if (pkt->l3_len < 1) {
		net->stats.malformed++;
		return 0;
	}
	err = ip_packet_parse(pkt->l3, pkt->l3_len, &p);
	if (err == -ENOENT) {
		net->stats.not_tcp_udp++;
		return 0;
	}
	if (err) {
		net->stats.malformed++;
		return 0;
	}
	if (!tunneled && inspect_tunneled(net, pkt, &p, &err))
		return err;
	if (pkt->ts_us > net->last_expire_us + EXPIRE_INTERVAL_US) {
		flow_table_expire_classes(net->flows, pkt->ts_us, net->timeouts_us);
		net->last_expire_us = pkt->ts_us;
	}
	flow = lookup_flow(net, &p, pkt);
	if (!flow)
		return 0;
	st = flow->user;
	dir = flow_direction(flow, p.src, p.sport);
	flow_account(flow, dir, pkt->wire_len, p.payload_len, pkt->ts_us);
	if (p.proto == IPPROTO_TCP)
		flow_table_tcp_update(net->flows, flow, dir, p.tcp_flags);
	classify(net, flow, st, pkt, &p);
	look_for_signatures(net, flow, st, &p, dir, pkt->ts_us);
	learn_dns(net, &p);
	if (st->classified && !st->endpoint_learnt)
		learn_endpoint(net, flow, st, flow_owner(net, flow));
	if (st->cleartext &&
	    !cleartext_segment(net->cleartext, st->cleartext, flow, dir, p.seq, p.tcp_flags,
			       p.payload, p.payload_len, pkt->ts_us)) {
		cleartext_flow_end(net->cleartext, st->cleartext, flow);
		st->cleartext = NULL;
	}
	return 0;
}

/* Before the end of input: flows not yet classified give their best guess and teach their
 * client socket's app, so that flows ending before them in the drain still learn it. */
static void settle_flow(void *ctx, struct flow *flow)
{
	struct net_inspect *net = ctx;
	struct flow_state *st = flow->user;

	if (!st || st->ended)
		return;
	if (!st->classified && st->ndpi_flow) {
		uint8_t guessed = 0;

		st->proto = ndpi_detection_giveup(net->ndpi, st->ndpi_flow, 1, &guessed);
		st->classified = true;
		ndpi_flow_free(st->ndpi_flow);
		st->ndpi_flow = NULL;
	}
	learn_endpoint(net, flow, st, flow_owner(net, flow));
}

void net_inspect_flush(struct net_inspect *net)
{
	flow_table_foreach(net->flows, settle_flow, net);
	flow_table_drain(net->flows);
}

void net_inspect_expire(struct net_inspect *net, uint64_t now_us)
{
	flow_table_expire_classes(net->flows, now_us, net->timeouts_us);
	net->last_expire_us = now_us;
}

int net_inspect_set_rules(struct net_inspect *net, const struct rules *rules)
{
	int err = cleartext_set_rules(net->cleartext, rules);

	if (err)
		return err;
	/* the app tables point into the old rules */
	flow_table_drain(net->endpoints);
	flow_table_drain(net->services);
	net->rules = rules;
	return 0;
}

void net_inspect_get_stats(const struct net_inspect *net, struct net_inspect_stats *stats)
{
	struct cleartext_stats cs;

	*stats = net->stats;
	cleartext_get_stats(net->cleartext, &cs);
	stats->streams_scanned = cs.objects;
	stats->stream_gaps = cs.gaps;
	stats->segments_out_of_window = cs.out_of_window;
	stats->segments_overlapping = cs.overlaps;
	stats->reassembly_dropped = cs.dropped;
	stats->objects_truncated = cs.truncated;
	stats->parse_errors = cs.parse_errors;
}

const char *net_inspect_server_name(const struct net_inspect *net, int family, const uint8_t *addr)
{
	return name_cache_get(net->names, family, addr, NULL);
}

size_t net_inspect_flow_state_bytes(void)
{
	return sizeof(struct flow) + sizeof(struct flow_state) + SIZEOF_FLOW_STRUCT;
}
