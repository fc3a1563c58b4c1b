// SPDX-License-Identifier: GPL-2.0-only
/*
 * Outbox (see outbox.h): the event loop numbers, builds and spools each alert; a sender thread
 * delivers the spool to the agent's stream and writes heartbeats. The two meet only under one mutex,
 * around the spool and the counters; the Redis connection belongs to the sender thread.
 *
 * Each stream entry carries the agent id and the sequence number as their own fields (the
 * collector deduplicates without parsing), the alert document, and the signature of the three
 * with the agent key (field "sig").
 */
#include "outbox.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <hiredis/hiredis.h>

#include "heartbeat.h"
#include "raqib/fsutil.h"
#include "raqib/keys.h"
#include "raqib/keyspace.h"
#include "raqib/log.h"
#include "raqib/redis_conn.h"
#include "raqib/rules.h"
#include "raqib/schema.h"

#ifndef RAQIB_VERSION
#define RAQIB_VERSION "0.0.0"
#endif

#define BATCH_RECORDS_DEFAULT  256
#define BATCH_BYTES	       (4u << 20)
#define BACKOFF_MIN_MS	       250
#define BACKOFF_MAX_MS_DEFAULT 10000
/* A failure that repeats per alert is logged at most this often. */
#define LOG_INTERVAL_MS 10000
#define IDLE_WAIT_MS	1000

struct batch_item {
	uint64_t seq;
	size_t off, len; /* in batch_buf */
};

struct outbox {
	struct raqib_redis_addr redis_addr; /* the endpoint configured */
	char agent_id[65];
	char host_name[256];
	char spool_dir[4096];
	char user[96];
	char password[RAQIB_MAC_HEX_BYTES];
	char stream[RAQIB_KEY_MAX]; /* raqib:{s:<site>}:in:<agent> */
	char epoch[RAQIB_EPOCH_HEX + 1]; /* of the spool's numbering (see load_epoch()) */
	bool insecure_no_acl;
	struct raqib_key agent_key;
	struct raqib_key value_key;
	char value_key_id[RAQIB_KEY_ID_HEX_BYTES];
	int timeout_ms;
	unsigned batch_records;
	unsigned backoff_max_ms;
	enum spool_fsync fsync;
	unsigned fsync_interval_ms;

	pthread_mutex_t lock;
	pthread_cond_t wake; /* the sender: new records, a heartbeat, stop */
	pthread_cond_t progress; /* flush waiters: something was delivered */
	pthread_t thread;
	bool thread_started;

	/* under lock */
	bool stop;
	struct spool *spool;
	struct outbox_stats stats;
	char rules_hash[65];
	struct heartbeat_fields *hb_next; /* newest heartbeat not written yet */
	bool hb_dirty;
	bool hb_busy; /* the sender is writing one */
	uint64_t refused_log_ms, write_log_ms;

	/* sender thread only */
	redisContext *redis;
	/*
	 * On a Redis Cluster, the node that owns the agent's stream, learnt from a MOVED reply;
	 * the configured endpoint is asked again when that node stops answering (a failover).
	 */
	struct raqib_redis_addr target;
	bool redirected;
	bool moved; /* the last batch met a MOVED: resend at once, not an error */
	char redis_user[96]; /* copied into stats under the lock */
	char auth_state[192]; /* "ok", "refused: <reason>" or "insecure: ..."; copied likewise */
	uint64_t auth_failures; /* AUTH refused; copied likewise */
	bool auth_logged; /* the refusal was said; reset once AUTH works */
	unsigned backoff_ms;
	uint64_t next_try_ms;
	bool outage_logged;
	struct batch_item *batch; /* the records being sent, copied into batch_buf */
	size_t batch_n;
	char *batch_buf;
	size_t batch_used, batch_cap;
	bool sender_idle; /* waiting for work: outbox_send() wakes it (under lock) */
	struct heartbeat_fields *hb_sending;
};

static uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static bool log_is_due(uint64_t *last_ms)
{
	uint64_t now = mono_ms();

	if (*last_ms && now - *last_ms < LOG_INTERVAL_MS)
		return false;
	*last_ms = now;
	return true;
}

enum outbox_class outbox_class_of(int severity)
{
	if (severity >= RAQIB_SEVERITY_CRITICAL)
		return OUTBOX_CLASS_CRITICAL;
	if (severity >= RAQIB_SEVERITY_HIGH)
		return OUTBOX_CLASS_HIGH;
	if (severity >= RAQIB_SEVERITY_MEDIUM)
		return OUTBOX_CLASS_MEDIUM;
	return OUTBOX_CLASS_LOW;
}

const char *outbox_class_name(enum outbox_class c)
{
	static const char *const names[] = { "low", "medium", "high", "critical" };

	return c < OUTBOX_CLASS_COUNT ? names[c] : "unknown";
}

