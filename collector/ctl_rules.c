// SPDX-License-Identifier: GPL-2.0-only
/*
 * raqibctl rules: versions of the administrator's rule packs in Redis, for every agent to
 * follow (include/raqib/rules_dist.h; the agent's side is agent/rules_follow.c).
 *
 *   keygen                  the rules signing key pair (the private half stays here)
 *   push PACKDIR            validate and compile the packs on the built-in ones, sign, store
 *                           as a new version (optionally for some sites or hosts), announce
 *   list                    versions, newest first, and which agents run or refused each
 *   show VERSION            the packs of a version
 *   diff A B|DIR            what changed between two versions, or a version and a directory
 *   rollback [VERSION]      push an earlier version again, as a new version
 *   counts                  the per-rule counters of the agents' heartbeats, summed
 *
 * Versions are numbered once and never rewritten: a rollback is a new version, so agents only
 * ever move forward and the history says who changed what.
 */
#include "ctl_rules.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <pwd.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <hiredis/hiredis.h>
#include <jansson.h>

#include "raqib/keys.h"
#include "raqib/log.h"
#include "raqib/rules.h"
#include "raqib/rules_dist.h"
#include "raqib/schema.h"
#include "store.h"
#include "store_query.h"

#define EXIT_ERR	 1
#define EXIT_USAGE	 2
#define REDIS_TIMEOUT_MS 3000
#define MAX_TARGETS	 64
#define LIST_MAX	 100

extern char **environ;

const char ctl_rules_usage[] =
	"Rules (administrators; docs/rules.md, \"Pushing rules\"):\n"
	"  rules keygen         make the rules signing key pair in the keys directory:\n"
	"                       rules-signing.key (keep it here) and rules-signing.pub (copy\n"
	"                       it to every agent's keys directory)\n"
	"  rules push PACKDIR   check the packs of PACKDIR on top of the built-in packs, sign\n"
	"                       them and store them as a new version that agents load\n"
	"      --site NAME      only for the agents of this site (repeatable)\n"
	"      --host ID        only for this agent id or host name (repeatable)\n"
	"      --comment TEXT   why (shown by rules list)\n"
	"      --key FILE       the private key (default: KEYS/rules-signing.key)\n"
	"  rules list           versions, newest first, and the agents running or refusing each\n"
	"  rules show VERSION   the packs of a version\n"
	"  rules diff A B       what changed from version A to version B (B may be a directory\n"
	"                       of packs: what a push of it would change)\n"
	"  rules rollback [V]   push version V (default: the one before the newest) again as a\n"
	"                       new version (same targets; --comment, --key)\n"
	"  rules counts         what each rule did, summed over the agents' heartbeats: alerts\n"
	"                       of live policies, events allowed by exceptions, and what rules\n"
	"                       in shadow mode would have done (since each agent started)\n";

struct rules_opts {
	char *sites[MAX_TARGETS], *hosts[MAX_TARGETS];
	size_t n_sites, n_hosts;
	const char *comment, *key_path;
	bool json; /* --json after the command */
};

static redisContext *connect_admin(const struct ctl_globals *g)
{
	char err[512];
	/* NOLINTNEXTLINE(concurrency-mt-unsafe): raqibctl has one thread */
	redisContext *c = raqib_redis_connect_as(&g->redis, getenv(RAQIB_REDIS_USER_ENV),
						 getenv(RAQIB_REDIS_PASSWORD_ENV), // NOLINT
						 REDIS_TIMEOUT_MS, err, sizeof(err));

	if (!c)
		log_error("ctl", "%s", err);
	return c;
}

/* A reply that is a failure (NULL or an error) is logged; true when it is one. */
static bool failed(redisContext *c, redisReply *r, const char *what)
{
	if (!r) {
		log_error("ctl", "cannot %s: redis connection lost: %s", what, c->errstr);
		return true;
	}
	if (r->type == REDIS_REPLY_ERROR) {
		log_error("ctl", "cannot %s: redis: %s", what, r->str);
		return true;
	}
	return false;
}

