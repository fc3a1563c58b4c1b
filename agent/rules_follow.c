// SPDX-License-Identifier: GPL-2.0-only
/*
 * Following pushed rules (see rules_follow.h). One thread, two Redis connections: one
 * subscribed to the announcements, read with poll() so that a quiet channel never times the
 * connection out, and one for the versions. Every failure to reach Redis is retried at the next
 * poll; the agent keeps inspecting with the rules it has.
 */
#include "rules_follow.h"

#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include <hiredis/hiredis.h>

#include "raqib/keys.h"
#include "raqib/log.h"
#include "raqib/schema.h"

#define REDIS_TIMEOUT_MS   3000
#define VERSIONS_LOOKED_AT 50

struct rules_follow {
	struct rules_follow_config cfg;
	char agent_id[72], host_name[256], site[256];
	char user[128], password[RAQIB_MAC_HEX_BYTES];
	struct raqib_rules_key *key;
	char key_id[RAQIB_RULES_KEY_ID_BYTES];
	int ready_fd; /* eventfd: rules are ready (written by the thread) */
	int stop_fd; /* eventfd: stop (written by the loop's thread) */
	pthread_t thread;
	bool started;
	redisContext *cmd, *sub;
	uint64_t offered; /* the version last handed over (0: the agent's own rules) */
	uint64_t refused_version; /* never tried again */

	pthread_mutex_t lock; /* what follows, shared with the loop's thread */
	struct rules *ready;
	struct raqib_rules_bundle ready_bundle;
	char *ready_json; /* as signed */
	char ready_sig[RAQIB_RULES_SIG_HEX_BYTES];
	bool has_ready;
	char refused[200];
};

static uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static redisContext *connect_agent(struct rules_follow *f)
{
	char err[512];
	redisContext *c;

	/* as the outbox: the default user only in a development set-up named as such */
	if (f->cfg.insecure_no_acl)
		return raqib_redis_connect(&f->cfg.redis, REDIS_TIMEOUT_MS, err, sizeof(err));
	c = raqib_redis_connect_as(&f->cfg.redis, f->user, f->password, REDIS_TIMEOUT_MS, err,
				   sizeof(err));
	if (!c)
		log_debug("rules", "cannot reach redis for rule versions: %s", err);
	return c;
}

