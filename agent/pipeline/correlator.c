// SPDX-License-Identifier: GPL-2.0-only
/*
 * File-to-upload correlation (see correlator.h for what it decides and why). Staged files live
 * in a small array (hundreds at most, scanned linearly); flows in a chained hash keyed by
 * (pid, socket); instances (byte sums of an app instance's eligible flows) in a small array.
 */
#include "correlator.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

/* Observations kept per flow and per instance: enough for the bursts of a few minutes. */
#define OBS_MAX	      32
#define INSTANCES_MAX 128
/* A closed flow is forgotten after this long (its last records may still be in flight). */
#define CLOSED_FLOW_LINGER_NS (60ull * 1000000000ull)

struct obs {
	uint64_t ts_ns;
	uint64_t bytes;
};

struct obs_ring {
	struct obs o[OBS_MAX];
	unsigned n; /* valid entries, at most OBS_MAX */
	unsigned next; /* where the next one goes */
};

struct cflow {
	struct cflow *hash_next;
	uint32_t pid;
	uint64_t start_ns;
	uint64_t sk;
	uint32_t inst_pid;
	uint64_t inst_start_ns;
	char app_id[RULES_ID_MAX]; /* of the sending process */
	struct corr_tuple tuple;
	bool eligible;
	char dest_app_id[RULES_ID_MAX]; /* the channel the destination belongs to, or "" */
	uint64_t bytes;
	uint64_t last_ns;
	bool closed;
	bool matched; /* an upload matched on this flow */
	struct obs_ring obs;
};

struct cinst {
	bool used;
	uint32_t pid;
	uint64_t start_ns;
	uint64_t bytes; /* sum of the bytes its eligible flows sent */
	uint64_t last_ns;
	struct obs_ring obs;
};

struct cstaged {
	struct staged_file f;
	bool matched;
	uint64_t expires_ns;
	uint64_t base_ns; /* uploads are counted from observations at or after this time */
};

struct correlator {
	const struct rules *rules;
	struct correlator_config cfg;
	struct cstaged **staged;
	size_t n_staged;
	struct cflow **buckets;
	size_t n_buckets; /* a power of two */
	size_t n_flows;
	struct cinst inst[INSTANCES_MAX];
	struct correlator_stats stats;
};

void correlator_config_default(struct correlator_config *c)
{
	memset(c, 0, sizeof(*c));
	c->window_ns = 300ull * 1000000000ull;
	c->exit_grace_ns = 2ull * 1000000000ull;
	c->slack_bytes = 2048;
	c->max_staged = 256;
	c->max_flows = 4096;
}

struct correlator *correlator_new(const struct rules *rules, const struct correlator_config *cfg)
{
	struct correlator *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->rules = rules;
	c->cfg = *cfg;
	if (!c->cfg.max_staged)
		c->cfg.max_staged = 1;
	if (!c->cfg.max_flows)
		c->cfg.max_flows = 1;
	c->n_buckets = 64;
	while (c->n_buckets < c->cfg.max_flows && c->n_buckets < (1u << 16))
		c->n_buckets <<= 1;
	c->staged = calloc(c->cfg.max_staged, sizeof(*c->staged));
	c->buckets = calloc(c->n_buckets, sizeof(*c->buckets));
	if (!c->staged || !c->buckets) {
		correlator_free(c);
		errno = ENOMEM;
		return NULL;
	}
	return c;
}

static void free_staged(struct cstaged *s)
{
	rules_verdict_release(&s->f.verdict);
	explicit_bzero(s, sizeof(*s));
	free(s);
}

void correlator_free(struct correlator *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->n_staged; i++)
		free_staged(c->staged[i]);
	for (size_t i = 0; c->buckets && i < c->n_buckets; i++) {
		struct cflow *f = c->buckets[i];

		while (f) {
			struct cflow *next = f->hash_next;

			free(f);
			f = next;
		}
	}
	free(c->buckets);
	free(c->staged);
	free(c);
}

