// SPDX-License-Identifier: GPL-2.0-only
/*
 * The collector's loop (see collector.h): which streams to read (the registry's agents, those
 * with rate left), what to do with each entry (signature first, then the document), and the
 * housekeeping between rounds (taking over a dead collector's entries, trimming what every
 * group acknowledged, capping a flood, counting agents).
 */
#include "collector.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>

#include "agent_view.h"
#include "doc_codec.h"
#include "ingest.h"
#include "keystore.h"
#include "notify.h"
#include "raqib/keys.h"
#include "raqib/log.h"
#include "raqib/redis_cluster.h"
#include "raqib/schema.h"

#define REGISTRY_MS	 10000
#define HOUSEKEEPING_MS	 10000
#define STREAMS_PER_READ 256
#define IDLE_SLEEP_MS	 50
#define LOG_INTERVAL_MS	 10000
#define BATCH_ALERTS_MAX 1024

enum {
	LOG_RATE,
	LOG_FLOOD,
	LOG_REFUSED,
	LOG_STORE,
	LOG_COUNT
};

/* An alert read and verified, waiting for the batch to be stored: everything owned. */
struct pending_alert {
	struct store_alert a;
	char *json; /* as stored (doc_codec.h) */
	size_t json_len;
	char *plain; /* the JSON, for notifications and dead letters */
	char *stream, *entry_id, *agent, *epoch, *site, *host, *user, *app, *document, *rule;
	char group[33];
	char fingerprint[65];
	bool no_incident;
	char values[STORE_MAX_VALUES][RAQIB_MAC_HEX_BYTES];
	bool shadow;
};

struct round {
	struct collector *c;
	struct agent_state *const *agents; /* of the streams of this read */
	struct pending_alert *batch;
	size_t n_batch;
	int err; /* a store failure: stop the round, reconnect */
};

const char *dead_reason_code(enum dead_reason r)
{
	static const char *const codes[DEAD_REASON_COUNT] = {
		"malformed", "oversized",      "foreign-agent", "no-key",
		"signature", "deployment-key", "conflict",
	};

	return r < DEAD_REASON_COUNT ? codes[r] : "unknown";
}

static uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

int64_t collector_now_ms(const struct collector *c)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000 + c->clock_offset_ms;
}

static bool log_is_due(struct collector *c, int which)
{
	uint64_t now = mono_ms();

	if (c->log_ms[which] && now - c->log_ms[which] < LOG_INTERVAL_MS)
		return false;
	c->log_ms[which] = now;
	return true;
}

static void count(struct collector *c, uint64_t *counter, uint64_t n)
{
	pthread_mutex_lock(&c->lock);
	*counter += n;
	pthread_mutex_unlock(&c->lock);
}

static void count_rule(struct collector *c, const char *rule, bool shadow)
{
	struct collector_metrics *m = &c->m;

	pthread_mutex_lock(&c->lock);
	for (size_t i = 0; i < m->n_rules; i++)
		if (m->rules[i].shadow == shadow && strcmp(m->rules[i].rule, rule) == 0) {
			m->rules[i].count++;
			goto out;
		}
	/* rule ids come from signed alerts; a thousand distinct ones is a bound, not a need */
	if (m->n_rules == m->cap_rules && m->n_rules < 1000) {
		size_t cap = m->cap_rules ? 2 * m->cap_rules : 32;
		struct rule_count *r = reallocarray(m->rules, cap, sizeof(*r));

		if (r) {
			m->rules = r;
			m->cap_rules = cap;
		}
	}
	if (m->n_rules < m->cap_rules) {
		snprintf(m->rules[m->n_rules].rule, sizeof(m->rules[0].rule), "%s", rule);
		m->rules[m->n_rules].shadow = shadow;
		m->rules[m->n_rules++].count = 1;
	}
out:
	pthread_mutex_unlock(&c->lock);
}