bool outbox_admits(int severity, uint64_t used_bytes, uint64_t rec_bytes, uint64_t max_bytes)
{
	/* percent of the spool each class may fill */
	static const unsigned share[OUTBOX_CLASS_COUNT] = { 50, 75, 90, 100 };
	uint64_t limit = max_bytes / 100 * share[outbox_class_of(severity)] +
			 max_bytes % 100 * share[outbox_class_of(severity)] / 100;

	return used_bytes <= limit && rec_bytes <= limit - used_bytes;
}

int outbox_parse_fsync(const char *text, enum spool_fsync *policy, unsigned *interval_ms)
{
	char *end;
	unsigned long v;

	if (strcmp(text, "always") == 0) {
		*policy = SPOOL_FSYNC_ALWAYS;
		return 0;
	}
	if (strcmp(text, "never") == 0) {
		*policy = SPOOL_FSYNC_NEVER;
		return 0;
	}
	if (text[0] < '0' || text[0] > '9')
		return -EINVAL;
	errno = 0;
	v = strtoul(text, &end, 10);
	if (errno || *end || v == 0 || v > 3600000)
		return -EINVAL;
	*policy = SPOOL_FSYNC_INTERVAL;
	*interval_ms = (unsigned)v;
	return 0;
}

int outbox_spool_dir(const char *dir, const char *agent_id, char *out, size_t out_len)
{
	/* NOLINTBEGIN(concurrency-mt-unsafe): read once at start-up, before threads */
	const char *env = getenv("RAQIB_SPOOL");
	const char *state = getenv("XDG_STATE_HOME");
	const char *home = getenv("HOME");
	/* NOLINTEND(concurrency-mt-unsafe) */
	int n;

	if (dir && *dir)
		n = snprintf(out, out_len, "%s/%s", dir, agent_id);
	else if (env && *env)
		n = snprintf(out, out_len, "%s/%s", env, agent_id);
	else if (geteuid() == 0)
		n = snprintf(out, out_len, "/var/lib/raqib/spool/%s", agent_id);
	else if (state && *state)
		n = snprintf(out, out_len, "%s/raqib/spool/%s", state, agent_id);
	else
		n = snprintf(out, out_len, "%s/.local/state/raqib/spool/%s", home ? home : ".",
			     agent_id);
	return n < 0 || (size_t)n >= out_len ? -ENAMETOOLONG : 0;
}

/* --- sender thread ---------------------------------------------------------------------- */

static void disconnect(struct outbox *o)
{
	if (o->redis)
		redisFree(o->redis);
	o->redis = NULL;
}

/* Next attempt after a failure: doubling, up to the maximum, with up to 25 % of jitter so that
 * agents cut off together do not come back together. */
static void back_off(struct outbox *o)
{
	uint16_t r = 0;
	unsigned delay;

	o->backoff_ms = o->backoff_ms ? o->backoff_ms * 2 : BACKOFF_MIN_MS;
	if (o->backoff_ms > o->backoff_max_ms)
		o->backoff_ms = o->backoff_max_ms;
	if (getrandom(&r, sizeof(r), GRND_NONBLOCK) != sizeof(r))
		r = 0;
	delay = o->backoff_ms - o->backoff_ms / 4 * r / 65535;
	o->next_try_ms = mono_ms() + delay;
}

/*
 * Connects as the agent's own ACL user, and only as it: a refused AUTH (wrong password, user
 * missing or off) means no sending at all, the alerts stay in the spool, and the cause is said
 * once at warning level and then in every heartbeat (outbox.auth). Sending as Redis's default
 * user happens only with insecure_no_acl, a development set-up named as such.
 */
static redisContext *connect_redis(struct outbox *o, char *err, size_t err_len)
{
	redisContext *c;

	const struct raqib_redis_addr *addr = o->redirected ? &o->target : &o->redis_addr;

	if (o->insecure_no_acl) {
		c = raqib_redis_connect(addr, o->timeout_ms, err, err_len);
		if (c) {
			snprintf(o->redis_user, sizeof(o->redis_user), "default");
			snprintf(o->auth_state, sizeof(o->auth_state), "insecure: no ACL user");
		}
		return c;
	}
	c = raqib_redis_connect_as(addr, o->user, o->password, o->timeout_ms, err, err_len);
	if (c) {
		snprintf(o->redis_user, sizeof(o->redis_user), "%s", o->user);
		snprintf(o->auth_state, sizeof(o->auth_state), "ok");
		o->auth_logged = false;
		return c;
	}
	if (errno == EACCES) {
		o->auth_failures++;
		snprintf(o->auth_state, sizeof(o->auth_state), "refused: %.150s", err);
		if (!o->auth_logged)
			log_warn(
				"outbox",
				"%s; not sending: alerts stay in the spool until redis accepts the ACL user '%s' (docs/deployment.md)",
				err, o->user);
		o->auth_logged = true;
		/* said once above: the outage message would say it again */
		o->outage_logged = true;
		errno = EACCES;
	}
	return NULL;
}

