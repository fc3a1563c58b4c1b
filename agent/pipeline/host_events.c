// SPDX-License-Identifier: GPL-2.0-only
/*
 * Host path of the pipeline: keeps the process table from exec/exit records, and for each
 * regular file a watched messaging app opens, inspects the file and raises an alert when the
 * rules find personal data or an official document in it. The same file opened again by the
 * same process raises no second alert.
 */
#include "host_events.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include "raqib/log.h"
#include "raqib/schema.h"
#include "file_inspect.h"
#include "proc_table.h"

/* Recent (process, file version) pairs already alerted on. */
#define SEEN_SLOTS 512
/* File versions whose verdict is kept, so a file opened again is not inspected again. */
#define VERDICT_CACHE_ENTRIES 4096

struct seen_key {
	uint32_t pid;
	uint64_t start_ns;
	dev_t dev;
	ino_t ino;
	int64_t size;
	int64_t mtime_ns;
};

struct host_events {
	const struct rules *rules;
	struct rules_scan *scan;
	struct verdict_cache *cache;
	alert_sink_fn sink;
	void *sink_ctx;
	struct host_events_config config;
	struct proc_table *procs;
	struct seen_key seen[SEEN_SLOTS];
	size_t seen_next;
	struct host_events_stats stats;
};

struct host_events *host_events_new(const struct rules *rules, alert_sink_fn sink, void *sink_ctx,
				    const struct host_events_config *config)
{
	struct host_events *h = calloc(1, sizeof(*h));

	if (!h)
		return NULL;
	h->rules = rules;
	h->sink = sink;
	h->sink_ctx = sink_ctx;
	h->config = *config;
	h->procs = proc_table_new(config->max_processes);
	h->scan = rules_scan_new(rules);
	h->cache = verdict_cache_new(VERDICT_CACHE_ENTRIES);
	if (!h->procs || !h->scan || !h->cache) {
		host_events_free(h);
		errno = ENOMEM;
		return NULL;
	}
	return h;
}

void host_events_free(struct host_events *h)
{
	if (!h)
		return;
	rules_scan_free(h->scan);
	verdict_cache_free(h->cache);
	proc_table_free(h->procs);
	free(h);
}

static void on_exec(struct host_events *h, const struct raqib_event_exec *ev)
{
	struct proc_info info = {
		.pid = ev->hdr.pid,
		.ppid = ev->hdr.ppid,
		.uid = ev->hdr.uid,
		.start_ns = ev->hdr.proc_start_ns,
		.watched = ev->flags & RAQIB_EVF_WATCHED,
	};
	const struct proc_info *prev;

	h->stats.execs++;
	memcpy(info.comm, ev->hdr.comm, sizeof(info.comm));
	info.comm[sizeof(info.comm) - 1] = '\0';
	snprintf(info.exe, sizeof(info.exe), "%s", ev->filename);
	info.app = rules_app_by_exe(h->rules, ev->filename);
	if (!info.app)
		info.app = rules_app_by_comm(h->rules, info.comm);
	if (!info.app && info.watched) {
		/*
		 * A watched process that execs something else stays part of its app: the image it
		 * replaces (exec without fork) or its parent (a helper the app started) names it.
		 */
		prev = proc_table_lookup(h->procs, info.pid);
		if (!prev || !prev->app)
			prev = proc_table_lookup(h->procs, info.ppid);
		info.app = prev ? prev->app : NULL;
	}
	if (proc_table_upsert(h->procs, &info) == -ENOSPC)
		h->stats.proc_refused++;
}

/* Fills info for a process that started before the agent, from /proc. */
static void describe_unknown(const struct host_events *h, const struct raqib_event_hdr *hdr,
			     struct proc_info *info)
{
	char link[64];
	ssize_t n;