void correlator_set_rules(struct correlator *c, const struct rules *rules)
{
	c->rules = rules;
}

static void obs_push(struct obs_ring *r, uint64_t ts_ns, uint64_t bytes)
{
	r->o[r->next] = (struct obs){ ts_ns, bytes };
	r->next = (r->next + 1) % OBS_MAX;
	if (r->n < OBS_MAX)
		r->n++;
}

static bool same_inst(uint32_t pid, uint64_t start, uint32_t pid2, uint64_t start2)
{
	return pid == pid2 && start == start2;
}

static struct cinst *find_inst(struct correlator *c, uint32_t pid, uint64_t start, bool create,
			       uint64_t now_ns)
{
	struct cinst *oldest = NULL;

	for (size_t i = 0; i < INSTANCES_MAX; i++) {
		struct cinst *in = &c->inst[i];

		if (in->used && same_inst(in->pid, in->start_ns, pid, start))
			return in;
		if (!oldest || !in->used || (oldest->used && in->last_ns < oldest->last_ns))
			oldest = in;
	}
	if (!create)
		return NULL;
	memset(oldest, 0, sizeof(*oldest));
	oldest->used = true;
	oldest->pid = pid;
	oldest->start_ns = start;
	oldest->last_ns = now_ns;
	return oldest;
}

static size_t bucket_of(const struct correlator *c, uint32_t pid, uint64_t sk)
{
	uint64_t h = (sk ^ ((uint64_t)pid << 32)) * 0x9e3779b97f4a7c15ull;

	return (size_t)(h >> 32) & (c->n_buckets - 1);
}

static struct cflow *find_flow(const struct correlator *c, uint32_t pid, uint64_t sk)
{
	for (struct cflow *f = c->buckets[bucket_of(c, pid, sk)]; f; f = f->hash_next)
		if (f->pid == pid && f->sk == sk)
			return f;
	return NULL;
}

static void unlink_flow(struct correlator *c, struct cflow *f)
{
	struct cflow **link = &c->buckets[bucket_of(c, f->pid, f->sk)];

	for (; *link; link = &(*link)->hash_next) {
		if (*link == f) {
			*link = f->hash_next;
			c->n_flows--;
			free(f);
			return;
		}
	}
}

/* The least recently updated flow goes when the table is full. */
static void evict_flow(struct correlator *c)
{
	struct cflow *oldest = NULL;

	for (size_t i = 0; i < c->n_buckets; i++)
		for (struct cflow *f = c->buckets[i]; f; f = f->hash_next)
			if (!oldest || f->last_ns < oldest->last_ns)
				oldest = f;
	if (oldest) {
		unlink_flow(c, oldest);
		c->stats.flows_evicted++;
	}
}

static bool is_local(const struct corr_tuple *t)
{
	const uint8_t *a = t->daddr;
	static const uint8_t zero[16];
	static const uint8_t v4mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

	if (t->family == AF_INET6 && memcmp(a, v4mapped, 12) == 0)
		a += 12; /* ::ffff:a.b.c.d is IPv4 */
	else if (t->family == AF_INET6)
		return memcmp(a, zero, 16) == 0 || (memcmp(a, zero, 15) == 0 && a[15] == 1) ||
		       (a[0] == 0xfe && (a[1] & 0xc0) == 0x80) || a[0] == 0xff;
	/* 0/8, 127/8 loopback, 169.254/16 link-local, 224/4 multicast and above */
	return a[0] == 0 || a[0] == 127 || (a[0] == 169 && a[1] == 254) || a[0] >= 224;
}

static const struct rules_app *app_by_id(const struct correlator *c, const char *id)
{
	return id[0] ? rules_app_by_id(c->rules, id) : NULL;
}

