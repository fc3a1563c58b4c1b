// SPDX-License-Identifier: GPL-2.0-only
/*
 * Cleartext inspection (see cleartext.h). A TCP flow starts undecided: its client's first bytes
 * say whether it is HTTP, SMTP or FTP control (or nothing to inspect: TLS, SSH, anything else,
 * after which the flow costs nothing more). A flow matching a data connection announced on an
 * FTP control connection is FTP data from its start. Directions are reassembled only when a
 * parser needs them: the client's for HTTP and SMTP, both for FTP control, the uploading side's
 * for FTP data.
 *
 * Objects (net/upload_sink.h) are buffered up to max_object_bytes, within the global budget
 * shared with the reassembly queues, then extracted (extract_buffer) and scanned.
 */
#include "cleartext.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "extract/extract.h"
#include "ftp_control.h"
#include "http_upload.h"
#include "smtp_upload.h"
#include "tcp_reasm.h"

#define TH_SYN		    0x02

#define FTP_ANNOUNCE_MAX    64
#define FTP_ANNOUNCE_TTL_US 120000000u

/* Decompressed bytes of an HTTP body per compressed byte, at most (zip bombs). */
#define HTTP_MAX_RATIO 100.0

enum ct_proto {
	CT_UNDECIDED,
	CT_HTTP,
	CT_SMTP,
	CT_FTP_CONTROL,
	CT_FTP_DATA,
	CT_NONE,
};

/* A data connection an FTP control connection announced. */
struct ftp_expect {
	struct ftp_session *session; /* NULL: slot free */
	int family;
	uint8_t addr[2][16]; /* the listener as announced, and as the control connection sees it */
	uint16_t port;
	uint8_t upload_dir; /* enum flow_dir of the bytes that go up */
	uint64_t expires_us;
};

struct cleartext {
	const struct rules *rules;
	struct cleartext_config config;
	cleartext_object_fn sink;
	void *sink_ctx;
	struct rules_worker *worker;
	struct extract_limits limits;
	struct reasm_budget budget;
	struct reasm_stats rstats;
	struct cleartext_stats stats;
	struct ftp_expect expect[FTP_ANNOUNCE_MAX];
};

/* The object being uploaded. */
struct ct_object {
	bool open;
	const char *protocol;
	char name[UPLOAD_NAME_MAX];
	uint8_t *buf;
	size_t len, cap;
	uint64_t size; /* bytes given, kept or not */
	bool truncated;
	bool gap;
};

struct cleartext_flow {
	struct cleartext *ct;
	const struct flow *flow;
	enum ct_proto proto;
	struct tcp_reasm reasm[2];
	struct upload_sink sink;
	struct ct_object obj;
	struct http_upload *http;
	struct smtp_upload *smtp;
	struct ftp_control *ftp;
	struct ftp_session *data_session; /* FTP data: the control connection's session */
	uint8_t upload_dir; /* FTP data */
	bool data_named; /* FTP data: the transfer was looked up at its first byte */
	bool upload; /* FTP data: it is an upload */
	uint64_t now_us;
};

struct cleartext *cleartext_new(const struct rules *rules, const struct cleartext_config *config,
				cleartext_object_fn sink, void *sink_ctx)
{
	struct cleartext *ct = calloc(1, sizeof(*ct));

	if (!ct)
		return NULL;
	ct->rules = rules;
	ct->config = *config;
	ct->sink = sink;
	ct->sink_ctx = sink_ctx;
	ct->budget.max_bytes = config->max_buffered_bytes;
	if (config->limits)
		ct->limits = *config->limits;
	else
		extract_limits_default(&ct->limits);
	ct->limits.max_read_bytes = config->max_object_bytes;
	ct->worker = rules_worker_new(rules);
	if (!ct->worker) {
		free(ct);
		errno = ENOMEM;
		return NULL;
	}
	return ct;
}

void cleartext_free(struct cleartext *ct)
{
	if (!ct)
		return;
	for (size_t i = 0; i < FTP_ANNOUNCE_MAX; i++)
		ftp_session_put(ct->expect[i].session);
	rules_worker_free(ct->worker);
	free(ct);
}

int cleartext_set_rules(struct cleartext *ct, const struct rules *rules)
{
	struct rules_worker *worker = rules_worker_new(rules);

	if (!worker)
		return -ENOMEM;
	/* objects are scanned when they end: no scan of the old rules is in flight */
	rules_worker_free(ct->worker);
	ct->worker = worker;
	ct->rules = rules;
	return 0;
}