int collector_connect(struct collector *c, bool first)
{
	char err[512];

	store_free(c->store);
	c->store = store_connect(&c->redis, 3000, err, sizeof(err));
	if (!c->store) {
		if (first)
			log_error("collector", "%s", err);
		return -EIO;
	}
	for (size_t i = 0; i < c->n_agents; i++)
		c->agents[i].group_ready = false;
	return 0;
}

/* Reconnects with exponential backoff until it works or a stop is requested. */
static int reconnect(struct collector *c)
{
	int delay_ms = 250;

	count(c, &c->m.redis_errors, 1);
	log_warn("collector", "lost redis at %s:%d (%s); reconnecting", c->redis.host,
		 c->redis.port, c->store ? store_error(c->store) : "not connected");
	while (!*c->stop) {
		struct timespec ts = { .tv_sec = delay_ms / 1000,
				       .tv_nsec = (long)(delay_ms % 1000) * 1000000 };

		nanosleep(&ts, NULL);
		if (collector_connect(c, false) == 0) {
			log_info("collector", "reconnected to redis at %s:%d", c->redis.host,
				 c->redis.port);
			return 0;
		}
		delay_ms = delay_ms * 2 > 10000 ? 10000 : delay_ms * 2;
	}
	return -EINTR;
}

static int compare_agents(const void *a, const void *b)
{
	const struct agent_state *x = a, *y = b;
	int r = strcmp(x->site, y->site);

	return r ? r : strcmp(x->id, y->id);
}

static int compare_ids(const void *a, const void *b)
{
	return strcmp(((const struct agent_state *)a)->id, ((const struct agent_state *)b)->id);
}

/* An agent by id (bsearch over a copy sorted by id, made by the caller), or NULL. */
static struct agent_state *find_by_id(struct agent_state *by_id, size_t n, const char *id)
{
	struct agent_state key;

	snprintf(key.id, sizeof(key.id), "%s", id);
	return n ? bsearch(&key, by_id, n, sizeof(*by_id), compare_ids) : NULL;
}

static struct agent_state *find_agent(struct collector *c, const char *id)
{
	for (size_t i = 0; i < c->n_agents; i++)
		if (strcmp(c->agents[i].id, id) == 0)
			return &c->agents[i];
	return NULL;
}

/* The registry as read: agents in the order Redis gives them. */
struct registry {
	struct agent_state *list;
	size_t n, cap;
};

static int add_registered(void *ctx, const char *id, const char *site)
{
	struct registry *reg = ctx;
	struct agent_state *a;

	if (reg->n == reg->cap) {
		size_t cap = reg->cap ? 2 * reg->cap : 64;
		struct agent_state *more = reallocarray(reg->list, cap, sizeof(*more));

		if (!more)
			return -ENOMEM;
		reg->list = more;
		reg->cap = cap;
	}
	a = &reg->list[reg->n];
	memset(a, 0, sizeof(*a));
	snprintf(a->id, sizeof(a->id), "%s", id);
	snprintf(a->site, sizeof(a->site), "%s", site);
	if (raqib_key_stream(a->site, a->id, a->stream, sizeof(a->stream)))
		return 0;
	reg->n++;
	return 0;
}

/*
 * Reads the registry again: agents known keep their state (rate, counters), new ones get their
 * group, agents removed are no longer read. Sorted by site then id, so that a read takes one
 * site's streams (one slot) at a time. O(n log n) for tens of thousands of agents.
 */
static int refresh_registry(struct collector *c)
{
	struct registry reg = { 0 };
	int n = store_registry(c->store, add_registered, &reg);
	uint64_t now = mono_ms();

	if (n < 0) {
		free(reg.list);
		return -EIO;
	}
	pthread_mutex_lock(&c->lock);
	if (c->n_agents)
		qsort(c->agents, c->n_agents, sizeof(*c->agents), compare_ids);
	for (size_t i = 0; i < reg.n; i++) {
		struct agent_state *old = find_by_id(c->agents, c->n_agents, reg.list[i].id);
		struct agent_state *a = &reg.list[i];

		if (old && strcmp(old->site, a->site) == 0) {
			*a = *old; /* same stream: its state goes on */
			continue;
		}
		a->tokens = c->cfg.burst_per_agent;
		a->refill_ms = now;
	}
	free(c->agents);
	c->agents = reg.list;
	c->n_agents = reg.n;
	c->cap_agents = reg.cap;
	if (c->n_agents)
		qsort(c->agents, c->n_agents, sizeof(*c->agents), compare_agents);
	c->m.agents_enrolled = (unsigned)c->n_agents;
	pthread_mutex_unlock(&c->lock);
	for (size_t i = 0; i < c->n_agents; i++) {
		if (c->agents[i].group_ready)
			continue;
		if (store_ensure_group(c->store, c->agents[i].stream))
			return -EIO;
		c->agents[i].group_ready = true;
	}
	c->registry_ms = mono_ms();
	return 0;
}