static int ensure_connected(struct outbox *o)
{
	char err[512];

	if (o->redis)
		return 0;
	o->redis = connect_redis(o, err, sizeof(err));
	if (!o->redis && o->redirected) {
		/* the cluster node we were sent to is gone (a failover): after the backoff, ask
		 * the configured endpoint again who owns the stream now */
		o->redirected = false;
		return -EIO;
	}
	if (!o->redis) {
		if (!o->outage_logged)
			log_warn("outbox", "%s; alerts stay in the spool until it answers", err);
		o->outage_logged = true;
		return -EIO;
	}
	if (o->outage_logged)
		log_info("outbox", "redis at %s:%d answers again; delivering the spool",
			 o->redis_addr.host, o->redis_addr.port);
	o->outage_logged = false;
	return 0;
}

/*
 * A Redis Cluster node that does not own the agent's stream answers "MOVED <slot> <host:port>":
 * the sender goes there. (An "ASK" while the slot migrates is an error like another: the batch
 * is sent again after the backoff, once the migration is done.) Returns true when it moved.
 */
static bool follow_redirect(struct outbox *o, const redisReply *reply)
{
	const char *p;
	struct raqib_redis_addr addr;

	if (!reply || reply->type != REDIS_REPLY_ERROR || strncmp(reply->str, "MOVED ", 6) != 0)
		return false;
	p = strchr(reply->str + 6, ' ');
	if (!p || raqib_redis_addr_parse(p + 1, &addr))
		return false;
	o->target = addr;
	o->redirected = true;
	o->moved = true;
	disconnect(o);
	return true;
}

/* Reports a failed command or reply: logged once per outage, the connection dropped. */
static void command_failed(struct outbox *o, const char *what, const redisReply *reply)
{
	if (!o->outage_logged)
		log_warn("outbox", "cannot %s on redis at %s:%d: %.200s; retrying", what,
			 o->redis_addr.host, o->redis_addr.port,
			 reply		     ? reply->str :
			 o->redis->errstr[0] ? o->redis->errstr :
					       "no reply");
	o->outage_logged = true;
	disconnect(o);
}

/*
 * spool_record_fn: copies one record out of the spool, so that signing and queueing happen
 * without the lock the event loop needs to append.
 */
static int copy_record(void *ctx, const struct spool_record *rec)
{
	struct outbox *o = ctx;

	if (o->batch_used + rec->len > o->batch_cap) {
		size_t cap = o->batch_cap ? o->batch_cap : 1u << 16;
		char *buf;

		while (cap < o->batch_used + rec->len)
			cap *= 2;
		buf = realloc(o->batch_buf, cap);
		if (!buf)
			return -ENOMEM;
		o->batch_buf = buf;
		o->batch_cap = cap;
	}
	memcpy(o->batch_buf + o->batch_used, rec->data, rec->len);
	o->batch[o->batch_n++] =
		(struct batch_item){ .seq = rec->seq, .off = o->batch_used, .len = rec->len };
	o->batch_used += rec->len;
	return 0;
}

/* Queues one signed XADD per copied record on the connection (no I/O yet). */
static int queue_xadds(struct outbox *o)
{
	for (size_t i = 0; i < o->batch_n; i++) {
		const struct batch_item *b = &o->batch[i];
		char seq[24], sig[RAQIB_MAC_HEX_BYTES];
		const char *argv[13] = { "XADD",
					 o->stream,
					 "*",
					 RAQIB_FIELD_AGENT,
					 o->agent_id,
					 RAQIB_FIELD_EPOCH,
					 o->epoch,
					 RAQIB_FIELD_SEQ,
					 seq,
					 RAQIB_FIELD_ALERT,
					 o->batch_buf + b->off,
					 RAQIB_FIELD_SIG,
					 sig };
		size_t lens[13];

		snprintf(seq, sizeof(seq), "%" PRIu64, b->seq);
		if (raqib_alert_mac(&o->agent_key, o->agent_id, o->epoch, b->seq,
				    o->batch_buf + b->off, b->len, sig))
			return -ENOMEM;
		for (int k = 0; k < 13; k++)
			lens[k] = k == 10 ? b->len : strlen(argv[k]);
		if (redisAppendCommandArgv(o->redis, 13, argv, lens) != REDIS_OK)
			return -ENOMEM;
	}
	return 0;
}

/* Reads the replies of n queued XADDs; returns how many Redis accepted, in order. */
static size_t read_replies(struct outbox *o, size_t n)
{
	size_t ok = 0;

	for (size_t i = 0; i < n; i++) {
		void *r = NULL;
		redisReply *reply;

		if (redisGetReply(o->redis, &r) != REDIS_OK) {
			command_failed(o, "send alerts", NULL);
			return ok;
		}
		reply = r;
		if (follow_redirect(o, reply)) {
			freeReplyObject(reply);
			return ok;
		}
		if (reply->type == REDIS_REPLY_ERROR) {
			/* an ACL or memory refusal: keep the alert, try again later */
			command_failed(o, "add alerts to the agent's stream", reply);
			freeReplyObject(reply);
			return ok;
		}
		freeReplyObject(reply);
		if (ok == i)
			ok++;
	}
	return ok;
}