void cleartext_get_stats(const struct cleartext *ct, struct cleartext_stats *stats)
{
	*stats = ct->stats;
	stats->gaps = ct->rstats.gaps;
	stats->out_of_window = ct->rstats.out_of_window;
	stats->overlaps = ct->rstats.overlaps;
	stats->dropped = ct->rstats.dropped_bytes;
}

/* Objects: buffered within bounds, inspected at their end. */

static void object_wipe(struct cleartext *ct, struct ct_object *o)
{
	if (o->buf) {
		explicit_bzero(o->buf, o->len);
		ct->budget.used_bytes -= o->cap;
		free(o->buf);
	}
	memset(o, 0, sizeof(*o));
}

static void inspect_object(struct cleartext_flow *cf)
{
	struct cleartext *ct = cf->ct;
	struct ct_object *o = &cf->obj;
	struct cleartext_object out = { 0 };
	struct extract_result res;
	struct rules_verdict verdict = { 0 };
	struct rules_scan *scan;
	char sha256[65], url[512];

	if (o->size == 0)
		return;
	ct->stats.objects++;
	if (o->truncated)
		ct->stats.truncated++;
	scan = rules_scan_new_shared(ct->rules, ct->worker);
	if (!scan)
		return;
	if (extract_buffer(o->buf ? o->buf : (const uint8_t *)"", o->len, &ct->limits, scan,
			   &res) == 0 &&
	    rules_scan_finish(scan, &verdict) == 0) {
		for (size_t i = 0; i < 32; i++)
			snprintf(sha256 + 2 * i, 3, "%02x", res.sha256[i]);
		out.protocol = o->protocol;
		out.file_name = o->name[0] ? o->name : NULL;
		out.host = cf->http ? http_upload_host(cf->http) : NULL;
		out.url = cf->http ? http_upload_url(cf->http, url, sizeof(url)) : NULL;
		if (cf->smtp) {
			size_t n;
			bool more;
			const char(*d)[SMTP_DOMAIN_MAX] = smtp_upload_domains(cf->smtp, &n, &more);

			for (size_t i = 0; i < n; i++)
				out.mail_domains[out.n_mail_domains++] = d[i];
			if (more) /* unknown domains: a condition on every domain cannot hold */
				out.mail_domains[out.n_mail_domains++] = NULL;
		}
		out.size = o->size;
		out.is_truncated = o->truncated || res.status == EXTRACT_PARTIAL;
		out.has_gap = o->gap;
		out.sha256 = sha256;
		out.verdict = &verdict;
		if (ct->sink)
			ct->sink(ct->sink_ctx, cf->flow, &out);
		rules_verdict_release(&verdict);
	}
	rules_scan_free(scan);
}

static void sink_end(void *ctx)
{
	struct cleartext_flow *cf = ctx;

	if (!cf->obj.open)
		return;
	inspect_object(cf);
	object_wipe(cf->ct, &cf->obj);
}

static void sink_name(void *ctx, const char *file_name)
{
	struct cleartext_flow *cf = ctx;

	snprintf(cf->obj.name, sizeof(cf->obj.name), "%s", file_name ? file_name : "");
}

static void sink_begin(void *ctx, const char *protocol, const char *file_name)
{
	struct cleartext_flow *cf = ctx;

	sink_end(cf);
	cf->obj.open = true;
	cf->obj.protocol = protocol;
	sink_name(cf, file_name);
}

static void sink_data(void *ctx, const uint8_t *data, size_t len)
{
	struct cleartext_flow *cf = ctx;
	struct cleartext *ct = cf->ct;
	struct ct_object *o = &cf->obj;
	size_t room;

	if (!o->open)
		return;
	o->size += len;
	if (o->truncated)
		return;
	room = ct->config.max_object_bytes - o->len;
	if (len > room) {
		len = room;
		o->truncated = true;
	}
	if (len == 0)
		return;
	if (o->len + len > o->cap) {
		size_t cap = o->cap ? o->cap : 4096;
		uint8_t *buf;

		while (cap < o->len + len)
			cap *= 2;
		if (cap > ct->config.max_object_bytes)
			cap = ct->config.max_object_bytes;
		/* grown by hand, not realloc(): the old copy holds document text to wipe */
		buf = ct->budget.used_bytes + cap - o->cap <= ct->budget.max_bytes ? malloc(cap) :
										     NULL;
		if (!buf) {
			ct->rstats.dropped_bytes += len;
			o->truncated = true;
			return;
		}
		if (o->buf) {
			memcpy(buf, o->buf, o->len);
			explicit_bzero(o->buf, o->len);
			free(o->buf);
		}
		ct->budget.used_bytes += cap - o->cap;
		o->buf = buf;
		o->cap = cap;
	}
	memcpy(o->buf + o->len, data, len);
	o->len += len;
}