/* The channel a flow's destination belongs to, by IP range or by the name learnt for it. */
static const struct rules_app *dest_app(const struct correlator *c, const struct corr_tuple *t)
{
	const struct rules_app *app;
	const char *name;
	const uint8_t *addr = t->daddr;
	int family = t->family;
	static const uint8_t v4mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

	if (family == AF_INET6 && memcmp(addr, v4mapped, 12) == 0) {
		family = AF_INET;
		addr += 12;
	}
	app = rules_app_by_endpoint(c->rules, family, addr, t->dport);
	if (!app && c->cfg.name_of) {
		name = c->cfg.name_of(c->cfg.name_ctx, t);
		app = name ? rules_app_by_server_name(c->rules, name) : NULL;
	}
	return rules_app_is_channel(app) ? app : NULL;
}

static void update_eligibility(struct correlator *c, struct cflow *f)
{
	const struct rules_app *app = app_by_id(c, f->app_id), *dest;

	if (f->eligible || f->tuple.family == 0 || is_local(&f->tuple))
		return;
	dest = dest_app(c, &f->tuple);
	if (dest)
		snprintf(f->dest_app_id, sizeof(f->dest_app_id), "%s", dest->id);
	/* a browser's flows count only when they go to a channel's servers */
	f->eligible = !app || app->kind != RULES_APP_BROWSER || dest;
}

/* Upload parameters for a staged file of app, sent on a flow towards dest. */
struct match_params {
	const struct rules_app *dest; /* for the alert: the destination's app, if known */
	uint64_t expected, lo, hi;
	bool spans;
};

static bool params_for(const struct correlator *c, const struct cstaged *s, const struct cflow *f,
		       struct match_params *p)
{
	const struct rules_app *app = app_by_id(c, s->f.app_id);
	const struct rules_app *dest = app_by_id(c, f->dest_app_id), *model = app;
	double expected;

	if (!app)
		return false;
	if (app->kind == RULES_APP_BROWSER) {
		if (!dest)
			return false;
		model = dest; /* the web client encrypts and pads like the app */
	}
	p->dest = dest ? dest : app;
	p->spans = app->upload_spans_flows || model->upload_spans_flows;
	expected =
		(double)s->f.size * (1.0 + model->overhead_ratio) + (double)model->overhead_bytes;
	p->expected = (uint64_t)(expected + 0.5);
	p->lo = (uint64_t)(expected * (1.0 - model->tolerance_ratio) + 0.5);
	p->hi = (uint64_t)(expected * (1.0 + model->tolerance_ratio) + 0.5) + c->cfg.slack_bytes;
	return true;
}

struct candidate {
	struct cstaged *s;
	double err; /* relative distance to the expected size */
	uint64_t bytes;
	unsigned flows;
	struct match_params p;
};

/* Tries every start point of ring (at or after base) against now_bytes. */
static void try_ring(const struct obs_ring *r, uint64_t now_bytes, struct cstaged *s,
		     const struct match_params *p, unsigned flows, struct candidate *best)
{
	for (unsigned i = 0; i < r->n; i++) {
		const struct obs *o = &r->o[i];
		uint64_t d;
		double err;

		if (o->ts_ns < s->base_ns || o->bytes > now_bytes)
			continue;
		d = now_bytes - o->bytes;
		if (d < p->lo || d > p->hi)
			continue;
		err = (double)(d > p->expected ? d - p->expected : p->expected - d) /
		      (double)(p->expected ? p->expected : 1);
		if (!best->s || err < best->err)
			*best = (struct candidate){ s, err, d, flows, *p };
	}
}

static unsigned eligible_flows(const struct correlator *c, const struct cinst *in, uint64_t since)
{
	unsigned n = 0;

	for (size_t i = 0; i < c->n_buckets; i++)
		for (struct cflow *f = c->buckets[i]; f; f = f->hash_next)
			if (f->eligible &&
			    same_inst(f->inst_pid, f->inst_start_ns, in->pid, in->start_ns) &&
			    f->last_ns >= since)
				n++;
	return n;
}