static void pending_release(struct pending_alert *p)
{
	free(p->json);
	free(p->plain);
	free(p->stream);
	free(p->entry_id);
	free(p->agent);
	free(p->epoch);
	free(p->site);
	free(p->host);
	free(p->user);
	free(p->app);
	free(p->document);
	free(p->rule);
	memset(p, 0, sizeof(*p));
}

static void dead_letter(struct round *r, struct agent_state *a, const char *id,
			const struct stream_field *fields, size_t n, enum dead_reason why,
			const char *reason)
{
	struct collector *c = r->c;

	count(c, &c->m.dead[why], 1);
	/* one line per interval, not one per entry: a hostile agent must not fill the log */
	if (log_is_due(c, LOG_REFUSED))
		log_warn(
			"collector",
			"refused entry %s of agent '%s' (%s): %s; further refusals are counted in /metrics, logged at most every %d s",
			id, a->id, dead_reason_code(why), reason, LOG_INTERVAL_MS / 1000);
	if (store_dead_letter(c->store, &c->policy, a->site, a->stream, id, fields, n,
			      why != DEAD_OVERSIZED, dead_reason_code(why), reason,
			      collector_now_ms(c)))
		r->err = -EIO;
}

/* A string of the alert at a path of two keys, bounded, or "". */
static const char *doc_string(json_t *doc, const char *a, const char *b, size_t max)
{
	const char *v = json_string_value(json_object_get(json_object_get(doc, a), b));

	return v && strlen(v) <= max ? v : "";
}