/*
 * Writes a heartbeat as a signed entry of the agent's stream (field "hb": a JSON object of the
 * fields), so that it reaches the collector in order with the alerts and nobody else can write
 * one in the agent's name.
 */
static int write_heartbeat(struct outbox *o, const struct heartbeat_fields *f)
{
	char sig[RAQIB_MAC_HEX_BYTES];
	const char *argv[9] = {
		"XADD", o->stream,	 "*", RAQIB_FIELD_AGENT, o->agent_id, RAQIB_FIELD_HEARTBEAT,
		NULL,	RAQIB_FIELD_SIG, sig
	};
	size_t lens[9];
	json_t *doc = json_object();
	redisReply *reply;
	char *json = NULL;
	int ret = -ENOMEM;

	for (size_t i = 0; doc && i < f->n; i++)
		if (json_object_set_new(doc, f->f[i].key, json_string(f->f[i].value)))
			goto out;
	json = doc ? json_dumps(doc, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	if (!json || raqib_heartbeat_mac(&o->agent_key, o->agent_id, json, strlen(json), sig))
		goto out;
	argv[6] = json;
	for (int k = 0; k < 9; k++)
		lens[k] = strlen(argv[k]);
	reply = redisCommandArgv(o->redis, 9, argv, lens);
	if (follow_redirect(o, reply)) {
		freeReplyObject(reply);
		ret = -EAGAIN;
		goto out;
	}
	if (!reply || reply->type == REDIS_REPLY_ERROR) {
		command_failed(o, "write the heartbeat", reply);
		freeReplyObject(reply);
		ret = -EIO;
		goto out;
	}
	freeReplyObject(reply);
	ret = 0;
out:
	free(json);
	json_decref(doc);
	return ret;
}

/* The CLOCK_MONOTONIC time ms from now, for pthread_cond_timedwait(). */
static struct timespec deadline_in(uint64_t ms)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	ts.tv_sec += (time_t)(ms / 1000);
	ts.tv_nsec += (long)(ms % 1000) * 1000000;
	if (ts.tv_nsec >= 1000000000) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000;
	}
	return ts;
}

/* Waits (lock held) for work, a stop, the next retry or a due sync. */
static void wait_for_work(struct outbox *o, bool has_work)
{
	uint64_t now = mono_ms(), until = now + IDLE_WAIT_MS;
	struct timespec ts;

	if (has_work && o->next_try_ms > now && o->next_try_ms < until)
		until = o->next_try_ms;
	if (o->fsync == SPOOL_FSYNC_INTERVAL && now + o->fsync_interval_ms < until)
		until = now + o->fsync_interval_ms;
	ts = deadline_in(until - now);
	o->sender_idle = true;
	pthread_cond_timedwait(&o->wake, &o->lock, &ts);
	o->sender_idle = false;
}

static bool has_pending(const struct outbox *o)
{
	struct spool_stats st;

	spool_get_stats(o->spool, &st);
	return st.pending > 0;
}

/* One round (lock held on entry and exit): the heartbeat, then one batch of the spool. */
static void deliver(struct outbox *o)
{
	size_t n, ok;
	int rc;

	pthread_mutex_unlock(&o->lock);
	rc = ensure_connected(o);
	pthread_mutex_lock(&o->lock);
	o->stats.connected = rc == 0;
	memcpy(o->stats.redis_user, o->redis_user, sizeof(o->stats.redis_user));
	memcpy(o->stats.auth_state, o->auth_state, sizeof(o->stats.auth_state));
	o->stats.auth_failures = o->auth_failures;
	if (rc) {
		o->stats.redis_errors++;
		back_off(o);
		return;
	}
	if (o->hb_dirty) {
		*o->hb_sending = *o->hb_next;
		o->hb_dirty = false;
		o->hb_busy = true;
		pthread_mutex_unlock(&o->lock);
		rc = write_heartbeat(o, o->hb_sending);
		pthread_mutex_lock(&o->lock);
		o->hb_busy = false;
		if (rc) {
			o->stats.redis_errors += rc != -EAGAIN;
			if (!o->hb_dirty) {
				*o->hb_next = *o->hb_sending;
				o->hb_dirty = true;
			}
			o->stats.connected = o->redis != NULL;
			if (rc == -EAGAIN)
				o->moved = false; /* redirected: at once, to the stream's node */
			else
				back_off(o);
			return;
		}
		o->stats.heartbeats++;
		pthread_cond_broadcast(&o->progress);
	}
	o->batch_n = 0;
	o->batch_used = 0;
	rc = spool_read(o->spool, o->batch_records, BATCH_BYTES, copy_record, o);
	if (rc < 0 || (size_t)rc != o->batch_n) {
		char text[64];

		if (log_is_due(&o->write_log_ms))
			log_error("outbox", "cannot read spool '%s': %s", o->spool_dir,
				  strerror_r(rc < 0 ? -rc : ENOMEM, text, sizeof(text)));
		back_off(o);
		return;
	}
	n = o->batch_n;
	if (n == 0) {
		/* records counted as pending that cannot be read: do not spin on them */
		if (has_pending(o))
			back_off(o);
		return;
	}
	pthread_mutex_unlock(&o->lock);
	rc = queue_xadds(o);
	/* an allocation failure leaves the connection's buffer in an unknown state */
	if (rc)
		disconnect(o);
	ok = rc ? 0 : read_replies(o, n);
	pthread_mutex_lock(&o->lock);
	if (ok && spool_ack(o->spool, o->batch[ok - 1].seq) && log_is_due(&o->write_log_ms))
		log_warn("outbox", "cannot record delivery in spool '%s'", o->spool_dir);
	o->stats.sent += ok;
	o->stats.connected = o->redis != NULL;
	if (o->moved) {
		/* redirected to the node of the stream: go there now, nothing failed */
		o->moved = false;
		o->next_try_ms = 0;
	} else if (ok < n) {
		o->stats.redis_errors++;
		back_off(o);
	} else {
		o->backoff_ms = 0;
	}
	pthread_cond_broadcast(&o->progress);
}