static int parse_version(const char *text, uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (text[0] == 'v')
		text++;
	errno = 0;
	v = strtoull(text, &end, 10);
	if (errno || end == text || *end || v == 0) {
		log_error("ctl", "invalid version '%s': expected a number (3, or v3)", text);
		return -EINVAL;
	}
	*out = v;
	return 0;
}

/* Fetches version n: its JSON and signature (the caller frees both), decoded into b. */
static int fetch(redisContext *c, uint64_t n, struct raqib_rules_bundle *b, char **json,
		 size_t *len)
{
	redisReply *r = redisCommand(c, "HGET %s%" PRIu64 " %s", RAQIB_KEY_RULES_VERSION_PREFIX, n,
				     RAQIB_FIELD_RULES_BUNDLE);
	char err[256];
	int rc;

	if (failed(c, r, "read a version")) {
		freeReplyObject(r);
		return -EIO;
	}
	if (r->type != REDIS_REPLY_STRING) {
		log_error("ctl", "no rules version %" PRIu64 " in redis", n);
		freeReplyObject(r);
		return -ENOENT;
	}
	rc = raqib_rules_bundle_decode(r->str, r->len, b, err, sizeof(err));
	if (rc)
		log_error("ctl", "version %" PRIu64 ": %s", n, err);
	if (!rc && json) {
		*json = malloc(r->len + 1);
		if (*json) {
			memcpy(*json, r->str, r->len + 1);
			*len = r->len;
		} else {
			rc = -ENOMEM;
		}
	}
	freeReplyObject(r);
	return rc;
}

/* The version numbers, newest first (at most LIST_MAX). */
static int versions(redisContext *c, uint64_t *out, size_t *n)
{
	redisReply *r =
		redisCommand(c, "ZREVRANGE %s 0 %d", RAQIB_KEY_RULES_VERSIONS, LIST_MAX - 1);

	*n = 0;
	if (failed(c, r, "list the versions")) {
		freeReplyObject(r);
		return -EIO;
	}
	for (size_t i = 0; r->type == REDIS_REPLY_ARRAY && i < r->elements; i++)
		if (r->element[i]->type == REDIS_REPLY_STRING)
			out[(*n)++] = strtoull(r->element[i]->str, NULL, 10);
	freeReplyObject(r);
	return 0;
}

/* The packs of dir (*.yml, *.yaml) into the bundle; 0 or -errno (logged). */
static int read_packs(const char *dir, struct raqib_rules_bundle *b)
{
	struct rules_packs *p = rules_packs_new();
	struct rules_error rerr;
	int rc = p ? rules_packs_add_path(p, dir, &rerr) : -ENOMEM;
	size_t n;

	if (rc) {
		log_error("ctl", "%s: %s", rerr.file[0] ? rerr.file : dir,
			  rc == -ENOMEM ? "out of memory" : rerr.text);
		rules_packs_free(p);
		return rc;
	}
	n = rules_packs_count(p);
	b->packs = calloc(n, sizeof(*b->packs));
	for (size_t i = 0; b->packs && i < n; i++) {
		const char *name, *text, *slash;
		size_t len;

		rules_packs_at(p, i, &name, &text, &len);
		slash = strrchr(name, '/');
		b->packs[i].name = strdup(slash ? slash + 1 : name);
		b->packs[i].text = malloc(len + 1);
		b->n_packs = i + 1;
		if (!b->packs[i].name || !b->packs[i].text) {
			rc = -ENOMEM;
			break;
		}
		memcpy(b->packs[i].text, text, len + 1);
		b->packs[i].len = len;
	}
	if (!b->packs)
		rc = -ENOMEM;
	rules_packs_free(p);
	if (rc)
		log_error("ctl", "out of memory");
	return rc;
}

/*
 * The bundle's packs on the built-in packs, compiled as an agent will: a version agents would
 * refuse is never pushed. Prints the effective rules' hash.
 */