static void refuse(struct rules_follow *f, uint64_t version, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void refuse(struct rules_follow *f, uint64_t version, const char *fmt, ...)
{
	char why[160];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	f->refused_version = version;
	pthread_mutex_lock(&f->lock);
	snprintf(f->refused, sizeof(f->refused), "%" PRIu64 ": %s", version, why);
	pthread_mutex_unlock(&f->lock);
	log_error("rules", "rules version %" PRIu64 " refused: %s; keeping the rules in use",
		  version, why);
}

/* Hands rules (and the bundle they came from, moved, with its JSON and signature, copied) to
 * the loop's thread. */
static void offer(struct rules_follow *f, struct rules *rules, struct raqib_rules_bundle *b,
		  const char *json, const char *sig)
{
	uint64_t one = 1;

	f->offered = b->version;
	pthread_mutex_lock(&f->lock);
	if (f->has_ready) { /* not taken yet: the newer one replaces it */
		rules_free(f->ready);
		raqib_rules_bundle_release(&f->ready_bundle);
	}
	free(f->ready_json);
	f->ready = rules;
	f->ready_bundle = *b;
	memset(b, 0, sizeof(*b));
	f->ready_json = json ? strdup(json) : NULL; /* NULL: not kept on disk, nothing lost */
	snprintf(f->ready_sig, sizeof(f->ready_sig), "%s", sig ? sig : "");
	f->has_ready = true;
	pthread_mutex_unlock(&f->lock);
	if (write(f->ready_fd, &one, sizeof(one)) != sizeof(one))
		log_warn("rules", "cannot wake the event loop: %s", strerror(errno));
}

/* Builds and offers the rules of bundle (NULL: the agent's own); false when they fail. */
static bool build_and_offer(struct rules_follow *f, struct raqib_rules_bundle *b,
			    uint64_t version, const char *json, const char *sig)
{
	struct raqib_rules_bundle none = { 0 };
	char err[256] = "";
	struct rules *rules = f->cfg.build(f->cfg.build_ctx, b, err, sizeof(err));

	if (!rules) {
		if (version)
			refuse(f, version, "the packs do not compile: %s", err);
		else
			log_error("rules", "cannot build the rules: %s", err);
		return false;
	}
	offer(f, rules, b ? b : &none, json, sig);
	return true;
}

/*
 * One version: true when it settles the question (applied, refused, or already in use), false
 * when it is not for this agent and older ones must be looked at.
 */
static bool consider(struct rules_follow *f, uint64_t v)
{
	redisReply *r = redisCommand(f->cmd, "HMGET %s%" PRIu64 " %s %s",
				     RAQIB_KEY_RULES_VERSION_PREFIX, v, RAQIB_FIELD_RULES_BUNDLE,
				     RAQIB_FIELD_RULES_SIG);
	struct raqib_rules_bundle b;
	char err[256];
	bool settled = true;

	if (!r || r->type != REDIS_REPLY_ARRAY || r->elements != 2 ||
	    r->element[0]->type != REDIS_REPLY_STRING) {
		/* gone since it was listed, or the connection failed: look again later */
		settled = !r || r->type == REDIS_REPLY_ERROR;
		freeReplyObject(r);
		return settled;
	}
	if (v == f->offered || v == f->refused_version)
		goto out;
	if (r->element[1]->type != REDIS_REPLY_STRING ||
	    !raqib_rules_verify(f->key, r->element[0]->str, r->element[0]->len,
				r->element[1]->str)) {
		refuse(f, v, "its signature does not verify with the rules key %s", f->key_id);
		goto out;
	}
	if (raqib_rules_bundle_decode(r->element[0]->str, r->element[0]->len, &b, err,
				      sizeof(err))) {
		refuse(f, v, "%s", err);
		goto out;
	}
	if (b.version != v) {
		refuse(f, v, "it says it is version %" PRIu64, b.version);
	} else if (!raqib_rules_bundle_applies(&b, f->site[0] ? f->site : NULL, f->agent_id,
					       f->host_name)) {
		settled = false;
	} else {
		log_info("rules", "rules version %" PRIu64 " (%s, by %s%s%s): verified, compiling",
			 v, b.created, b.author, b.comment[0] ? ": " : "", b.comment);
		build_and_offer(f, &b, v, r->element[0]->str, r->element[1]->str);
	}
	raqib_rules_bundle_release(&b);
out:
	freeReplyObject(r);
	return settled;
}

/* Looks for the newest version meant for this agent. */
static void check(struct rules_follow *f)
{
	redisReply *r;
	bool settled = false;

	if (!f->cmd)
		f->cmd = connect_agent(f);
	if (!f->cmd)
		return;
	r = redisCommand(f->cmd, "ZREVRANGE %s 0 %d", RAQIB_KEY_RULES_VERSIONS,
			 VERSIONS_LOOKED_AT - 1);
	if (!r || r->type != REDIS_REPLY_ARRAY) {
		if (r && r->type == REDIS_REPLY_ERROR)
			log_warn("rules", "cannot list rule versions: %s", r->str);
		freeReplyObject(r);
		redisFree(f->cmd);
		f->cmd = NULL;
		return;
	}
	for (size_t i = 0; i < r->elements && !settled; i++)
		if (r->element[i]->type == REDIS_REPLY_STRING)
			settled = consider(f, strtoull(r->element[i]->str, NULL, 10));
	freeReplyObject(r);
	if (f->cmd->err) {
		redisFree(f->cmd);
		f->cmd = NULL;
		return;
	}
	/* no version for this agent any more (deleted): back to its own rules */
	if (!settled && f->offered)
		build_and_offer(f, NULL, 0, NULL, NULL);
}

static void subscribe(struct rules_follow *f)
{
	redisReply *r;

	f->sub = connect_agent(f);
	if (!f->sub)
		return;
	r = redisCommand(f->sub, "SUBSCRIBE %s", RAQIB_CHANNEL_RULES);
	if (!r || r->type == REDIS_REPLY_ERROR) {
		log_warn("rules", "cannot subscribe to '%s' (%s): polling every %u s only",
			 RAQIB_CHANNEL_RULES, r ? r->str : f->sub->errstr, f->cfg.poll_ms / 1000);
		redisFree(f->sub);
		f->sub = NULL;
	}
	freeReplyObject(r);
}

/* Reads what the subscription received; true when a version was announced. */
static bool announced(struct rules_follow *f)
{
	bool any = false;
	void *reply;

	if (redisBufferRead(f->sub) != REDIS_OK) {
		redisFree(f->sub);
		f->sub = NULL;
		return true; /* look now: something may have been missed */
	}
	while (redisGetReplyFromReader(f->sub, &reply) == REDIS_OK && reply) {
		redisReply *r = reply;

		any |= r->type == REDIS_REPLY_ARRAY && r->elements == 3 &&
		       r->element[0]->type == REDIS_REPLY_STRING &&
		       !strcmp(r->element[0]->str, "message");
		freeReplyObject(r);
	}
	return any;
}

static void *run(void *ctx)
{
	struct rules_follow *f = ctx;
	uint64_t next_check = 0;

	for (;;) {
		struct pollfd p[2] = { { .fd = f->stop_fd, .events = POLLIN },
				       { .fd = f->sub ? f->sub->fd : -1, .events = POLLIN } };
		uint64_t now = mono_ms();
		int n;

		if (!f->sub)
			subscribe(f);
		p[1].fd = f->sub ? f->sub->fd : -1;
		if (now >= next_check) {
			check(f);
			next_check = mono_ms() + f->cfg.poll_ms;
			continue;
		}
		n = poll(p, 2, (int)(next_check - now));
		if (n < 0 && errno != EINTR)
			break;
		if (p[0].revents)
			break;
		if (n > 0 && p[1].revents && announced(f))
			next_check = 0;
	}
	return NULL;
}

static int load_credentials(struct rules_follow *f, char *err, size_t err_len)
{
	const char *dir = raqib_keys_dir(f->cfg.keys_dir);
	struct raqib_key key;
	char path[4096];
	int rc = raqib_agent_key_path(dir, f->agent_id, path, sizeof(path));

	if (!rc)
		rc = raqib_key_load(path, &key, err, err_len);
	if (!rc)
		rc = raqib_redis_password(&key, f->password);
	raqib_key_wipe(&key);
	snprintf(f->user, sizeof(f->user), "%s%s", RAQIB_AGENT_USER_PREFIX, f->agent_id);
	return rc;
}

struct rules_follow *rules_follow_start(const struct rules_follow_config *cfg, char *err,
					size_t err_len)
{
	struct rules_follow *f = calloc(1, sizeof(*f));
	int rc;

	if (!f) {
		snprintf(err, err_len, "out of memory");
		return NULL;
	}
	f->cfg = *cfg;
	f->offered = cfg->current_version;
	f->ready_fd = f->stop_fd = -1;
	snprintf(f->agent_id, sizeof(f->agent_id), "%s", cfg->agent_id);
	snprintf(f->host_name, sizeof(f->host_name), "%s", cfg->host_name);
	snprintf(f->site, sizeof(f->site), "%s", cfg->site ? cfg->site : "");
	pthread_mutex_init(&f->lock, NULL);
	rc = raqib_rules_key_load_public(cfg->verify_key_path, &f->key, err, err_len);
	if (!rc)
		rc = load_credentials(f, err, err_len);
	if (rc)
		goto fail;
	raqib_rules_key_id(f->key, f->key_id);
	f->ready_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	f->stop_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (f->ready_fd < 0 || f->stop_fd < 0 || pthread_create(&f->thread, NULL, run, f)) {
		snprintf(err, err_len, "cannot start following rule versions: %s", strerror(errno));
		goto fail;
	}
	f->started = true;
	return f;
fail:
	rules_follow_stop(f);
	return NULL;
}

int rules_follow_fd(const struct rules_follow *f)
{
	return f->ready_fd;
}

struct rules *rules_follow_take(struct rules_follow *f, struct raqib_rules_bundle *bundle,
				char **json, char sig[RAQIB_RULES_SIG_HEX_BYTES])
{
	struct rules *rules = NULL;
	uint64_t count;

	if (read(f->ready_fd, &count, sizeof(count)) < 0 && errno != EAGAIN)
		log_debug("rules", "cannot read the follower's wake-up: %s", strerror(errno));
	memset(bundle, 0, sizeof(*bundle));
	*json = NULL;
	sig[0] = '\0';
	pthread_mutex_lock(&f->lock);
	if (f->has_ready) {
		rules = f->ready;
		*bundle = f->ready_bundle;
		*json = f->ready_json;
		snprintf(sig, RAQIB_RULES_SIG_HEX_BYTES, "%s", f->ready_sig);
		memset(&f->ready_bundle, 0, sizeof(f->ready_bundle));
		f->ready = NULL;
		f->ready_json = NULL;
		f->has_ready = false;
	}
	pthread_mutex_unlock(&f->lock);
	return rules;
}

void rules_follow_refused(struct rules_follow *f, char *out, size_t out_len)
{
	pthread_mutex_lock(&f->lock);
	snprintf(out, out_len, "%s", f->refused);
	pthread_mutex_unlock(&f->lock);
}

void rules_follow_stop(struct rules_follow *f)
{
	uint64_t one = 1;

	if (!f)
		return;
	if (f->started) {
		if (write(f->stop_fd, &one, sizeof(one)) != sizeof(one))
			log_warn("rules", "cannot stop the rules follower: %s", strerror(errno));
		pthread_join(f->thread, NULL);
	}
	if (f->cmd)
		redisFree(f->cmd);
	if (f->sub)
		redisFree(f->sub);
	rules_free(f->ready);
	raqib_rules_bundle_release(&f->ready_bundle);
	free(f->ready_json);
	raqib_rules_key_free(f->key);
	explicit_bzero(f->password, sizeof(f->password));
	if (f->ready_fd >= 0)
		close(f->ready_fd);
	if (f->stop_fd >= 0)
		close(f->stop_fd);
	pthread_mutex_destroy(&f->lock);
	free(f);
}

/* The whole of a small file, NUL-terminated (malloc'ed), or NULL with errno. */
static char *slurp(const char *path, size_t max, size_t *len)
{
	FILE *f = fopen(path, "re");
	char *buf = NULL;
	long size = -1;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0)
		size = ftell(f);
	if (size < 0 || (size_t)size > max || fseek(f, 0, SEEK_SET) ||
	    !(buf = malloc((size_t)size + 1)) || fread(buf, 1, (size_t)size, f) != (size_t)size) {
		free(buf);
		fclose(f);
		errno = EINVAL;
		return NULL;
	}
	fclose(f);
	buf[size] = '\0';
	*len = (size_t)size;
	return buf;
}