static void emit_upload(struct correlator *c, const struct candidate *b, struct cflow *f,
			const struct corr_choice *choice, uint64_t now_ns)
{
	struct corr_upload up = {
		.tuple = f->tuple,
		.sender_pid = f->pid,
		.bytes = b->bytes,
		.expected = b->p.expected,
		.flows = b->flows,
		.delay_ns = now_ns > b->s->f.staged_ns ? now_ns - b->s->f.staged_ns : 0,
		.dest_app = b->p.dest,
		.choice = *choice,
	};

	if (c->cfg.name_of && f->tuple.family)
		up.server_name = c->cfg.name_of(c->cfg.name_ctx, &f->tuple);
	b->s->matched = true;
	f->matched = true;
	c->stats.uploads++;
	if (c->cfg.outcome)
		c->cfg.outcome(c->cfg.outcome_ctx, &b->s->f, &up);
}

static void evaluate(struct correlator *c, struct cflow *f, struct cinst *in, uint64_t now_ns)
{
	struct candidate best = { 0 }, second = { 0 };
	struct corr_choice choice = { .runner_up_size = -1 };
	struct match_params p;

	for (size_t i = 0; i < c->n_staged; i++) {
		struct cstaged *s = c->staged[i];
		struct candidate mine = { 0 };

		if (s->matched ||
		    !same_inst(s->f.inst_pid, s->f.inst_start_ns, f->inst_pid, f->inst_start_ns))
			continue;
		choice.candidates++;
		if (!params_for(c, s, f, &p))
			continue;
		try_ring(&f->obs, f->bytes, s, &p, 1, &mine);
		if (p.spans && in)
			try_ring(&in->obs, in->bytes, s, &p, eligible_flows(c, in, s->base_ns),
				 &mine);
		if (!mine.s)
			continue;
		choice.in_range++;
		/* the closest wins; between equals, the file opened last (what was just picked) */
		if (!best.s || mine.err < best.err ||
		    (mine.err == best.err && mine.s->f.staged_ns > best.s->f.staged_ns)) {
			second = best;
			best = mine;
		} else if (!second.s || mine.err < second.err) {
			second = mine;
		}
	}
	if (!best.s)
		return;
	choice.error = best.err;
	if (second.s) {
		choice.runner_up_size = second.s->f.size;
		choice.runner_up_error = second.err;
	}
	emit_upload(c, &best, f, &choice, now_ns);
	/* those bytes are spent: other files of the instance need bytes sent from now on */
	for (size_t i = 0; i < c->n_staged; i++) {
		struct cstaged *s = c->staged[i];

		if (!s->matched &&
		    same_inst(s->f.inst_pid, s->f.inst_start_ns, f->inst_pid, f->inst_start_ns))
			s->base_ns = now_ns;
	}
}

static struct cflow *new_flow(struct correlator *c, const struct corr_flow_update *u)
{
	struct cflow *f;
	size_t b;

	if (c->n_flows >= c->cfg.max_flows)
		evict_flow(c);
	f = calloc(1, sizeof(*f));
	if (!f)
		return NULL;
	f->pid = u->pid;
	f->start_ns = u->start_ns;
	f->sk = u->sk;
	b = bucket_of(c, u->pid, u->sk);
	f->hash_next = c->buckets[b];
	c->buckets[b] = f;
	c->n_flows++;
	return f;
}

/* (Re)starts a flow's history: a new socket, or a new one at a freed socket's address. */
static void reset_flow(struct correlator *c, struct cflow *f, const struct corr_flow_update *u)
{
	f->inst_pid = u->inst_pid;
	f->inst_start_ns = u->inst_start_ns;
	snprintf(f->app_id, sizeof(f->app_id), "%s", u->app ? u->app->id : "");
	memset(&f->tuple, 0, sizeof(f->tuple));
	f->eligible = false;
	f->dest_app_id[0] = '\0';
	f->bytes = 0;
	f->closed = false;
	f->matched = false;
	memset(&f->obs, 0, sizeof(f->obs));
	/* the socket had sent nothing before its first send */
	obs_push(&f->obs, u->first_ns ? u->first_ns : u->ts_ns, 0);
}