static int check_packs(const struct raqib_rules_bundle *b, char hash[65])
{
	struct rules_packs *p = rules_packs_new();
	struct rules_error rerr = { 0 };
	struct rules *rules = NULL;
	int rc = p ? 0 : -ENOMEM;

	if (!rc)
		rc = rules_packs_add_builtin(p);
	if (!rc)
		rc = rules_packs_layer(p, "pushed");
	for (size_t i = 0; !rc && i < b->n_packs; i++)
		rc = rules_packs_add_text(p, b->packs[i].name, b->packs[i].text, b->packs[i].len);
	if (!rc) {
		rules = rules_build(p, &rerr);
		rc = rules ? 0 : -EINVAL;
	}
	if (rc && rerr.line)
		log_error("ctl", "refused: %s:%u:%u: %s", rerr.file, rerr.line, rerr.column,
			  rerr.text);
	else if (rc)
		log_error("ctl", "refused: %s%s%s", rerr.file, rerr.file[0] ? ": " : "",
			  rerr.text[0] ? rerr.text : strerror(-rc));
	if (rules)
		snprintf(hash, 65, "%s", rules_hash(rules));
	rules_free(rules);
	rules_packs_free(p);
	return rc;
}

static const char *key_path(const struct ctl_globals *g, const struct rules_opts *o, char *buf,
			    size_t len)
{
	if (o->key_path)
		return o->key_path;
	snprintf(buf, len, "%s/%s", raqib_keys_dir(g->keys_dir), RAQIB_RULES_SIGNING_KEY_FILE);
	return buf;
}

static void author_of(char *out, size_t len)
{
	/* NOLINTNEXTLINE(concurrency-mt-unsafe): one thread */
	const char *who = getenv("SUDO_USER") ?: getenv("USER") ?: getenv("LOGNAME");
	struct passwd pw, *found = NULL;
	char host[128] = "", buf[1024];

	if (!who && getpwuid_r(getuid(), &pw, buf, sizeof(buf), &found) == 0 && found)
		who = pw.pw_name;
	gethostname(host, sizeof(host) - 1);
	snprintf(out, len, "%s@%s", who ? who : "?", host[0] ? host : "?");
}

/* Numbers, signs, stores and announces the bundle (its version is set here). */
static int publish(redisContext *c, const struct ctl_globals *g, const struct rules_opts *o,
		   struct raqib_rules_bundle *b, const char *hash)
{
	char path[4096], err[512], sig[RAQIB_RULES_SIG_HEX_BYTES], key_id[RAQIB_RULES_KEY_ID_BYTES];
	struct raqib_rules_key *key = NULL;
	redisReply *r;
	char *json = NULL;
	time_t now = time(NULL);
	struct tm tm;
	int rc;

	rc = raqib_rules_key_load_private(key_path(g, o, path, sizeof(path)), &key, err,
					  sizeof(err));
	if (rc) {
		log_error("ctl", "%s (raqibctl rules keygen makes one)", err);
		return rc;
	}
	raqib_rules_key_id(key, key_id);
	r = redisCommand(c, "INCR %s", RAQIB_KEY_RULES_NEXT);
	if (failed(c, r, "number the version") || r->type != REDIS_REPLY_INTEGER) {
		freeReplyObject(r);
		raqib_rules_key_free(key);
		return -EIO;
	}
	b->version = (uint64_t)r->integer;
	freeReplyObject(r);
	gmtime_r(&now, &tm);
	strftime(b->created, sizeof(b->created), "%Y-%m-%dT%H:%M:%SZ", &tm);
	json = raqib_rules_bundle_encode(b);
	rc = json ? raqib_rules_sign(key, json, strlen(json), sig) : -ENOMEM;
	raqib_rules_key_free(key);
	if (rc) {
		log_error("ctl", "cannot sign the version: %s", strerror(-rc));
		free(json);
		return rc;
	}
	/* the version and its place in the list together, then the announcement */
	r = redisCommand(c, "MULTI");
	freeReplyObject(r);
	r = redisCommand(c, "HSET %s%" PRIu64 " %s %s %s %s %s %s rules_hash %s",
			 RAQIB_KEY_RULES_VERSION_PREFIX, b->version, RAQIB_FIELD_RULES_BUNDLE, json,
			 RAQIB_FIELD_RULES_SIG, sig, RAQIB_FIELD_RULES_KEY_ID, key_id, hash);
	freeReplyObject(r);
	r = redisCommand(c, "ZADD %s %" PRIu64 " %" PRIu64, RAQIB_KEY_RULES_VERSIONS, b->version,
			 b->version);
	freeReplyObject(r);
	r = redisCommand(c, "EXEC");
	free(json);
	if (failed(c, r, "store the version") || r->type != REDIS_REPLY_ARRAY) {
		freeReplyObject(r);
		return -EIO;
	}
	freeReplyObject(r);
	r = redisCommand(c, "PUBLISH %s %" PRIu64, RAQIB_CHANNEL_RULES, b->version);
	if (failed(c, r, "announce the version"))
		log_warn("ctl", "agents learn of version %" PRIu64 " at their next poll",
			 b->version);
	freeReplyObject(r);
	printf("rules version %" PRIu64
	       " pushed: %zu pack%s, rules %.12s, signed by key %s, for %s\n",
	       b->version, b->n_packs, b->n_packs == 1 ? "" : "s", hash, key_id,
	       b->n_sites || b->n_hosts ? "the targets given" : "every agent");
	return 0;
}