/* The first 32 hex digits of SHA-256(text). */
static void short_hash(const char *text, char out[33])
{
	unsigned char md[32];
	unsigned len = 0;

	EVP_Digest(text, strlen(text), md, &len, EVP_sha256(), NULL);
	for (int i = 0; i < 16; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
}

static bool is_hex64(const char *s)
{
	return strlen(s) == 64 && strspn(s, "0123456789abcdef") == 64;
}

/*
 * Re-keys every finding's hash with the collector key (the stored document never holds a hash
 * a workstation's deployment key can test values against) and keeps the stored hashes.
 */
static int rekey_findings(struct collector *c, json_t *doc, struct pending_alert *p)
{
	const struct raqib_key *key = keystore_collector_key(c->keys);
	json_t *findings = json_object_get(json_object_get(doc, "raqib"), "findings"), *f;
	size_t i;

	json_array_foreach(findings, i, f) {
		const char *hash = json_string_value(json_object_get(f, "hash"));
		const char *type = json_string_value(json_object_get(f, "type"));
		char stored[RAQIB_MAC_HEX_BYTES];
		bool dup = false;

		if (!hash || !type || !key)
			continue;
		if (raqib_store_hash(key, type, hash, stored) ||
		    json_object_set_new(f, "hash", json_string(stored)))
			return -ENOMEM;
		for (size_t k = 0; k < p->a.n_values; k++)
			dup = dup || strcmp(p->values[k], stored) == 0;
		if (!dup && p->a.n_values < STORE_MAX_VALUES) {
			memcpy(p->values[p->a.n_values], stored, sizeof(stored));
			p->a.values[p->a.n_values] = p->values[p->a.n_values];
			p->a.n_values++;
		}
	}
	return 0;
}

/* Fills a pending alert from a verified, validated entry. */
static int prepare(struct collector *c, struct agent_state *ag, const char *id,
		   struct ingest_entry *e, struct pending_alert *p)
{
	json_t *doc = e->alert;
	const char *uid = doc_string(doc, "user", "id", 64);
	const char *sha = doc_string(doc, "file", "hash", 0);
	const char *kind = doc_string(doc, "event", "kind", 32);
	json_t *sev = json_object_get(json_object_get(doc, "event"), "severity");
	char user[160], group_text[512];
	const char *file_sha, *fp;

	memset(p, 0, sizeof(*p));
	(void)sha;
	file_sha = json_string_value(
		json_object_get(json_object_get(json_object_get(doc, "file"), "hash"), "sha256"));
	if (!file_sha || !is_hex64(file_sha))
		file_sha = "";
	if (rekey_findings(c, doc, p))
		return -ENOMEM;
	/* a registered document recognised: its sightings are indexed together */
	fp = json_string_value(json_object_get(
		json_object_get(json_object_get(doc, "raqib"), "document"), "fingerprint"));
	if (!fp || store_fingerprint_key(fp, p->fingerprint))
		p->fingerprint[0] = '\0';
	snprintf(user, sizeof(user), "%s%s%s", uid[0] ? ag->id : "", uid[0] ? "/" : "", uid);
	/* same host, user and document (else file name, else rule): one incident */
	snprintf(group_text, sizeof(group_text), "%s|%s|%s%s", ag->id, uid,
		 file_sha[0]				 ? "sha256:" :
		 doc_string(doc, "file", "name", 255)[0] ? "name:" :
							   "rule:",
		 file_sha[0]				 ? file_sha :
		 doc_string(doc, "file", "name", 255)[0] ? doc_string(doc, "file", "name", 255) :
							   doc_string(doc, "rule", "id", 128));
	short_hash(group_text, p->group);
	p->plain = json_dumps(doc, JSON_COMPACT | JSON_REAL_PRECISION(6));
	if (p->plain && doc_pack(c->packer, p->plain, strlen(p->plain), &p->json, &p->json_len))
		p->json = NULL;
	p->stream = strdup(ag->stream);
	p->entry_id = strdup(id);
	p->agent = strdup(ag->id);
	p->epoch = strdup(e->epoch);
	p->site = strdup(ag->site);
	p->host = strdup(ag->id);
	p->user = strdup(user);
	p->app = strdup(doc_string(doc, "raqib", "app", 64));
	p->document = strdup(file_sha);
	p->rule = strdup(doc_string(doc, "rule", "id", 95));
	p->shadow = strcmp(kind, "shadow") == 0;
	/* shadow rules' events and allowed events are kept, never triaged: no incident */
	p->no_incident = strcmp(kind, "alert") != 0;
	if (p->no_incident)
		p->group[0] = '\0';
	if (!p->json || !p->plain || !p->stream || !p->entry_id || !p->agent || !p->epoch ||
	    !p->site || !p->host || !p->user || !p->app || !p->document || !p->rule) {
		pending_release(p);
		return -ENOMEM;
	}
	p->a = (struct store_alert){
		.site = p->site,
		.stream = p->stream,
		.entry_id = p->entry_id,
		.agent_id = p->agent,
		.epoch = p->epoch,
		.sequence = e->sequence,
		.json = p->json,
		.json_len = p->json_len,
		.rx_ms = collector_now_ms(c),
		.host = p->host,
		.user = p->user,
		.app = p->app,
		.document = p->document,
		.severity = json_is_integer(sev) ? (int)json_integer_value(sev) : 0,
		.fingerprint = p->fingerprint,
		.group = p->group,
		.rule = p->rule,
		.no_incident = p->no_incident,
		.values = { NULL },
		.n_values = p->a.n_values,
	};
	for (size_t k = 0; k < p->a.n_values; k++)
		p->a.values[k] = p->values[k];
	if (p->a.severity < 0 || p->a.severity > 100)
		p->a.severity = 0;
	return 0;
}

/* Stores the batch; on failure nothing is acknowledged and the entries will be read again. */
static int flush_batch(struct round *r)
{
	struct collector *c = r->c;
	struct store_alert *alerts = calloc(r->n_batch + 1, sizeof(*alerts));
	struct store_outcome *out = calloc(r->n_batch + 1, sizeof(*out));
	int rc = -ENOMEM;

	if (!r->n_batch) {
		rc = 0;
		goto out;
	}
	if (!alerts || !out)
		goto out;
	for (size_t i = 0; i < r->n_batch; i++)
		alerts[i] = r->batch[i].a;
	rc = store_save_alerts(c->store, &c->policy, alerts, r->n_batch, out);
	if (rc)
		goto out;
	for (size_t i = 0; i < r->n_batch; i++) {
		struct pending_alert *p = &r->batch[i];

		if (out[i].result == STORE_CONFLICT) {
			struct agent_state *ag = find_agent(c, p->agent);
			struct stream_field f[] = {
				{ "agent", 5, p->agent, strlen(p->agent) },
				{ "epoch", 5, p->epoch, strlen(p->epoch) },
				{ "alert", 5, p->plain, strlen(p->plain) },
			};
			char reason[256];

			snprintf(
				reason, sizeof(reason),
				"sequence %" PRIu64
				" of agent '%s' (epoch %s) already holds another alert: the agent reused a number",
				p->a.sequence, p->agent, p->epoch);
			c->m.conflicts++;
			if (ag)
				dead_letter(r, ag, p->entry_id, f, 3, DEAD_CONFLICT, reason);
			continue;
		}
		pthread_mutex_lock(&c->lock);
		c->m.duplicates += out[i].result == STORE_DUPLICATE;
		c->m.gaps += out[i].result == STORE_GAP;
		c->m.stored += out[i].result == STORE_NEW || out[i].result == STORE_GAP;
		c->m.incidents_opened += out[i].incident_new;
		c->m.spread_incidents += out[i].spread_incidents;
		pthread_mutex_unlock(&c->lock);
		if (out[i].result == STORE_DUPLICATE)
			continue;
		count_rule(c, p->rule, p->shadow);
		if (out[i].result == STORE_GAP)
			log_debug("collector",
				  "agent '%s': sequence numbers %" PRIu64 "..%" PRIu64 " missing",
				  p->agent, out[i].gap_from, out[i].gap_to);
		if (c->notifier && !p->no_incident)
			notifier_alert(c->notifier, p->plain, p->a.severity, out[i].incident,
				       out[i].incident_new);
	}
out:
	for (size_t i = 0; i < r->n_batch; i++)
		pending_release(&r->batch[i]);
	r->n_batch = 0;
	free(out);
	free(alerts);
	return rc;
}

static int on_entry(void *ctx, size_t index, const char *id, const struct stream_field *fields,
		    size_t n)
{
	struct round *r = ctx;
	struct collector *c = r->c;
	struct agent_state *ag = r->agents[index];
	struct ingest_head head;
	struct ingest_entry entry;
	char reason[512];
	int rc;

	if (r->err)
		return r->err;
	count(c, &c->m.entries_read, 1);
	ag->entries++;
	ag->tokens -= 1;
	rc = ingest_head(fields, n, ag->id, &head, reason, sizeof(reason));
	if (rc) {
		dead_letter(r, ag, id, fields, n,
			    rc == -E2BIG			     ? DEAD_OVERSIZED :
			    strstr(reason, "in the stream of agent") ? DEAD_FOREIGN :
								       DEAD_MALFORMED,
			    reason);
		return r->err;
	}
	/* the signature before anything in the entry is parsed */
	rc = keystore_verify(c->keys, &head, reason, sizeof(reason));
	if (rc == -ENOMEM)
		return rc;
	if (rc) {
		dead_letter(r, ag, id, fields, n, rc == -EBADMSG ? DEAD_SIGNATURE : DEAD_NO_KEY,
			    reason);
		return r->err;
	}
	if (head.kind == INGEST_HEARTBEAT) {
		struct store_hb_outcome out;
		json_t *hb = ingest_heartbeat(&head, reason, sizeof(reason));

		if (!hb) {
			dead_letter(r, ag, id, fields, n, DEAD_MALFORMED, reason);
			return r->err;
		}
		if (store_save_heartbeat(c->store, ag->site, ag->stream, id, ag->id, hb,
					 collector_now_ms(c), &out))
			r->err = -EIO;
		json_decref(hb);
		pthread_mutex_lock(&c->lock);
		c->m.heartbeats++;
		c->m.coverage_gaps += out.gaps;
		pthread_mutex_unlock(&c->lock);
		return r->err;
	}
	if (ingest_alert(&head, &entry, reason, sizeof(reason))) {
		dead_letter(r, ag, id, fields, n, DEAD_MALFORMED, reason);
		return r->err;
	}
	if (keystore_check_value_key(c->keys, &entry, reason, sizeof(reason))) {
		ingest_entry_release(&entry);
		dead_letter(r, ag, id, fields, n, DEAD_DEPLOYMENT_KEY, reason);
		return r->err;
	}
	rc = prepare(c, ag, id, &entry, &r->batch[r->n_batch]);
	ingest_entry_release(&entry);
	if (rc)
		return rc;
	r->n_batch++;
	if (r->n_batch == BATCH_ALERTS_MAX && flush_batch(r))
		r->err = -EIO;
	return r->err;
}

static void refill(struct collector *c, struct agent_state *a, uint64_t now)
{
	double add = (double)(now - a->refill_ms) * c->cfg.rate_per_agent / 1000.0;

	a->tokens = a->tokens + add > c->cfg.burst_per_agent ? c->cfg.burst_per_agent :
							       a->tokens + add;
	a->refill_ms = now;
}

/*
 * One round over every stream: for each site, the streams of its agents that have rate left,
 * up to STREAMS_PER_READ per XREADGROUP (one slot: a site's streams share its tag). Returns
 * the entries read, or a negative errno.
 */
static int read_round(struct collector *c, struct round *r, bool pending)
{
	const char *streams[STREAMS_PER_READ];
	struct agent_state *agents[STREAMS_PER_READ];
	uint64_t now = mono_ms();
	size_t i = 0;
	int total = 0;

	r->agents = agents;
	while (i < c->n_agents && !r->err) {
		size_t n = 0, j = i;

		/* one site, up to STREAMS_PER_READ streams */
		for (; j < c->n_agents && n < STREAMS_PER_READ &&
		       strcmp(c->agents[j].site, c->agents[i].site) == 0;
		     j++) {
			struct agent_state *a = &c->agents[j];

			refill(c, a, now);
			if (!pending && a->tokens < 1) {
				a->rate_limited++;
				count(c, &c->m.rate_limited, 1);
				if (log_is_due(c, LOG_RATE))
					log_warn(
						"collector",
						"agent '%s' is over its rate of %u entries/s: its entries wait in its stream",
						a->id, c->cfg.rate_per_agent);
				continue;
			}
			if (!a->group_ready)
				continue;
			streams[n] = a->stream;
			agents[n++] = a;
		}
		i = j;
		if (n) {
			uint64_t before[STREAMS_PER_READ];
			int rc;

			for (size_t k = 0; k < n; k++)
				before[k] = agents[k]->entries;
			rc = store_read(c->store, streams, n, c->consumer, pending, c->cfg.batch, 0,
					on_entry, r);
			/* a stream that gave less than asked is read to its end: no lag now */
			pthread_mutex_lock(&c->lock);
			for (size_t k = 0; rc >= 0 && !pending && k < n; k++)
				if (agents[k]->entries - before[k] < c->cfg.batch)
					agents[k]->lag = 0;
			pthread_mutex_unlock(&c->lock);

			if (rc == -ENOENT) {
				/* a stream (and its group) was deleted: made again next round */
				for (size_t k = 0; k < n; k++)
					agents[k]->group_ready = false;
				continue;
			}
			if (rc < 0) {
				r->agents = NULL;
				return rc;
			}
			total += rc;
		}
		if (flush_batch(r))
			return -EIO;
	}
	r->agents = NULL;
	return r->err ? r->err : total;
}

/* The next up to STREAMS_PER_READ streams whose group exists, from *i on. Returns how many. */
static size_t next_streams(struct collector *c, size_t *i, const char **streams,
			   struct agent_state **agents)
{
	size_t n = 0;

	for (; *i < c->n_agents && n < STREAMS_PER_READ; (*i)++) {
		if (!c->agents[*i].group_ready)
			continue;
		streams[n] = c->agents[*i].stream;
		agents[n++] = &c->agents[*i];
	}
	return n;
}

/*
 * Entries another collector was given and never acknowledged (it died): taken over, a site's
 * streams at a time, pipelined.
 */
static int claim_round(struct collector *c, struct round *r)
{
	const char *streams[STREAMS_PER_READ];
	struct agent_state *agents[STREAMS_PER_READ];
	int total = 0;

	r->agents = agents;
	for (size_t i = 0; i < c->n_agents && !r->err;) {
		size_t n = next_streams(c, &i, streams, agents);
		int rc;

		if (!n)
			break;
		rc = store_claim_streams(c->store, streams, n, c->consumer, c->cfg.claim_idle_ms,
					 c->cfg.batch, on_entry, r);
		if (rc >= 0 && flush_batch(r))
			rc = -EIO;
		if (rc < 0) {
			r->agents = NULL;
			return rc;
		}
		total += rc;
	}
	r->agents = NULL;
	c->claim_ms = mono_ms();
	return total;
}

/* Counts the agents up, degraded and silent, from the heartbeats kept (one pipeline). */
static int count_agents(struct collector *c)
{
	struct raqib_redis_cmd *cmds = calloc(c->n_agents + 1, sizeof(*cmds));
	redisReply **replies = calloc(c->n_agents + 1, sizeof(*replies));
	char(*keys)[RAQIB_KEY_MAX + 80] = calloc(c->n_agents + 1, sizeof(*keys));
	const char **argv = calloc(2 * c->n_agents + 1, sizeof(*argv));
	struct stream_field *f = calloc(512, sizeof(*f));
	unsigned up = 0, degraded = 0, silent = 0;
	int rc = -ENOMEM;

	if (!cmds || !replies || !keys || !argv || !f)
		goto out;
	for (size_t i = 0; i < c->n_agents; i++) {
		if (raqib_key_site(c->agents[i].site, keys[i], sizeof(keys[i])))
			continue;
		strncat(keys[i], "agent:", sizeof(keys[i]) - strlen(keys[i]) - 1);
		strncat(keys[i], c->agents[i].id, sizeof(keys[i]) - strlen(keys[i]) - 1);
		argv[2 * i] = "HGETALL";
		argv[2 * i + 1] = keys[i];
		cmds[i] =
			(struct raqib_redis_cmd){ .key = keys[i], .argc = 2, .argv = &argv[2 * i] };
	}
	rc = c->n_agents ? raqib_redis_pipeline(store_redis(c->store), c->n_agents, cmds, replies) :
			   0;
	for (size_t i = 0; !rc && i < c->n_agents; i++) {
		const redisReply *r = replies[i];
		const char *status;
		size_t n = 0;

		for (size_t k = 0; r->type == REDIS_REPLY_ARRAY && k + 1 < r->elements && n < 512;
		     k += 2)
			f[n++] = (struct stream_field){ r->element[k]->str, r->element[k]->len,
							r->element[k + 1]->str,
							r->element[k + 1]->len };
		status = agent_view_status(f, n, collector_now_ms(c));
		up += strcmp(status, "ok") == 0;
		degraded += strcmp(status, "degraded") == 0;
		silent += strcmp(status, "silent") == 0;
	}
	for (size_t i = 0; i < c->n_agents; i++)
		freeReplyObject(replies[i]);
	if (!rc) {
		pthread_mutex_lock(&c->lock);
		c->m.agents_up = up;
		c->m.agents_degraded = degraded;
		c->m.agents_silent = silent;
		pthread_mutex_unlock(&c->lock);
	}
out:
	free(f);
	free(argv);
	free(keys);
	free(replies);
	free(cmds);
	return rc;
}

/*
 * Trims what every group acknowledged and measures the lag (pipelined, STREAMS_PER_READ
 * streams at a time); caps a flooding agent's backlog; counts the agents by status.
 */
static int housekeeping(struct collector *c)
{
	const char *streams[STREAMS_PER_READ];
	struct agent_state *agents[STREAMS_PER_READ];
	long long lag[STREAMS_PER_READ];
	unsigned long long trimmed = 0;

	for (size_t i = 0; i < c->n_agents;) {
		size_t n = next_streams(c, &i, streams, agents);

		if (!n)
			break;
		if (store_trim_streams(c->store, streams, n, lag, &trimmed))
			return -EIO;
		pthread_mutex_lock(&c->lock);
		for (size_t k = 0; k < n; k++)
			agents[k]->lag = lag[k];
		pthread_mutex_unlock(&c->lock);
		for (size_t k = 0; k < n; k++) {
			struct agent_state *a = agents[k];
			long long dropped;

			if (lag[k] <= 0 || (uint64_t)lag[k] <= c->cfg.backlog_max)
				continue;
			dropped = store_cap_stream(c->store, a->stream, c->cfg.backlog_max);
			if (dropped > 0) {
				a->flood_dropped += (uint64_t)dropped;
				count(c, &c->m.flood_dropped, (uint64_t)dropped);
				if (log_is_due(c, LOG_FLOOD))
					log_warn(
						"collector",
						"agent '%s' floods its stream: %lld entries dropped past ingest.backlog_max %" PRIu64,
						a->id, dropped, c->cfg.backlog_max);
			}
		}
	}
	count(c, &c->m.trimmed, trimmed);
	c->housekeeping_ms = mono_ms();
	return count_agents(c) == -EIO ? -EIO : 0;
}

static int run_once(struct collector *c, struct round *r, bool *pending)
{
	uint64_t now = mono_ms();
	int n;

	if (!c->registry_ms || now - c->registry_ms >= REGISTRY_MS)
		if (refresh_registry(c))
			return -EIO;
	if (c->claim_ms == 0 || now - c->claim_ms >= (uint64_t)c->cfg.claim_idle_ms / 2) {
		n = claim_round(c, r);
		if (n < 0)
			return n;
	}
	n = read_round(c, r, *pending);
	if (n < 0)
		return n;
	if (*pending && n == 0)
		*pending = false;
	if (!c->housekeeping_ms || now - c->housekeeping_ms >= HOUSEKEEPING_MS)
		if (housekeeping(c))
			return -EIO;
	return n;
}

int collector_run(struct collector *c)
{
	struct round r = { .c = c };
	bool pending = true; /* first what this consumer was given but never acknowledged */

	r.batch = calloc(BATCH_ALERTS_MAX, sizeof(*r.batch));
	c->packer = doc_packer_new();
	if (!r.batch || !c->packer) {
		free(r.batch);
		doc_packer_free(c->packer);
		c->packer = NULL;
		return -ENOMEM;
	}
	while (!*c->stop) {
		bool was_pending = pending;
		int n;

		r.err = 0;
		n = run_once(c, &r, &pending);
		if (n == -ENOMEM) {
			log_error("collector", "out of memory");
			break;
		}
		if (n < 0) {
			for (size_t i = 0; i < r.n_batch; i++)
				pending_release(&r.batch[i]);
			r.n_batch = 0;
			if (reconnect(c))
				break;
			pending = true;
			c->registry_ms = 0;
			continue;
		}
		if (n == 0 && !was_pending) {
			struct timespec ts = { .tv_sec = 0, .tv_nsec = IDLE_SLEEP_MS * 1000000L };

			if (c->drain) {
				/* what was stored is trimmed before leaving */
				housekeeping(c);
				break;
			}
			nanosleep(&ts, NULL);
		}
	}
	free(r.batch);
	doc_packer_free(c->packer);
	c->packer = NULL;
	return 0;
}
