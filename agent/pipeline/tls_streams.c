// SPDX-License-Identifier: GPL-2.0-only
/*
 * TLS plaintext streams (see tls_streams.h): a small array of streams, each with its own rules
 * scan context. Streams are few (one per live TLS connection of a watched process) and short
 * lived, so linear search is enough.
 */
#include "tls_streams.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct stream {
	bool used;
	struct tls_stream_info info;
	struct rules_scan *scan;
};

struct tls_streams {
	const struct rules *rules;
	struct tls_streams_config cfg;
	struct stream *streams;
	struct tls_streams_stats stats;
};

struct tls_streams *tls_streams_new(const struct rules *rules, const struct tls_streams_config *cfg)
{
	struct tls_streams *ts = calloc(1, sizeof(*ts));

	if (!ts)
		return NULL;
	ts->rules = rules;
	ts->cfg = *cfg;
	if (!ts->cfg.max_streams)
		ts->cfg.max_streams = 1;
	ts->streams = calloc(ts->cfg.max_streams, sizeof(*ts->streams));
	if (!ts->streams) {
		free(ts);
		errno = ENOMEM;
		return NULL;
	}
	return ts;
}

static void drop(struct tls_streams *ts, struct stream *s)
{
	(void)ts;
	rules_scan_free(s->scan); /* wipes what it buffered */
	memset(s, 0, sizeof(*s));
}

void tls_streams_free(struct tls_streams *ts)
{
	if (!ts)
		return;
	for (size_t i = 0; i < ts->cfg.max_streams; i++)
		if (ts->streams[i].used)
			drop(ts, &ts->streams[i]);
	free(ts->streams);
	free(ts);
}

/* Ends a stream: its verdict goes to the callback. */
static void end(struct tls_streams *ts, struct stream *s)
{
	struct rules_verdict v;

	if (rules_scan_finish(s->scan, &v) == 0) {
		if (ts->cfg.on_end)
			ts->cfg.on_end(ts->cfg.ctx, &s->info, &v);
		else
			rules_verdict_release(&v);
	} else {
		ts->stats.scan_failed++;
	}
	drop(ts, s);
}

static struct stream *find(struct tls_streams *ts, uint32_t pid, uint64_t start_ns, uint64_t conn)
{
	for (size_t i = 0; i < ts->cfg.max_streams; i++) {
		struct stream *s = &ts->streams[i];

		if (s->used && s->info.pid == pid && s->info.start_ns == start_ns &&
		    s->info.conn == conn)
			return s;
	}
	return NULL;
}

static struct stream *create(struct tls_streams *ts, const struct raqib_event_tls_data *ev)
{
	struct stream *s = NULL;

	for (size_t i = 0; i < ts->cfg.max_streams && !s; i++)
		if (!ts->streams[i].used)
			s = &ts->streams[i];
	if (!s) {
		s = &ts->streams[0];
		for (size_t i = 1; i < ts->cfg.max_streams; i++)
			if (ts->streams[i].info.last_ns < s->info.last_ns)
				s = &ts->streams[i];
		ts->stats.evicted++;
		end(ts, s);
	}
	s->scan = rules_scan_new(ts->rules);
	if (!s->scan)
		return NULL;
	s->used = true;
	s->info.pid = ev->hdr.pid;
	s->info.start_ns = ev->hdr.proc_start_ns;
	s->info.uid = ev->hdr.uid;
	memcpy(s->info.comm, ev->hdr.comm, sizeof(s->info.comm));
	s->info.conn = ev->conn;
	s->info.lib = ev->lib;
	s->info.first_ns = ev->hdr.ts_ns;
	ts->stats.streams++;
	return s;
}

void tls_streams_data(struct tls_streams *ts, const struct raqib_event_tls_data *ev)
{
	struct stream *s = find(ts, ev->hdr.pid, ev->hdr.proc_start_ns, ev->conn);
	struct tls_stream_info keep;

	ts->stats.records++;
	if (s && s->info.bytes + ev->len > ts->cfg.max_bytes) {
		keep = s->info; /* a long stream is decided in parts; the binding carries over */
		end(ts, s);
		s = create(ts, ev);
		if (s && keep.bound) {
			s->info.bound = true;
			s->info.sk = keep.sk;
			s->info.family = keep.family;
			s->info.sport = keep.sport;
			s->info.dport = keep.dport;
			memcpy(s->info.saddr, keep.saddr, sizeof(keep.saddr));
			memcpy(s->info.daddr, keep.daddr, sizeof(keep.daddr));
		}
	} else if (!s) {
		s = create(ts, ev);
	}
	if (!s) {
		ts->stats.scan_failed++;
		return;
	}
	if (rules_scan_feed(s->scan, ev->data, ev->len))
		ts->stats.scan_failed++;
	s->info.bytes += ev->len;
	s->info.last_ns = ev->hdr.ts_ns;
	ts->stats.bytes += ev->len;
}

void tls_streams_bind(struct tls_streams *ts, const struct raqib_event_tls_bind *ev)
{
	struct stream *s = find(ts, ev->hdr.pid, ev->hdr.proc_start_ns, ev->conn);

	if (!s)
		return;
	s->info.bound = true;
	s->info.sk = ev->sk;
	s->info.family = ev->family;
	s->info.sport = ev->sport;
	s->info.dport = ev->dport;
	memcpy(s->info.saddr, ev->saddr, sizeof(ev->saddr));
	memcpy(s->info.daddr, ev->daddr, sizeof(ev->daddr));
}

void tls_streams_socket_closed(struct tls_streams *ts, uint32_t pid, uint64_t sk)
{
	for (size_t i = 0; i < ts->cfg.max_streams; i++) {
		struct stream *s = &ts->streams[i];

		if (s->used && s->info.bound && s->info.pid == pid && s->info.sk == sk)
			end(ts, s);
	}
}

void tls_streams_process_exit(struct tls_streams *ts, uint32_t pid)
{
	for (size_t i = 0; i < ts->cfg.max_streams; i++)
		if (ts->streams[i].used && ts->streams[i].info.pid == pid)
			end(ts, &ts->streams[i]);
}

void tls_streams_tick(struct tls_streams *ts, uint64_t now_ns)
{
	for (size_t i = 0; i < ts->cfg.max_streams; i++) {
		struct stream *s = &ts->streams[i];

		if (s->used && s->info.last_ns + ts->cfg.idle_ns <= now_ns)
			end(ts, s);
	}
}

void tls_streams_flush(struct tls_streams *ts)
{
	for (size_t i = 0; i < ts->cfg.max_streams; i++)
		if (ts->streams[i].used)
			end(ts, &ts->streams[i]);
}

int tls_streams_set_rules(struct tls_streams *ts, const struct rules *rules)
{
	tls_streams_flush(ts);
	ts->rules = rules;
	return 0;
}

void tls_streams_get_stats(const struct tls_streams *ts, struct tls_streams_stats *stats)
{
	*stats = ts->stats;
	stats->active = 0;
	for (size_t i = 0; i < ts->cfg.max_streams; i++)
		if (ts->streams[i].used)
			stats->active++;
}