static void *sender_main(void *arg)
{
	struct outbox *o = arg;

	pthread_mutex_lock(&o->lock);
	while (!o->stop) {
		bool work = has_pending(o) || o->hb_dirty;

		if (spool_sync_is_due(o->spool) && spool_sync(o->spool))
			o->stats.write_errors++;
		if (!work || mono_ms() < o->next_try_ms) {
			wait_for_work(o, work);
			continue;
		}
		deliver(o);
	}
	pthread_mutex_unlock(&o->lock);
	return NULL;
}

/* --- event loop side --------------------------------------------------------------------- */

/* Loads (or creates) one key; what is created is said at debug level (docs/deployment.md). */
static int load_key(const char *path, int path_rc, struct raqib_key *key, const char *what,
		    char *err, size_t err_len)
{
	bool created;
	int rc;

	if (path_rc) {
		snprintf(err, err_len, "%s key path too long", what);
		return -ENAMETOOLONG;
	}
	rc = raqib_key_load_or_create(path, key, &created, err, err_len);
	if (!rc && created)
		log_debug("outbox", "created %s key '%s' (docs/deployment.md)", what, path);
	return rc;
}

static int load_keys(struct outbox *o, const char *keys_dir, char *err, size_t err_len)
{
	const char *dir = raqib_keys_dir(keys_dir);
	char path[4096];
	int rc;

	rc = load_key(path, raqib_agent_key_path(dir, o->agent_id, path, sizeof(path)),
		      &o->agent_key, "agent", err, err_len);
	if (!rc)
		rc = load_key(path, raqib_deployment_key_path(dir, path, sizeof(path)),
			      &o->value_key, "deployment", err, err_len);
	if (rc)
		return rc;
	raqib_key_id(&o->value_key, o->value_key_id);
	snprintf(o->user, sizeof(o->user), "%s%s", RAQIB_AGENT_USER_PREFIX, o->agent_id);
	return raqib_redis_password(&o->agent_key, o->password);
}

/*
 * The epoch of the spool's numbering: 16 random hex digits in <spool>/epoch, made again
 * whenever numbering starts from 1 (a new or wiped spool). The collector deduplicates by
 * (agent, epoch, sequence), so that an agent whose spool was wiped and numbers from 1 again
 * loses none of its new alerts to the old ones' numbers.
 */
static int load_epoch(struct outbox *o, char *err, size_t err_len)
{
	char path[4096 + 8], text[RAQIB_EPOCH_HEX + 2];
	uint8_t bytes[RAQIB_EPOCH_HEX / 2];
	ssize_t n = 0;
	int fd;

	if (snprintf(path, sizeof(path), "%s/epoch", o->spool_dir) >= (int)sizeof(path)) {
		snprintf(err, err_len, "spool directory name too long");
		return -ENAMETOOLONG;
	}
	if (spool_next_seq(o->spool) > 1) {
		fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
		if (fd >= 0) {
			n = read(fd, text, sizeof(text));
			close(fd);
		}
		if (n >= RAQIB_EPOCH_HEX && raqib_epoch_is_valid(text, RAQIB_EPOCH_HEX)) {
			memcpy(o->epoch, text, RAQIB_EPOCH_HEX);
			o->epoch[RAQIB_EPOCH_HEX] = '\0';
			return 0;
		}
	}
	if (getrandom(bytes, sizeof(bytes), 0) != (ssize_t)sizeof(bytes)) {
		snprintf(err, err_len, "cannot make the spool's epoch: %s", strerror(errno));
		return -EIO;
	}
	for (size_t i = 0; i < sizeof(bytes); i++)
		snprintf(o->epoch + 2 * i, 3, "%02x", bytes[i]);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0 || write(fd, o->epoch, RAQIB_EPOCH_HEX) != RAQIB_EPOCH_HEX || fsync(fd)) {
		snprintf(err, err_len, "cannot write '%s': %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -EIO;
	}
	close(fd);
	return 0;
}