void correlator_flow(struct correlator *c, const struct corr_flow_update *u)
{
	struct cflow *f = find_flow(c, u->pid, u->sk);
	struct cinst *in = NULL;
	uint64_t delta;

	if (!f) {
		f = new_flow(c, u);
		if (!f)
			return;
		reset_flow(c, f, u);
	} else if (u->bytes < f->bytes) {
		reset_flow(c, f, u); /* a new socket at a freed one's address */
	}
	f->last_ns = u->ts_ns > f->last_ns ? u->ts_ns : f->last_ns;
	if (u->tuple.family && !f->tuple.family)
		f->tuple = u->tuple;
	update_eligibility(c, f);
	if (u->closed)
		f->closed = true;
	if (u->bytes == f->bytes)
		return;
	delta = u->bytes - f->bytes;
	f->bytes = u->bytes;
	obs_push(&f->obs, u->ts_ns, f->bytes);
	if (f->eligible) {
		in = find_inst(c, f->inst_pid, f->inst_start_ns, false, u->ts_ns);
		if (!in) {
			in = find_inst(c, f->inst_pid, f->inst_start_ns, true, u->ts_ns);
			obs_push(&in->obs, f->obs.o[0].ts_ns,
				 0); /* nothing sent before its first flow */
		}
		in->bytes += delta;
		in->last_ns = u->ts_ns;
		obs_push(&in->obs, u->ts_ns, in->bytes);
		evaluate(c, f, in, u->ts_ns);
	}
}

bool correlator_flow_tuple(const struct correlator *c, uint32_t pid, uint64_t sk,
			   struct corr_tuple *tuple)
{
	const struct cflow *f = find_flow(c, pid, sk);

	if (!f || !f->tuple.family)
		return false;
	*tuple = f->tuple;
	return true;
}

bool correlator_flow_matched(const struct correlator *c, uint32_t pid, uint64_t sk)
{
	const struct cflow *f = find_flow(c, pid, sk);

	return f && f->matched;
}

static void remove_staged(struct correlator *c, size_t i)
{
	free_staged(c->staged[i]);
	c->staged[i] = c->staged[--c->n_staged];
	c->staged[c->n_staged] = NULL;
}

/* Decides staged file i as "read only" (if it had no upload) and removes it. */
static void decide(struct correlator *c, size_t i)
{
	struct cstaged *s = c->staged[i];

	if (!s->matched) {
		c->stats.read_only++;
		if (c->cfg.outcome)
			c->cfg.outcome(c->cfg.outcome_ctx, &s->f, NULL);
	}
	remove_staged(c, i);
}

static bool same_version(const struct staged_file *a, const struct staged_file *b)
{
	return same_inst(a->inst_pid, a->inst_start_ns, b->inst_pid, b->inst_start_ns) &&
	       a->dev == b->dev && a->ino == b->ino && a->size == b->size &&
	       a->mtime_ns == b->mtime_ns;
}