static int push(redisContext *c, const struct ctl_globals *g, struct rules_opts *o, const char *dir)
{
	struct raqib_rules_bundle b = { 0 };
	char hash[65] = "";
	int rc = read_packs(dir, &b);

	if (!rc)
		rc = check_packs(&b, hash);
	if (!rc) {
		b.sites = o->sites;
		b.n_sites = o->n_sites;
		b.hosts = o->hosts;
		b.n_hosts = o->n_hosts;
		author_of(b.author, sizeof(b.author));
		snprintf(b.comment, sizeof(b.comment), "%s", o->comment ? o->comment : "");
		rc = publish(c, g, o, &b, hash);
		b.sites = b.hosts = NULL; /* the options' */
		b.n_sites = b.n_hosts = 0;
	}
	raqib_rules_bundle_release(&b);
	return rc ? EXIT_ERR : 0;
}

static int rollback(redisContext *c, const struct ctl_globals *g, struct rules_opts *o,
		    const char *which)
{
	struct raqib_rules_bundle b;
	uint64_t list[LIST_MAX], v = 0;
	char hash[65] = "", comment[256];
	size_t n;
	int rc;

	if (which && parse_version(which, &v))
		return EXIT_USAGE;
	if (!which) {
		if (versions(c, list, &n))
			return EXIT_ERR;
		if (n < 2) {
			log_error("ctl", "no earlier version to roll back to");
			return EXIT_ERR;
		}
		v = list[1];
	}
	if (fetch(c, v, &b, NULL, NULL))
		return EXIT_ERR;
	rc = check_packs(&b, hash);
	if (!rc) {
		snprintf(comment, sizeof(comment), "rollback to version %" PRIu64 "%s%s", v,
			 o->comment ? ": " : "", o->comment ? o->comment : "");
		snprintf(b.comment, sizeof(b.comment), "%s", comment);
		author_of(b.author, sizeof(b.author));
		rc = publish(c, g, o, &b, hash);
	}
	raqib_rules_bundle_release(&b);
	return rc ? EXIT_ERR : 0;
}

/* Agents by the version they run and the version they refused, from their heartbeats. */
struct agent_versions {
	char (*ids)[72];
	uint64_t *running, *refused;
	size_t n, cap;
};

static const char *field(const struct stream_field *f, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(f[i].name, name))
			return f[i].value;
	return NULL;
}

static int note_agent(void *ctx, const char *id, const struct stream_field *hb, size_t n_hb,
		      const struct stream_field *seq, size_t n_seq)
{
	struct agent_versions *a = ctx;
	const char *running = field(hb, n_hb, RAQIB_HB_RULES_VERSION);
	const char *refused = field(hb, n_hb, RAQIB_HB_RULES_REFUSED);

	(void)seq;
	(void)n_seq;
	if (a->n == a->cap) {
		size_t cap = a->cap ? a->cap * 2 : 64;
		void *p1 = reallocarray(a->ids, cap, sizeof(*a->ids));

		if (!p1)
			return -ENOMEM;
		a->ids = p1;
		p1 = reallocarray(a->running, cap, sizeof(*a->running));
		if (!p1)
			return -ENOMEM;
		a->running = p1;
		p1 = reallocarray(a->refused, cap, sizeof(*a->refused));
		if (!p1)
			return -ENOMEM;
		a->refused = p1;
		a->cap = cap;
	}
	snprintf(a->ids[a->n], sizeof(a->ids[a->n]), "%s", id);
	a->running[a->n] = running ? strtoull(running, NULL, 10) : 0;
	a->refused[a->n] = refused ? strtoull(refused, NULL, 10) : 0;
	a->n++;
	return 0;
}