/* FTP: announcements and the data connections they match. */

static void on_announce(void *ctx, const struct ftp_announce *a)
{
	struct cleartext_flow *cf = ctx;
	struct cleartext *ct = cf->ct;
	const struct flow *control = cf->flow;
	size_t alen = control->key.family == AF_INET ? 4 : 16;
	struct ftp_expect *e = &ct->expect[0];

	if (a->family && a->family != control->key.family)
		return;
	/* a free slot, or the one closest to expiring */
	for (size_t i = 0; i < FTP_ANNOUNCE_MAX; i++) {
		if (!ct->expect[i].session) {
			e = &ct->expect[i];
			break;
		}
		if (ct->expect[i].expires_us < e->expires_us)
			e = &ct->expect[i];
	}
	ftp_session_put(e->session);
	e->session = ftp_session_get(cf->ftp->session);
	e->family = control->key.family;
	e->port = a->port;
	/* the listener is the client in active mode, the server in passive mode */
	memcpy(e->addr[0],
	       a->family ? a->addr : (a->active ? control->client_addr : control->server_addr),
	       alen);
	memcpy(e->addr[1], a->active ? control->client_addr : control->server_addr, alen);
	e->upload_dir = a->active ? FLOW_DIR_TO_CLIENT : FLOW_DIR_TO_SERVER;
	e->expires_us = cf->now_us + FTP_ANNOUNCE_TTL_US;
}

/* The announcement a new flow answers: its server side is the announced listener. */
static struct ftp_expect *match_expect(struct cleartext *ct, const struct flow *flow,
				       uint64_t now_us)
{
	size_t alen = flow->key.family == AF_INET ? 4 : 16;

	for (size_t i = 0; i < FTP_ANNOUNCE_MAX; i++) {
		struct ftp_expect *e = &ct->expect[i];

		if (!e->session)
			continue;
		if (e->expires_us < now_us) {
			ftp_session_put(e->session);
			e->session = NULL;
			continue;
		}
		if (e->family == flow->key.family && e->port == flow->server_port &&
		    (!memcmp(e->addr[0], flow->server_addr, alen) ||
		     !memcmp(e->addr[1], flow->server_addr, alen)))
			return e;
	}
	return NULL;
}

struct cleartext_flow *cleartext_flow_new(struct cleartext *ct, const struct flow *flow,
					  uint64_t now_us)
{
	struct cleartext_flow *cf = calloc(1, sizeof(*cf));
	struct ftp_expect *e;

	if (!cf)
		return NULL;
	cf->ct = ct;
	cf->flow = flow;
	cf->sink.begin = sink_begin;
	cf->sink.name = sink_name;
	cf->sink.data = sink_data;
	cf->sink.end = sink_end;
	cf->sink.ctx = cf;
	e = match_expect(ct, flow, now_us);
	if (e) {
		cf->proto = CT_FTP_DATA;
		cf->data_session = e->session; /* the slot's reference moves to the flow */
		cf->upload_dir = e->upload_dir;
		e->session = NULL;
	}
	return cf;
}

/* Decides the protocol from the client's first bytes. */
static void decide(struct cleartext_flow *cf, const uint8_t *data, size_t len)
{
	uint16_t port = cf->flow->server_port;

	if (http_upload_is_request(data, len)) {
		cf->http = http_upload_new(&cf->sink, HTTP_MAX_RATIO);
		cf->proto = cf->http ? CT_HTTP : CT_NONE;
	} else if (smtp_upload_is_greeting(data, len) || port == 25 || port == 587) {
		cf->smtp = malloc(sizeof(*cf->smtp));
		if (cf->smtp)
			smtp_upload_init(cf->smtp, &cf->sink);
		cf->proto = cf->smtp ? CT_SMTP : CT_NONE;
	} else if (ftp_control_is_client_start(data, len) || port == 21) {
		cf->ftp = malloc(sizeof(*cf->ftp));
		if (cf->ftp && ftp_control_init(cf->ftp)) {
			free(cf->ftp);
			cf->ftp = NULL;
		}
		cf->proto = cf->ftp ? CT_FTP_CONTROL : CT_NONE;
	} else {
		cf->proto = CT_NONE;
	}
}

struct deliver_ctx {
	struct cleartext_flow *cf;
	enum flow_dir dir;
};