	memset(info, 0, sizeof(*info));
	info->pid = hdr->pid;
	info->ppid = hdr->ppid;
	info->uid = hdr->uid;
	info->start_ns = hdr->proc_start_ns;
	info->watched = true;
	memcpy(info->comm, hdr->comm, sizeof(info->comm));
	info->comm[sizeof(info->comm) - 1] = '\0';
	snprintf(link, sizeof(link), "/proc/%u/exe", hdr->pid);
	n = readlink(link, info->exe, sizeof(info->exe) - 1);
	info->exe[n > 0 ? n : 0] = '\0';
	info->app = info->exe[0] ? rules_app_by_exe(h->rules, info->exe) : NULL;
	if (!info->app)
		info->app = rules_app_by_comm(h->rules, info->comm);
}

static bool seen_before(struct host_events *h, const struct seen_key *key)
{
	for (size_t i = 0; i < SEEN_SLOTS; i++)
		if (memcmp(&h->seen[i], key, sizeof(*key)) == 0)
			return true;
	h->seen[h->seen_next] = *key;
	h->seen_next = (h->seen_next + 1) % SEEN_SLOTS;
	return false;
}

/* The path the app used, made absolute against its working directory when it was relative. */
static void display_path(const struct raqib_event_open *ev, char *out, size_t out_len)
{
	char link[64];
	char cwd[PATH_MAX];
	ssize_t n;

	if (ev->path[0] == '/' || ev->dirfd != AT_FDCWD) {
		snprintf(out, out_len, "%s", ev->path);
		return;
	}
	snprintf(link, sizeof(link), "/proc/%u/cwd", ev->hdr.pid);
	n = readlink(link, cwd, sizeof(cwd) - 1);
	if (n <= 0) {
		snprintf(out, out_len, "%s", ev->path);
		return;
	}
	cwd[n] = '\0';
	if (snprintf(out, out_len, "%s/%s", strcmp(cwd, "/") ? cwd : "", ev->path) >= (int)out_len)
		snprintf(out, out_len, "%s", ev->path);
}