/* "ws-1 ws-2" of the agents whose column equals v (at most a few names, then a count). */
static void names(const struct agent_versions *a, const uint64_t *col, uint64_t v, char *out,
		  size_t len)
{
	size_t o = 0, shown = 0, count = 0;

	out[0] = '\0';
	for (size_t i = 0; i < a->n; i++) {
		if (col[i] != v)
			continue;
		count++;
		if (shown < 3 && o < len) {
			o += (size_t)snprintf(out + o, len - o, "%s%s", shown ? " " : "",
					      a->ids[i]);
			shown++;
		}
	}
	if (count > shown && o < len)
		snprintf(out + o, len - o, " +%zu", count - shown);
	if (!count)
		snprintf(out, len, "-");
}

static json_t *targets_json(const struct raqib_rules_bundle *b)
{
	json_t *sites = json_array(), *hosts = json_array();

	for (size_t i = 0; sites && i < b->n_sites; i++)
		json_array_append_new(sites, json_string(b->sites[i]));
	for (size_t i = 0; hosts && i < b->n_hosts; i++)
		json_array_append_new(hosts, json_string(b->hosts[i]));
	return json_pack("{s:o?, s:o?}", "sites", sites, "hosts", hosts);
}

static void print_version(const struct ctl_globals *g, const struct raqib_rules_bundle *b,
			  const struct agent_versions *a)
{
	char running[160], refused[160], targets[160] = "";
	size_t o = 0;

	names(a, a->running, b->version, running, sizeof(running));
	names(a, a->refused, b->version, refused, sizeof(refused));
	if (g->json) {
		json_t *doc = json_pack("{s:I, s:s, s:s, s:s, s:o, s:i, s:s, s:s}", "version",
					(json_int_t)b->version, "created", b->created, "author",
					b->author, "comment", b->comment, "targets",
					targets_json(b), "packs", (int)b->n_packs, "running",
					running, "refused", refused);

		if (doc)
			json_dumpf(doc, stdout, JSON_COMPACT | JSON_SORT_KEYS);
		fputc('\n', stdout);
		json_decref(doc);
		return;
	}
	for (size_t i = 0; i < b->n_sites && o < sizeof(targets); i++)
		o += (size_t)snprintf(targets + o, sizeof(targets) - o, "%ssite:%s", o ? "," : "",
				      b->sites[i]);
	for (size_t i = 0; i < b->n_hosts && o < sizeof(targets); i++)
		o += (size_t)snprintf(targets + o, sizeof(targets) - o, "%s%s", o ? "," : "",
				      b->hosts[i]);
	printf("%-7" PRIu64 " %-20s %-22.22s %-16.16s %-5zu %-24s %-16s %s\n", b->version,
	       b->created, b->author, o ? targets : "all", b->n_packs, running, refused,
	       b->comment);
}

static int list(redisContext *c, const struct ctl_globals *g)
{
	struct agent_versions a = { 0 };
	uint64_t v[LIST_MAX];
	struct store *store;
	char err[512];
	size_t n;
	int rc = EXIT_ERR;

	store = store_connect(&g->redis, REDIS_TIMEOUT_MS, err, sizeof(err));
	if (!store) {
		log_error("ctl", "%s", err);
		return EXIT_ERR;
	}
	if (store_list_agents(store, note_agent, &a) < 0) {
		log_error("ctl", "cannot list the agents: %s", store_error(store));
		goto out;
	}
	if (versions(c, v, &n))
		goto out;
	if (!n && !g->json)
		printf("no rules version pushed (raqibctl rules push PACKDIR)\n");
	if (n && !g->json)
		printf("%-7s %-20s %-22s %-16s %-5s %-24s %-16s %s\n", "VERSION", "CREATED",
		       "AUTHOR", "TARGETS", "PACKS", "RUNNING", "REFUSED", "COMMENT");
	for (size_t i = 0; i < n; i++) {
		struct raqib_rules_bundle b;

		if (fetch(c, v[i], &b, NULL, NULL))
			continue;
		print_version(g, &b, &a);
		raqib_rules_bundle_release(&b);
	}
	rc = 0;
out:
	free(a.ids);
	free(a.running);
	free(a.refused);
	store_free(store);
	return rc;
}