static int init_sync(struct outbox *o)
{
	pthread_condattr_t attr;
	int rc = pthread_condattr_init(&attr);

	if (rc)
		return -rc;
	rc = pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	if (!rc)
		rc = pthread_cond_init(&o->wake, &attr);
	if (!rc) {
		rc = pthread_cond_init(&o->progress, &attr);
		if (rc)
			pthread_cond_destroy(&o->wake);
	}
	pthread_condattr_destroy(&attr);
	if (rc)
		return -rc;
	rc = pthread_mutex_init(&o->lock, NULL);
	if (rc) {
		pthread_cond_destroy(&o->wake);
		pthread_cond_destroy(&o->progress);
	}
	return -rc;
}

static void wipe_secrets(struct outbox *o)
{
	raqib_key_wipe(&o->agent_key);
	raqib_key_wipe(&o->value_key);
	explicit_bzero(o->password, sizeof(o->password));
}

struct outbox *outbox_new(const struct outbox_config *cfg, char *err, size_t err_len)
{
	struct spool_config scfg = cfg->spool;
	struct outbox *o;
	char base[4096];
	int rc;

	if (!raqib_agent_id_is_valid(cfg->agent_id, strlen(cfg->agent_id))) {
		snprintf(err, err_len,
			 "invalid agent id '%.64s': use 1 to 64 letters, digits, '.', '-' or '_'",
			 cfg->agent_id);
		return NULL;
	}
	o = calloc(1, sizeof(*o));
	if (!o || init_sync(o)) {
		free(o);
		snprintf(err, err_len, "out of memory");
		return NULL;
	}
	o->redis_addr = *cfg->redis;
	snprintf(o->agent_id, sizeof(o->agent_id), "%s", cfg->agent_id);
	snprintf(o->host_name, sizeof(o->host_name), "%s", cfg->host_name);
	o->insecure_no_acl = cfg->insecure_no_acl;
	if (raqib_key_stream(cfg->site ? cfg->site : RAQIB_SITE_DEFAULT, o->agent_id, o->stream,
			     sizeof(o->stream))) {
		snprintf(err, err_len,
			 "invalid site '%.32s': use 1 to 32 letters, digits, '.', '-' or '_'",
			 cfg->site);
		goto err_free;
	}
	o->timeout_ms = cfg->timeout_ms;
	o->batch_records = cfg->batch_records ? cfg->batch_records : BATCH_RECORDS_DEFAULT;
	o->backoff_max_ms = cfg->backoff_max_ms ? cfg->backoff_max_ms : BACKOFF_MAX_MS_DEFAULT;
	o->fsync = cfg->spool.fsync;
	o->fsync_interval_ms = cfg->spool.fsync_interval_ms;
	o->batch = calloc(o->batch_records, sizeof(*o->batch));
	o->hb_next = calloc(1, sizeof(*o->hb_next));
	o->hb_sending = calloc(1, sizeof(*o->hb_sending));
	if (!o->batch || !o->hb_next || !o->hb_sending) {
		snprintf(err, err_len, "out of memory");
		goto err_free;
	}
	if (load_keys(o, cfg->keys_dir, err, err_len))
		goto err_free;
	if (outbox_spool_dir(cfg->spool.dir, o->agent_id, o->spool_dir, sizeof(o->spool_dir))) {
		snprintf(err, err_len, "spool directory name too long");
		goto err_free;
	}
	/* the parent directories, created as needed; the spool creates its own */
	snprintf(base, sizeof(base), "%s", o->spool_dir);
	*strrchr(base, '/') = '\0';
	rc = raqib_make_dirs(base);
	if (rc) {
		snprintf(err, err_len, "cannot create spool directory '%s': %s", base,
			 strerror(-rc));
		goto err_free;
	}
	scfg.dir = o->spool_dir;
	o->spool = spool_open(&scfg, err, err_len);
	if (!o->spool || load_epoch(o, err, err_len))
		goto err_free;
	if (cfg->require_redis) {
		o->redis = connect_redis(o, err, err_len);
		if (!o->redis)
			goto err_free;
	}
	rc = pthread_create(&o->thread, NULL, sender_main, o);
	if (rc) {
		snprintf(err, err_len, "cannot start the outbox thread: %s", strerror(rc));
		goto err_free;
	}
	o->thread_started = true;
	return o;

err_free:
	outbox_free(o);
	return NULL;
}