int rules_follow_load_saved(const char *path, const char *key_path, const char *site,
			    const char *agent_id, const char *host_name,
			    struct raqib_rules_bundle *bundle, char *err, size_t err_len)
{
	struct raqib_rules_key *key = NULL;
	char name[4200], *json, *sig;
	size_t len = 0, sig_len = 0;
	int rc;

	memset(bundle, 0, sizeof(*bundle));
	snprintf(name, sizeof(name), "%s.json", path);
	json = slurp(name, RAQIB_RULES_BUNDLE_MAX, &len);
	if (!json)
		return errno == ENOENT ? -ENOENT : -EIO;
	snprintf(name, sizeof(name), "%s.sig", path);
	sig = slurp(name, RAQIB_RULES_SIG_HEX_BYTES, &sig_len);
	rc = raqib_rules_key_load_public(key_path, &key, err, err_len);
	if (!rc && (!sig || !raqib_rules_verify(key, json, len, sig))) {
		snprintf(err, err_len, "the version kept in '%s' does not verify", path);
		rc = -EINVAL;
	}
	if (!rc)
		rc = raqib_rules_bundle_decode(json, len, bundle, err, err_len);
	if (!rc && !raqib_rules_bundle_applies(bundle, site, agent_id, host_name)) {
		raqib_rules_bundle_release(bundle);
		rc = -ENOENT;
	}
	raqib_rules_key_free(key);
	free(json);
	free(sig);
	return rc;
}

/* Writes text to path through a temporary file and a rename: never half written. */
static int write_atomically(const char *path, const char *text)
{
	char tmp[4200];
	FILE *f;
	bool ok;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "we");
	if (!f)
		return -errno;
	ok = fputs(text, f) >= 0 && fflush(f) == 0 && fsync(fileno(f)) == 0;
	if (fclose(f) || !ok || rename(tmp, path)) {
		unlink(tmp);
		return -EIO;
	}
	return 0;
}

int rules_follow_save(const char *path, const char *json, const char *sig)
{
	char name[4200];
	int rc;

	/* the old signature first: a crash in between leaves a pair that does not verify */
	snprintf(name, sizeof(name), "%s.sig", path);
	unlink(name);
	snprintf(name, sizeof(name), "%s.json", path);
	if (!json) {
		unlink(name);
		return 0;
	}
	rc = write_atomically(name, json);
	if (!rc) {
		snprintf(name, sizeof(name), "%s.sig", path);
		rc = write_atomically(name, sig);
	}
	return rc;
}