/* rules counts: the per-rule counters of every agent's heartbeat, summed. */
struct counter {
	char name[112]; /* "shadow.pii.plate" */
	uint64_t total;
	unsigned agents;
};

struct counters {
	struct counter *c;
	size_t n, cap;
};

static int add_counters(void *ctx, const char *id, const struct stream_field *hb, size_t n_hb,
			const struct stream_field *seq, size_t n_seq)
{
	struct counters *all = ctx;

	(void)id;
	(void)seq;
	(void)n_seq;
	for (size_t i = 0; i < n_hb; i++) {
		const char *name = hb[i].name;
		size_t k;

		if (strncmp(name, "rules.", 6) ||
		    (strncmp(name + 6, "alerts.", 7) && strncmp(name + 6, "allowed.", 8) &&
		     strncmp(name + 6, "shadow.", 7)))
			continue;
		for (k = 0; k < all->n && strcmp(all->c[k].name, name + 6); k++)
			;
		if (k == all->n) {
			if (all->n == all->cap) {
				size_t cap = all->cap ? all->cap * 2 : 64;
				struct counter *p = reallocarray(all->c, cap, sizeof(*p));

				if (!p)
					return -ENOMEM;
				all->c = p;
				all->cap = cap;
			}
			memset(&all->c[k], 0, sizeof(all->c[k]));
			snprintf(all->c[k].name, sizeof(all->c[k].name), "%s", name + 6);
			all->n++;
		}
		all->c[k].total += strtoull(hb[i].value, NULL, 10);
		all->c[k].agents++;
	}
	return 0;
}

static int cmp_counter(const void *a, const void *b)
{
	return strcmp(((const struct counter *)a)->name, ((const struct counter *)b)->name);
}

static int counts(const struct ctl_globals *g)
{
	struct counters all = { 0 };
	struct store *store;
	char err[512];
	int rc = EXIT_ERR;

	store = store_connect(&g->redis, REDIS_TIMEOUT_MS, err, sizeof(err));
	if (!store) {
		log_error("ctl", "%s", err);
		return EXIT_ERR;
	}
	if (store_list_agents(store, add_counters, &all) < 0) {
		log_error("ctl", "cannot list the agents: %s", store_error(store));
		goto out;
	}
	if (all.n)
		qsort(all.c, all.n, sizeof(*all.c), cmp_counter);
	if (!all.n && !g->json)
		printf("no rule has counted anything yet\n");
	if (all.n && !g->json)
		printf("%-8s %-48s %12s %7s\n", "COUNTER", "RULE", "TOTAL", "AGENTS");
	for (size_t i = 0; i < all.n; i++) {
		const char *dot = strchr(all.c[i].name, '.');
		int kind_len = (int)(dot - all.c[i].name);

		if (g->json)
			printf("{\"counter\":\"%.*s\",\"rule\":\"%s\",\"total\":%" PRIu64
			       ",\"agents\":%u}\n",
			       kind_len, all.c[i].name, dot + 1, all.c[i].total, all.c[i].agents);
		else
			printf("%-8.*s %-48s %12" PRIu64 " %7u\n", kind_len, all.c[i].name, dot + 1,
			       all.c[i].total, all.c[i].agents);
	}
	rc = 0;
out:
	free(all.c);
	store_free(store);
	return rc;
}