int correlator_stage(struct correlator *c, struct staged_file *file)
{
	struct cstaged *s;
	struct cinst *in;
	size_t oldest = 0;

	for (size_t i = 0; i < c->n_staged; i++) {
		s = c->staged[i];
		if (!same_version(&s->f, file))
			continue;
		/* read again to be sent: the window runs from the latest open */
		if (!s->matched && file->staged_ns + c->cfg.window_ns > s->expires_ns)
			s->expires_ns = file->staged_ns + c->cfg.window_ns;
		c->stats.restaged++;
		return -EEXIST;
	}
	if (c->n_staged == c->cfg.max_staged) {
		for (size_t i = 1; i < c->n_staged; i++)
			if (c->staged[i]->f.staged_ns < c->staged[oldest]->f.staged_ns)
				oldest = i;
		c->stats.evicted++;
		decide(c, oldest);
	}
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->f = *file;
	s->expires_ns = file->staged_ns + c->cfg.window_ns;
	s->base_ns = file->staged_ns;
	c->staged[c->n_staged++] = s;
	c->stats.staged++;
	/* the bytes each flow of the instance had sent when the file was opened */
	for (size_t i = 0; i < c->n_buckets; i++)
		for (struct cflow *f = c->buckets[i]; f; f = f->hash_next)
			if (same_inst(f->inst_pid, f->inst_start_ns, file->inst_pid,
				      file->inst_start_ns))
				obs_push(&f->obs, file->staged_ns, f->bytes);
	in = find_inst(c, file->inst_pid, file->inst_start_ns, true, file->staged_ns);
	obs_push(&in->obs, file->staged_ns, in->bytes);
	return 0;
}

void correlator_note_read(struct correlator *c, uint32_t inst_pid, uint64_t inst_start_ns,
			  dev_t dev, ino_t ino, uint64_t bytes_read)
{
	for (size_t i = 0; i < c->n_staged; i++) {
		struct staged_file *f = &c->staged[i]->f;

		if (same_inst(f->inst_pid, f->inst_start_ns, inst_pid, inst_start_ns) &&
		    f->dev == dev && f->ino == ino)
			f->bytes_read += bytes_read;
	}
}

void correlator_instance_exit(struct correlator *c, uint32_t inst_pid, uint64_t inst_start_ns,
			      uint64_t now_ns)
{
	for (size_t i = 0; i < c->n_staged; i++) {
		struct cstaged *s = c->staged[i];

		if (same_inst(s->f.inst_pid, s->f.inst_start_ns, inst_pid, inst_start_ns) &&
		    s->expires_ns > now_ns + c->cfg.exit_grace_ns)
			s->expires_ns = now_ns + c->cfg.exit_grace_ns;
	}
}

void correlator_tick(struct correlator *c, uint64_t now_ns)
{
	for (size_t i = 0; i < c->n_staged;) {
		if (c->staged[i]->expires_ns <= now_ns)
			decide(c, i);
		else
			i++;
	}
	for (size_t i = 0; i < c->n_buckets; i++) {
		struct cflow *f = c->buckets[i];

		while (f) {
			struct cflow *next = f->hash_next;

			if ((f->closed && f->last_ns + CLOSED_FLOW_LINGER_NS <= now_ns) ||
			    f->last_ns + 2 * c->cfg.window_ns <= now_ns)
				unlink_flow(c, f);
			f = next;
		}
	}
	for (size_t i = 0; i < INSTANCES_MAX; i++)
		if (c->inst[i].used && c->inst[i].last_ns + 2 * c->cfg.window_ns <= now_ns)
			c->inst[i].used = false;
}

void correlator_flush(struct correlator *c)
{
	while (c->n_staged)
		decide(c, c->n_staged - 1);
}

void correlator_get_stats(const struct correlator *c, struct correlator_stats *stats)
{
	*stats = c->stats;
	stats->pending = 0;
	for (size_t i = 0; i < c->n_staged; i++)
		if (!c->staged[i]->matched)
			stats->pending++;
	stats->flows = c->n_flows;
}

bool correlator_check(const struct correlator *c)
{
	size_t n = 0;

	if (c->n_staged > c->cfg.max_staged || c->n_flows > c->cfg.max_flows)
		return false;
	for (size_t i = 0; i < c->n_staged; i++)
		if (!c->staged[i])
			return false;
	for (size_t i = 0; i < c->n_buckets; i++)
		for (struct cflow *f = c->buckets[i]; f; f = f->hash_next) {
			if (bucket_of(c, f->pid, f->sk) != i || f->obs.n > OBS_MAX)
				return false;
			n++;
		}
	return n == c->n_flows;
}