static void raise_alert(struct host_events *h, const struct proc_info *proc, const char *path,
			const struct file_inspect_result *res)
{
	char sha256[65], uid[16];
	struct rules_event_info info = {
		.event = RULES_EVENT_FILE_READ,
		.app = proc->app,
		.user = uid,
		.file_path = path,
		.sha256 = sha256,
		.is_encrypted_container = res->extract.status == EXTRACT_ENCRYPTED,
	};
	struct rules_decision decision;
	struct timespec now;
	struct alert alert = {
		.kind = ALERT_KIND_FILE,
		.why = "a messaging app opened a file holding personal data or an official document; no upload matched yet",
		.pid = (int)proc->pid,
		.ppid = (int)proc->ppid,
		.uid = proc->uid,
		.process_name = proc->comm,
		.process_executable = proc->exe[0] ? proc->exe : NULL,
		.app = proc->app ? proc->app->name : NULL,
		.file_path = path,
		.file_size = res->size,
		.file_sha256 = res->extract.sha256_complete ? sha256 : NULL,
		.verdict = &res->verdict,
	};

	alert_hex(res->extract.sha256, sizeof(res->extract.sha256), sha256, sizeof(sha256));
	snprintf(uid, sizeof(uid), "%u", proc->uid);
	if (rules_decide(h->rules, &res->verdict, &info, &decision) || !decision.matched)
		return;
	if (decision.mode == RULES_MODE_SHADOW) {
		h->stats.shadow++;
		return;
	}
	alert.rule_id = decision.rule_id;
	alert.rule_name = decision.rule_name;
	alert.rule_version = decision.rule_version;
	alert.rules_hash = rules_hash(h->rules);
	alert.severity = decision.severity;
	alert.confidence = decision.confidence;
	clock_gettime(CLOCK_REALTIME, &now);
	alert.ts_ms = (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000;
	if (h->sink(h->sink_ctx, &alert) == 0)
		h->stats.alerts++;
	else
		h->stats.alerts_failed++;
}

static void on_open(struct host_events *h, const struct raqib_event_open *ev)
{
	char via_root[PATH_MAX + 32], via_fd[64], shown[PATH_MAX];
	struct file_inspect_request req = {
		.has_identity = true,
		/* the kernel's dev_t packs major << 20 | minor; userspace's does not */
		.dev = makedev((unsigned)(ev->dev >> 20), (unsigned)(ev->dev & 0xfffff)),
		.ino = (ino_t)ev->ino,
		.limits = &h->config.limits,
	};
	const struct proc_info *proc = proc_table_lookup(h->procs, ev->hdr.pid);
	struct proc_info unknown;
	struct file_inspect_result res;
	struct seen_key key;
	int err;

	h->stats.opens++;
	if (!proc || proc->start_ns != ev->hdr.proc_start_ns) {
		describe_unknown(h, &ev->hdr, &unknown);
		proc = &unknown;
	}
	/* Through /proc/PID/ the path resolves in the app's own mount namespace and cwd. */
	if (ev->path[0] == '/')
		snprintf(via_root, sizeof(via_root), "/proc/%u/root%s", ev->hdr.pid, ev->path);
	else if (ev->dirfd == AT_FDCWD)
		snprintf(via_root, sizeof(via_root), "/proc/%u/cwd/%s", ev->hdr.pid, ev->path);
	else
		snprintf(via_root, sizeof(via_root), "/proc/%u/fd/%d/%s", ev->hdr.pid, ev->dirfd,
			 ev->path);
	snprintf(via_fd, sizeof(via_fd), "/proc/%u/fd/%d", ev->hdr.pid, ev->fd);
	req.paths[0] = via_root;
	req.paths[1] = via_fd;
	req.paths[2] = ev->path[0] == '/' ? ev->path : NULL; /* the app may be gone already */
	req.cache = h->cache;
	display_path(ev, shown, sizeof(shown));

	err = file_inspect(h->scan, &req, &res);
	if (err) {
		h->stats.inspect_failed++;
		log_debug("host", "cannot inspect inode %llu opened by pid %u: %s",
			  (unsigned long long)ev->ino, ev->hdr.pid, strerror(-err));
		return;
	}
	h->stats.inspected++;
	if (rules_verdict_is_sensitive(&res.verdict)) {
		memset(&key, 0, sizeof(key));
		key.pid = proc->pid;
		key.start_ns = proc->start_ns;
		key.dev = res.dev;
		key.ino = res.ino;
		key.size = res.size;
		key.mtime_ns = res.mtime_ns;
		if (seen_before(h, &key))
			h->stats.duplicates++;
		else
			raise_alert(h, proc, shown, &res);
	}
	rules_verdict_release(&res.verdict);
}

int host_events_on_event(void *ctx, const struct raqib_event_hdr *hdr)
{
	struct host_events *h = ctx;

	switch (hdr->kind) {
	case RAQIB_EV_EXEC:
		on_exec(h, (const struct raqib_event_exec *)hdr);
		break;
	case RAQIB_EV_EXIT:
		h->stats.exits++;
		proc_table_remove(h->procs, hdr->pid);
		break;
	case RAQIB_EV_OPEN:
		on_open(h, (const struct raqib_event_open *)hdr);
		break;
	default:
		break;
	}
	return 0;
}

static void refresh_app(void *ctx, struct proc_info *info)
{
	const struct rules *rules = ctx;
	const struct rules_app *app = rules_app_by_exe(rules, info->exe);

	if (!app)
		app = rules_app_by_comm(rules, info->comm);
	/* a helper process keeps the app of its tree, by id in the new catalog */
	if (!app && info->watched && info->app)
		app = rules_app_by_id(rules, info->app->id);
	info->app = app;
}

int host_events_set_rules(struct host_events *h, const struct rules *rules)
{
	struct rules_scan *scan = rules_scan_new(rules);

	if (!scan)
		return -ENOMEM;
	rules_scan_free(h->scan);
	h->scan = scan;
	h->rules = rules;
	/* verdicts of the old rules would outlive them for files that do not change */
	verdict_cache_clear(h->cache);
	proc_table_foreach(h->procs, refresh_app, (void *)rules);
	return 0;
}

void host_events_get_stats(const struct host_events *h, struct host_events_stats *stats)
{
	struct proc_table_stats ps;

	*stats = h->stats;
	proc_table_get_stats(h->procs, &ps);
	stats->proc_refused = ps.refused;
}