static int show(redisContext *c, const char *which)
{
	struct raqib_rules_bundle b;
	uint64_t v;

	if (parse_version(which, &v))
		return EXIT_USAGE;
	if (fetch(c, v, &b, NULL, NULL))
		return EXIT_ERR;
	for (size_t i = 0; i < b.n_packs; i++)
		printf("# --- %s (version %" PRIu64 ")\n%s%s", b.packs[i].name, v, b.packs[i].text,
		       b.packs[i].len && b.packs[i].text[b.packs[i].len - 1] != '\n' ? "\n" : "");
	raqib_rules_bundle_release(&b);
	return 0;
}

/* Writes the packs of b into dir/sub. */
static int write_packs(const char *dir, const char *sub, const struct raqib_rules_bundle *b)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/%s", dir, sub);
	if (mkdir(path, 0700))
		return -errno;
	for (size_t i = 0; i < b->n_packs; i++) {
		FILE *f;

		snprintf(path, sizeof(path), "%s/%s/%s", dir, sub, b->packs[i].name);
		f = fopen(path, "wxe");
		if (!f)
			return -errno;
		fwrite(b->packs[i].text, 1, b->packs[i].len, f);
		if (fclose(f))
			return -EIO;
	}
	return 0;
}

/* A version, or a directory of packs, as a bundle. */
static int side(redisContext *c, const char *which, struct raqib_rules_bundle *b, char *label,
		size_t len)
{
	struct stat st;
	uint64_t v;

	memset(b, 0, sizeof(*b));
	if (stat(which, &st) == 0 && S_ISDIR(st.st_mode)) {
		snprintf(label, len, "dir");
		return read_packs(which, b);
	}
	if (parse_version(which, &v))
		return -EINVAL;
	snprintf(label, len, "v%" PRIu64, v);
	return fetch(c, v, b, NULL, NULL);
}

/* rules diff A B: diff -ruN of the two sets of packs (diffutils), in a private directory. */
static int diff(redisContext *c, const char *a, const char *b)
{
	struct raqib_rules_bundle ba, bb;
	char tmp[] = "/tmp/raqibctl-diff.XXXXXX", la[32], lb[32];
	posix_spawn_file_actions_t fa;
	char *args[] = { "diff", "-ruN", la, lb, NULL };
	int rc, status = 2;
	pid_t pid;

	if (side(c, a, &ba, la, sizeof(la)))
		return EXIT_ERR;
	if (side(c, b, &bb, lb, sizeof(lb))) {
		raqib_rules_bundle_release(&ba);
		return EXIT_ERR;
	}
	if (!strcmp(la, lb))
		snprintf(lb + strlen(lb), sizeof(lb) - strlen(lb), "-b");
	if (!mkdtemp(tmp)) {
		log_error("ctl", "cannot make a temporary directory: %s", strerror(errno));
		rc = -errno;
	} else {
		rc = write_packs(tmp, la, &ba);
		if (!rc)
			rc = write_packs(tmp, lb, &bb);
	}
	if (!rc && !posix_spawn_file_actions_init(&fa)) {
		posix_spawn_file_actions_addchdir_np(&fa, tmp);
		fflush(stdout);
		rc = posix_spawnp(&pid, "diff", &fa, NULL, args, environ);
		posix_spawn_file_actions_destroy(&fa);
		if (rc)
			log_error("ctl", "cannot run diff: %s", strerror(rc));
		else if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status))
			status = 2;
	}
	if (tmp[sizeof(tmp) - 2] != 'X') {
		/* remove what was written: the packs, the two directories, the temporary one */
		const struct raqib_rules_bundle *sides[] = { &ba, &bb };
		const char *labels[] = { la, lb };
		char path[4096];

		for (int s = 0; s < 2; s++) {
			for (size_t i = 0; i < sides[s]->n_packs; i++) {
				snprintf(path, sizeof(path), "%s/%s/%s", tmp, labels[s],
					 sides[s]->packs[i].name);
				unlink(path);
			}
			snprintf(path, sizeof(path), "%s/%s", tmp, labels[s]);
			rmdir(path);
		}
		rmdir(tmp);
	}
	raqib_rules_bundle_release(&ba);
	raqib_rules_bundle_release(&bb);
	/* diff: 0 same, 1 different, 2 trouble */
	return rc ? EXIT_ERR : WEXITSTATUS(status) > 1 ? EXIT_ERR : 0;
}