/* In-order bytes of one direction, to the flow's parser. Returns -EPROTO to stop. */
static int deliver(void *ctx, const uint8_t *data, size_t len, uint64_t gap)
{
	struct deliver_ctx *d = ctx;
	struct cleartext_flow *cf = d->cf;
	int err = 0;

	if (gap && cf->obj.open)
		cf->obj.gap = true;
	if (cf->proto == CT_UNDECIDED) {
		if (d->dir != FLOW_DIR_TO_SERVER)
			return 0; /* a banner: the client's answer says more */
		if (gap) {
			cf->proto = CT_NONE;
			return -EPROTO;
		}
		decide(cf, data, len);
	}
	switch (cf->proto) {
	case CT_HTTP:
		if (gap)
			http_upload_gap(cf->http);
		err = http_upload_feed(cf->http, data, len);
		break;
	case CT_SMTP:
		err = smtp_upload_feed(cf->smtp, data, len);
		break;
	case CT_FTP_CONTROL:
		err = ftp_control_feed(cf->ftp, d->dir == FLOW_DIR_TO_SERVER, data, len,
				       on_announce, cf);
		break;
	case CT_FTP_DATA:
		if (!cf->data_named) {
			/* STOR is sent before the first byte of the file flows */
			cf->data_named = true;
			cf->upload = cf->data_session->transfer == FTP_TRANSFER_UPLOAD;
			if (!cf->upload)
				return -EPROTO;
			sink_begin(cf, "ftp",
				   cf->data_session->file_name[0] ? cf->data_session->file_name :
								    NULL);
		}
		if (gap)
			cf->obj.gap = true;
		sink_data(cf, data, len);
		break;
	case CT_UNDECIDED:
	case CT_NONE:
		err = -EPROTO;
		break;
	}
	if (err == -EPROTO && cf->proto == CT_HTTP)
		cf->ct->stats.parse_errors += cf->http && !http_upload_host(cf->http) ? 1 : 0;
	return err;
}

/* Which directions the flow's parser reads. */
static bool wants(const struct cleartext_flow *cf, enum flow_dir dir)
{
	switch (cf->proto) {
	case CT_UNDECIDED:
		return dir == FLOW_DIR_TO_SERVER;
	case CT_HTTP:
	case CT_SMTP:
		return dir == FLOW_DIR_TO_SERVER;
	case CT_FTP_CONTROL:
		return true;
	case CT_FTP_DATA:
		return dir == cf->upload_dir;
	case CT_NONE:
		break;
	}
	return false;
}

bool cleartext_segment(struct cleartext *ct, struct cleartext_flow *cf, const struct flow *flow,
		       enum flow_dir dir, uint32_t seq, uint8_t tcp_flags, const uint8_t *payload,
		       size_t len, uint64_t now_us)
{
	struct deliver_ctx d = { .cf = cf, .dir = dir };
	int err;

	cf->flow = flow;
	cf->now_us = now_us;
	if (!wants(cf, dir)) {
		/* followed anyway, so that reading can start where the parser will need it */
		tcp_reasm_skip(&cf->reasm[dir], seq, (tcp_flags & TH_SYN) != 0, len);
		return cf->proto != CT_NONE;
	}
	err = tcp_reasm_segment(&cf->reasm[dir], &ct->budget, ct->config.max_flow_window, seq,
				(tcp_flags & TH_SYN) != 0, payload, len, deliver, &d, &ct->rstats);
	if (err == -EPROTO || cf->proto == CT_NONE) {
		if (cf->proto != CT_NONE && cf->proto != CT_FTP_DATA)
			ct->stats.parse_errors++;
		return false;
	}
	return true;
}

void cleartext_flow_end(struct cleartext *ct, struct cleartext_flow *cf, const struct flow *flow)
{
	if (!cf)
		return;
	cf->flow = flow;
	for (int dir = 0; dir < 2; dir++) {
		struct deliver_ctx d = { .cf = cf, .dir = (enum flow_dir)dir };

		if (cf->proto != CT_NONE && wants(cf, (enum flow_dir)dir))
			tcp_reasm_flush(&cf->reasm[dir], &ct->budget, deliver, &d, &ct->rstats);
		tcp_reasm_release(&cf->reasm[dir], &ct->budget);
	}
	if (cf->http)
		http_upload_free(cf->http);
	if (cf->smtp) {
		smtp_upload_finish(cf->smtp);
		explicit_bzero(cf->smtp, sizeof(*cf->smtp));
		free(cf->smtp);
	}
	if (cf->ftp) {
		ftp_control_release(cf->ftp);
		free(cf->ftp);
	}
	sink_end(cf);
	object_wipe(ct, &cf->obj);
	ftp_session_put(cf->data_session);
	free(cf);
}