void outbox_free(struct outbox *o)
{
	if (!o)
		return;
	if (o->thread_started) {
		pthread_mutex_lock(&o->lock);
		o->stop = true;
		pthread_cond_signal(&o->wake);
		pthread_mutex_unlock(&o->lock);
		pthread_join(o->thread, NULL);
	}
	disconnect(o);
	spool_close(o->spool);
	wipe_secrets(o);
	free(o->batch);
	free(o->batch_buf);
	free(o->hb_next);
	free(o->hb_sending);
	pthread_mutex_destroy(&o->lock);
	pthread_cond_destroy(&o->wake);
	pthread_cond_destroy(&o->progress);
	free(o);
}

/* A random (version 4) UUID. */
static void make_event_id(char *out, size_t out_len)
{
	uint8_t b[16];

	if (getrandom(b, sizeof(b), 0) != (ssize_t)sizeof(b)) {
		/* getrandom() cannot fail once the pool is initialised; keep ids unique anyway. */
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		memcpy(b, &ts, sizeof(ts) < sizeof(b) ? sizeof(ts) : sizeof(b));
	}
	b[6] = (b[6] & 0x0f) | 0x40;
	b[8] = (b[8] & 0x3f) | 0x80;
	snprintf(out, out_len,
		 "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0], b[1],
		 b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14],
		 b[15]);
}

static int64_t now_epoch_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Builds the document of alert number seq. Returns the JSON text (free()) or NULL. */
static char *build(struct outbox *o, const struct alert *alert, uint64_t seq)
{
	char event_id[40];
	struct alert_identity id = {
		.agent_id = o->agent_id,
		.agent_version = RAQIB_VERSION,
		.host_name = o->host_name,
		.sequence = seq,
		.event_id = event_id,
		.created_ms = now_epoch_ms(),
		.rules_hash = o->rules_hash[0] ? o->rules_hash : NULL,
		.value_key = &o->value_key,
		.value_key_id = o->value_key_id,
	};
	json_t *doc;
	char *json;

	make_event_id(event_id, sizeof(event_id));
	doc = alert_to_json(alert, &id);
	json = doc ? json_dumps(doc, JSON_COMPACT | JSON_REAL_PRECISION(6)) : NULL;
	json_decref(doc);
	return json;
}

/* Findings an alert carries (shadow rules' are counted, never alerted on). */
static uint64_t count_findings(const struct rules_verdict *v)
{
	uint64_t n = 0;

	for (size_t i = 0; v && i < v->n_findings; i++)
		n += !v->findings[i].shadow;
	return n;
}

/* Counts and reports an alert the spool would not take (lock held). */
static void refused(struct outbox *o, int severity, bool disk_full)
{
	enum outbox_class c = outbox_class_of(severity);
	uint64_t total = 0;

	o->stats.refused[c]++;
	o->stats.failed++;
	for (int i = 0; i < OUTBOX_CLASS_COUNT; i++)
		total += o->stats.refused[i];
	if (!log_is_due(&o->refused_log_ms))
		return;
	if (disk_full)
		log_error(
			"outbox",
			"cannot write to spool '%s': No space left on device; %s alert refused (%" PRIu64
			" refused so far)",
			o->spool_dir, outbox_class_name(c), total);
	else
		log_error("outbox",
			  "spool '%s' is full for %s alerts (%" PRIu64 " of %" PRIu64
			  " bytes used); alert refused (%" PRIu64 " refused so far)",
			  o->spool_dir, outbox_class_name(c), spool_used_bytes(o->spool),
			  spool_max_bytes(o->spool), total);
}

int outbox_send(struct outbox *o, const struct alert *alert)
{
	uint64_t seq;
	bool admitted;
	char *json;
	size_t len;
	int rc;

	/* only this thread appends, so the number stays free while the document is built */
	pthread_mutex_lock(&o->lock);
	seq = spool_next_seq(o->spool);
	pthread_mutex_unlock(&o->lock);
	json = build(o, alert, seq);
	if (!json) {
		pthread_mutex_lock(&o->lock);
		o->stats.build_errors++;
		o->stats.failed++;
		pthread_mutex_unlock(&o->lock);
		log_error("outbox", "cannot build alert %" PRIu64 ": out of memory", seq);
		return -ENOMEM;
	}
	len = strlen(json);
	pthread_mutex_lock(&o->lock);
	admitted = outbox_admits(alert->severity, spool_used_bytes(o->spool),
				 SPOOL_RECORD_HEADER_BYTES + (uint64_t)len,
				 spool_max_bytes(o->spool));
	if (!admitted)
		rc = -ENOSPC;
	else
		rc = spool_append(o->spool, seq,
				  (uint8_t)(alert->severity < 0	  ? 0 :
					    alert->severity > 255 ? 255 :
								    alert->severity),
				  json, len);
	if (rc == 0) {
		o->stats.accepted++;
		o->stats.findings += count_findings(alert->verdict);
		o->stats.last_sequence = seq;
		/* a busy sender reads the spool again when it is done: no wake-up per alert */
		if (o->sender_idle)
			pthread_cond_signal(&o->wake);
	} else if (rc == -ENOSPC) {
		/* refused by the policy, or by the disk before the policy's limit */
		refused(o, alert->severity, admitted);
	} else {
		o->stats.failed++;
		if (rc == -EFBIG)
			o->stats.build_errors++;
		else
			o->stats.write_errors++;
		if (log_is_due(&o->write_log_ms))
			log_error("outbox", "cannot write alert %" PRIu64 " to spool '%s': %s", seq,
				  o->spool_dir, strerror(-rc));
	}
	pthread_mutex_unlock(&o->lock);
	free(json);
	return rc;
}