static int keygen(const struct ctl_globals *g)
{
	const char *dir = raqib_keys_dir(g->keys_dir);
	char err[512];

	if (raqib_rules_keygen(dir, err, sizeof(err))) {
		log_error("ctl", "%s", err);
		return EXIT_ERR;
	}
	printf("made %s/%s (keep it on this machine, mode 0600) and %s/%s (copy it to every agent's keys directory)\n",
	       dir, RAQIB_RULES_SIGNING_KEY_FILE, dir, RAQIB_RULES_VERIFY_KEY_FILE);
	return 0;
}

static int parse_options(int argc, char **argv, struct rules_opts *o)
{
	static const struct option options[] = {
		{ "site", required_argument, NULL, 's' },
		{ "host", required_argument, NULL, 'H' },
		{ "comment", required_argument, NULL, 'c' },
		{ "key", required_argument, NULL, 'k' },
		{ "json", no_argument, NULL, 'J' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	optind = 0; /* glibc: start again (raqibctl parsed its global options in order) */
	while ((c = getopt_long(argc, argv, "", options, NULL)) != -1) {
		switch (c) {
		case 's':
		case 'H':
			if ((c == 's' ? o->n_sites : o->n_hosts) == MAX_TARGETS || !optarg[0] ||
			    strlen(optarg) > 255) {
				log_error("ctl", "invalid --%s '%s'", c == 's' ? "site" : "host",
					  optarg);
				return -EINVAL;
			}
			if (c == 's')
				o->sites[o->n_sites++] = optarg;
			else
				o->hosts[o->n_hosts++] = optarg;
			break;
		case 'c':
			o->comment = optarg;
			break;
		case 'k':
			o->key_path = optarg;
			break;
		case 'J':
			o->json = true;
			break;
		default:
			return -EINVAL;
		}
	}
	return 0;
}

int ctl_rules(int argc, char **argv, const struct ctl_globals *g)
{
	struct rules_opts o = { 0 };
	struct ctl_globals local = *g;
	const char *sub = argc > 1 ? argv[1] : NULL;
	size_t want; /* arguments after the subcommand */
	redisContext *c;
	int rc;

	if (!sub) {
		log_error(
			"ctl",
			"no rules command given (keygen, push, list, show, diff, rollback, counts)");
		return EXIT_USAGE;
	}
	if (parse_options(argc - 1, argv + 1, &o)) {
		fputs("Try 'raqibctl --help' for more information.\n", stderr);
		return EXIT_USAGE;
	}
	local.json |= o.json;
	g = &local;
	argv += optind + 1; /* the subcommand's arguments */
	argc -= optind + 1;
	want = !strcmp(sub, "push") || !strcmp(sub, "show") ? 1 : !strcmp(sub, "diff") ? 2 : 0;
	if (!strcmp(sub, "rollback") && argc <= 1)
		want = (size_t)argc;
	if (strcmp(sub, "keygen") && strcmp(sub, "push") && strcmp(sub, "list") &&
	    strcmp(sub, "show") && strcmp(sub, "diff") && strcmp(sub, "rollback") &&
	    strcmp(sub, "counts")) {
		log_error(
			"ctl",
			"unknown rules command '%s' (keygen, push, list, show, diff, rollback, counts)",
			sub);
		return EXIT_USAGE;
	}
	if ((size_t)argc != want) {
		log_error("ctl", "wrong arguments for 'rules %s': see raqibctl --help", sub);
		return EXIT_USAGE;
	}
	if (!strcmp(sub, "keygen"))
		return keygen(g);
	if (!strcmp(sub, "counts"))
		return counts(g);
	c = connect_admin(g);
	if (!c)
		return EXIT_ERR;
	if (!strcmp(sub, "push"))
		rc = push(c, g, &o, argv[0]);
	else if (!strcmp(sub, "list"))
		rc = list(c, g);
	else if (!strcmp(sub, "show"))
		rc = show(c, argv[0]);
	else if (!strcmp(sub, "diff"))
		rc = diff(c, argv[0], argv[1]);
	else
		rc = rollback(c, g, &o, argc ? argv[0] : NULL);
	redisFree(c);
	return rc;
}