int outbox_sink(void *ctx, const struct alert *alert)
{
	return outbox_send(ctx, alert);
}

void outbox_set_rules_hash(struct outbox *o, const char *rules_hash)
{
	pthread_mutex_lock(&o->lock);
	snprintf(o->rules_hash, sizeof(o->rules_hash), "%s", rules_hash ? rules_hash : "");
	pthread_mutex_unlock(&o->lock);
}

void outbox_set_heartbeat(struct outbox *o, const struct heartbeat_fields *fields)
{
	pthread_mutex_lock(&o->lock);
	*o->hb_next = *fields;
	o->hb_dirty = true;
	pthread_cond_signal(&o->wake);
	pthread_mutex_unlock(&o->lock);
}

int outbox_flush(struct outbox *o, unsigned timeout_ms)
{
	uint64_t end = mono_ms() + timeout_ms;
	int rc = 0;

	pthread_mutex_lock(&o->lock);
	while (has_pending(o) || o->hb_dirty || o->hb_busy) {
		uint64_t now = mono_ms();
		struct timespec ts;

		if (now >= end) {
			rc = -ETIMEDOUT;
			break;
		}
		ts = deadline_in(end - now);
		pthread_cond_timedwait(&o->progress, &o->lock, &ts);
	}
	pthread_mutex_unlock(&o->lock);
	return rc;
}

void outbox_get_stats(const struct outbox *o, struct outbox_stats *stats)
{
	struct outbox *mo = (struct outbox *)o; /* the lock, not the state, changes */

	pthread_mutex_lock(&mo->lock);
	*stats = o->stats;
	spool_get_stats(o->spool, &stats->spool);
	pthread_mutex_unlock(&mo->lock);
}

void outbox_heartbeat(void *ctx, struct heartbeat_fields *f)
{
	struct outbox *o = ctx;
	struct outbox_stats st;
	uint64_t refused = 0;

	outbox_get_stats(o, &st);
	for (int i = 0; i < OUTBOX_CLASS_COUNT; i++) {
		char key[HEARTBEAT_KEY_MAX];

		snprintf(key, sizeof(key), "outbox.refused.%s", outbox_class_name(i));
		heartbeat_set_u64(f, key, st.refused[i]);
		refused += st.refused[i];
	}
	heartbeat_set_u64(f, "outbox.refused", refused);
	heartbeat_set_u64(f, "outbox.accepted", st.accepted);
	heartbeat_set_u64(f, "outbox.sent", st.sent);
	heartbeat_set_u64(f, "outbox.last_seq", st.spool.last_seq);
	heartbeat_set_u64(f, "outbox.build_errors", st.build_errors);
	heartbeat_set_u64(f, "outbox.write_errors", st.write_errors);
	heartbeat_set_u64(f, "outbox.redis_errors", st.redis_errors);
	heartbeat_set(f, "outbox.connected", "%s", st.connected ? "yes" : "no");
	heartbeat_set(f, "outbox.redis_user", "%s", st.redis_user);
	heartbeat_set(f, "outbox.auth", "%s", st.auth_state[0] ? st.auth_state : "not tried");
	heartbeat_set_u64(f, "outbox.auth_failures", st.auth_failures);
	heartbeat_set(f, "outbox.epoch", "%s", o->epoch);
	heartbeat_set_u64(f, "findings", st.findings);
	heartbeat_set_u64(f, "spool.pending", st.spool.pending);
	heartbeat_set_u64(f, "spool.pending_bytes", st.spool.pending_bytes);
	heartbeat_set_u64(f, "spool.bytes", st.spool.bytes);
	heartbeat_set_u64(f, "spool.max_bytes", spool_max_bytes(o->spool));
	heartbeat_set_u64(f, "spool.acked_seq", st.spool.acked_seq);
	heartbeat_set_u64(f, "spool.corrupt_records", st.spool.corrupt_records);
	heartbeat_set_u64(f, "spool.torn_bytes", st.spool.torn_bytes);
	heartbeat_set_u64(f, "spool.seq_skipped", st.spool.seq_skipped);
	heartbeat_set_u64(f, "spool.syncs", st.spool.syncs);
	if (o->fsync == SPOOL_FSYNC_INTERVAL)
		heartbeat_set(f, "spool.fsync", "%ums", o->fsync_interval_ms);
	else
		heartbeat_set(f, "spool.fsync", "%s",
			      o->fsync == SPOOL_FSYNC_ALWAYS ? "always" : "never");
	heartbeat_set(f, "value_key_id", "%s", o->value_key_id);
}
