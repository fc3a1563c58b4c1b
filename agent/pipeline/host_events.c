// SPDX-License-Identifier: GPL-2.0-only
/*
 * Host path of the pipeline (see host_events.h): dispatches the BPF sensor's records to the
 * process table, the connection owners, file inspection, the correlator and the TLS streams, and
 * turns their conclusions into alerts. The one place where host-side alerts are built.
 */
#include "host_events.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include "raqib/log.h"
#include "raqib/schema.h"
#include "app_instances.h"
#include "decision.h"
#include "file_inspect.h"
#include "own_files.h"
#include "packet_names.h"
#include "proc_read.h"
#include "proc_table.h"
#include "tls_streams.h"
#include "extract/verdict_cache.h"

#define VERDICT_CACHE_SLOTS 4096
/* App instances whose root, install and profile directories are remembered. */
#define APP_INSTANCES_MAX 256
/* Server names learnt from the names tier's packets, by connection and by address. */
#define PACKET_NAMES_MAX 65536
/* Connection owners not updated for this long are forgotten. */
#define CONN_IDLE_US (600ull * 1000000ull)
/* Opens of files found not sensitive, remembered to skip the same open repeated at once. */
#define RECENT_SLOTS 1024
#define RECENT_NS    (2ull * 1000000000ull)
/* A TLS stream is decided in parts of this many bytes at most. */
#define TLS_STREAM_MAX_BYTES (64ull << 20)

/* An open by a process of a file version found not sensitive. */
struct recent_open {
	uint32_t pid;
	uint64_t dev, ino;
	int64_t size;
	uint64_t ts_ns;
};

struct host_events {
	const struct rules *rules;
	struct rules_scan *scan;
	alert_sink_fn sink;
	void *sink_ctx;
	struct host_events_config config;
	struct proc_table *procs;
	struct verdict_cache *cache;
	struct correlator *corr;
	struct tls_streams *tls;
	struct own_files *own;
	struct app_instances *instances;
	struct packet_names *names;
	struct recent_open recent[RECENT_SLOTS];
	struct host_events_stats stats;
};

void host_events_config_default(struct host_events_config *c)
{
	memset(c, 0, sizeof(*c));
	extract_limits_default(&c->limits);
	c->max_processes = 1u << 16;
	correlator_config_default(&c->corr);
	c->max_tls_streams = 64;
	c->tls_idle_ns = 2ull * 1000000000ull;
}

static void on_outcome(void *ctx, const struct staged_file *file, const struct corr_upload *up);
static void on_tls_end(void *ctx, const struct tls_stream_info *info, struct rules_verdict *v);

/*
 * The correlator's name of a flow's server: what the names tier learnt (the connection's SNI,
 * else a DNS answer for its address), else what the caller's hook knows (a packet capture).
 */
static const char *name_of(void *ctx, const struct corr_tuple *t)
{
	static const uint8_t v4mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
	const struct host_events *h = ctx;
	bool mapped = t->family == AF_INET6 && memcmp(t->daddr, v4mapped, 12) == 0;
	struct name_conn conn = {
		.family = mapped ? AF_INET : t->family,
		.proto = (uint8_t)t->proto,
		.client = t->saddr + (mapped ? 12 : 0),
		.client_port = t->sport,
		.server = t->daddr + (mapped ? 12 : 0),
		.server_port = t->dport,
	};
	const char *name = packet_names_lookup(h->names, &conn);

	if (!name && h->config.corr.name_of)
		name = h->config.corr.name_of(h->config.corr.name_ctx, t);
	return name;
}

struct host_events *host_events_new(const struct rules *rules, alert_sink_fn sink, void *sink_ctx,
				    const struct host_events_config *config)
{
	struct host_events *h = calloc(1, sizeof(*h));
	struct correlator_config cc;
	struct tls_streams_config tc = { 0 };

	if (!h)
		return NULL;
	h->rules = rules;
	h->sink = sink;
	h->sink_ctx = sink_ctx;
	h->config = *config;
	cc = config->corr;
	cc.outcome = on_outcome;
	cc.outcome_ctx = h;
	cc.name_of = name_of;
	cc.name_ctx = h;
	tc.max_streams = config->max_tls_streams;
	tc.idle_ns = config->tls_idle_ns;
	tc.max_bytes = TLS_STREAM_MAX_BYTES;
	tc.on_end = on_tls_end;
	tc.ctx = h;
	h->procs = proc_table_new(config->max_processes);
	h->scan = rules_scan_new(rules);
	h->cache = verdict_cache_new(VERDICT_CACHE_SLOTS);
	h->corr = correlator_new(rules, &cc);
	h->tls = tls_streams_new(rules, &tc);
	h->own = own_files_new(config->dpkg_info_dir);
	h->instances = app_instances_new(APP_INSTANCES_MAX);
	h->names = packet_names_new(PACKET_NAMES_MAX);
	if (!h->procs || !h->scan || !h->cache || !h->corr || !h->tls || !h->own || !h->instances ||
	    !h->names) {
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
	packet_names_free(h->names);
	app_instances_free(h->instances);
	own_files_free(h->own);
	tls_streams_free(h->tls);
	correlator_free(h->corr);
	verdict_cache_free(h->cache);
	rules_scan_free(h->scan);
	proc_table_free(h->procs);
	free(h);
}

static int64_t now_ms(void)
{
	struct timespec now;

	clock_gettime(CLOCK_REALTIME, &now);
	return (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000;
}

/* Decides on an event; hands the alert or allowed event to the sink (decision.h). */
static void decide_and_send(struct host_events *h, const struct rules_verdict *verdict,
			    const struct rules_event_info *info, struct alert *alert)
{
	struct rules_decision decision;

	if (!decision_make(h->rules, verdict, info, alert, &decision)) {
		h->stats.shadow += decision.n_shadow > 0;
		return;
	}
	h->stats.shadow += decision.n_shadow > 0;
	alert->ts_ms = now_ms();
	if (h->sink(h->sink_ctx, alert) == 0)
		h->stats.alerts++;
	else
		h->stats.alerts_failed++;
}

/* What is known of where a file went, for destination conditions. */
static void upload_destination(const struct corr_upload *up, struct rules_destination *d)
{
	d->server_name = up->server_name;
	if (up->tuple.family == AF_INET || up->tuple.family == AF_INET6) {
		d->family = up->tuple.family;
		memcpy(d->addr, up->tuple.daddr, up->tuple.family == AF_INET ? 4 : 16);
	}
}

/* Process table. */

/*
 * The app of a process: by the executable's install path (deb, snap, flatpak, AppImage paths of
 * the catalog), by its name, or, for a watched process of a sandboxed app whose executable path
 * is the sandbox's own (/app/...), by the install path its Flatpak or Snap scope names (read
 * from /proc only for watched processes: execs of the others are many).
 */
static const struct rules_app *app_of(const struct host_events *h, uint32_t pid, const char *exe,
				      const char *comm, bool watched)
{
	const struct rules_app *app = exe[0] ? rules_app_by_exe(h->rules, exe) : NULL;
	char sandbox[RAQIB_PATH_MAX], inside[RAQIB_PATH_MAX + 8];

	if (!app)
		app = rules_app_by_comm(h->rules, comm);
	if (!app && watched && proc_read_sandbox_path(pid, sandbox, sizeof(sandbox)) == 0 &&
	    sandbox[0]) {
		snprintf(inside, sizeof(inside), "%s/x", sandbox); /* a file of the install */
		app = rules_app_by_exe(h->rules, inside);
	}
	return app;
}

/*
 * The instance of a process: its parent's when the parent is a watched process of the same app
 * (or the child has no app of its own: a helper), itself otherwise.
 */
static void set_instance(const struct host_events *h, struct proc_info *info)
{
	const struct proc_info *parent = proc_table_lookup(h->procs, info->ppid);

	info->instance_pid = info->pid;
	info->instance_start_ns = info->start_ns;
	if (!parent || !parent->watched || parent->pid == info->pid)
		return;
	if (info->app && parent->app && info->app != parent->app)
		return; /* another app started by this one: its own instance */
	if (!info->app)
		info->app = parent->app;
	info->instance_pid = parent->instance_pid;
	info->instance_start_ns = parent->instance_start_ns;
}

static void describe_from_proc(struct proc_info *info)
{
	proc_read_cmdline(info->pid, info->cmdline, sizeof(info->cmdline));
	proc_read_container(info->pid, info->container_id, sizeof(info->container_id));
}

static void on_exec(struct host_events *h, const struct raqib_event_exec *ev)
{
	const struct proc_info *prev = proc_table_lookup(h->procs, ev->hdr.pid);
	struct proc_info info = {
		.pid = ev->hdr.pid,
		.ppid = ev->hdr.ppid,
		.uid = ev->hdr.uid,
		.start_ns = ev->hdr.proc_start_ns,
		.watched = ev->flags & RAQIB_EVF_WATCHED,
		.cgroup_id = ev->hdr.cgroup_id,
	};

	h->stats.execs++;
	memcpy(info.comm, ev->hdr.comm, sizeof(info.comm));
	info.comm[sizeof(info.comm) - 1] = '\0';
	snprintf(info.exe, sizeof(info.exe), "%s", ev->filename);
	info.app = app_of(h, info.pid, info.exe, info.comm, info.watched);
	if (prev && prev->watched && prev->start_ns == info.start_ns &&
	    prev->instance_pid != info.pid && (!info.app || info.app == prev->app)) {
		/* a helper of the app that replaced its image: still part of the instance */
		info.app = prev->app;
		info.instance_pid = prev->instance_pid;
		info.instance_start_ns = prev->instance_start_ns;
	} else {
		set_instance(h, &info);
	}
	if (info.watched)
		describe_from_proc(&info);
	if (proc_table_upsert(h->procs, &info) == -ENOSPC)
		h->stats.proc_refused++;
}

/*
 * A process that was not watched connected to a channel (its address, or its ClientHello's
 * server name): it counts as that channel's app -- a renamed copy of a messaging app, curl, a
 * script -- and is the root of its own instance unless its parent is a watched app.
 */
static void on_dest(struct host_events *h, const struct raqib_event_dest *ev)
{
	const struct rules_app *app = rules_app_by_id(h->rules, ev->app_id);
	const struct proc_info *p = proc_table_lookup(h->procs, ev->hdr.pid);
	struct proc_info info = { 0 };

	h->stats.watched_by_dest++;
	if (p && p->start_ns == ev->hdr.proc_start_ns) {
		info = *p;
	} else {
		info.pid = ev->hdr.pid;
		info.ppid = ev->hdr.ppid;
		info.uid = ev->hdr.uid;
		info.start_ns = ev->hdr.proc_start_ns;
		info.cgroup_id = ev->hdr.cgroup_id;
		memcpy(info.comm, ev->hdr.comm, sizeof(info.comm));
		info.comm[sizeof(info.comm) - 1] = '\0';
		proc_read_exe(info.pid, info.exe, sizeof(info.exe));
	}
	info.watched = true;
	if (!rules_app_is_channel(info.app) && app) {
		info.app = app;
		info.by_destination = true;
	}
	set_instance(h, &info);
	describe_from_proc(&info);
	if (proc_table_upsert(h->procs, &info) == -ENOSPC)
		h->stats.proc_refused++;
}

static void on_fork(struct host_events *h, const struct raqib_event_fork *ev)
{
	const struct proc_info *parent = proc_table_lookup(h->procs, ev->hdr.pid);
	struct proc_info info;

	h->stats.forks++;
	if (!parent || parent->start_ns != ev->hdr.proc_start_ns)
		return; /* learnt from its own records later */
	info = *parent; /* a fork runs the parent's image, in the parent's app instance */
	info.pid = ev->child_pid;
	info.ppid = ev->hdr.pid;
	info.start_ns = ev->child_start_ns;
	info.watched = true;
	if (proc_table_upsert(h->procs, &info) == -ENOSPC)
		h->stats.proc_refused++;
}

/*
 * The process behind a record: the table's entry, or one built from /proc for a process that
 * started before the agent (or whose exec record was lost). Valid until the table changes.
 */
static const struct proc_info *process_of(struct host_events *h, const struct raqib_event_hdr *hdr)
{
	const struct proc_info *p = proc_table_lookup(h->procs, hdr->pid);
	struct proc_info info = { 0 };

	if (p && p->start_ns == hdr->proc_start_ns)
		return p;
	info.pid = hdr->pid;
	info.ppid = hdr->ppid;
	info.uid = hdr->uid;
	info.start_ns = hdr->proc_start_ns;
	info.watched = true; /* only watched processes send these records */
	info.cgroup_id = hdr->cgroup_id;
	memcpy(info.comm, hdr->comm, sizeof(info.comm));
	info.comm[sizeof(info.comm) - 1] = '\0';
	proc_read_exe(info.pid, info.exe, sizeof(info.exe));
	info.app = app_of(h, info.pid, info.exe, info.comm, true);
	set_instance(h, &info);
	describe_from_proc(&info);
	if (proc_table_upsert(h->procs, &info)) {
		h->stats.proc_refused++;
		return NULL;
	}
	return proc_table_lookup(h->procs, info.pid);
}

static void on_process_exit(struct host_events *h, const struct raqib_event_exit *ev)
{
	const struct proc_info *p = proc_table_lookup(h->procs, ev->hdr.pid);

	h->stats.exits++;
	if (!(ev->flags & RAQIB_EVF_WATCHED) && !p)
		return;
	tls_streams_process_exit(h->tls, ev->hdr.pid);
	if (p && p->instance_pid == p->pid) {
		correlator_instance_exit(h->corr, p->pid, p->start_ns, ev->hdr.ts_ns);
		app_instances_forget(h->instances, p->pid, p->start_ns);
	}
	proc_table_remove(h->procs, ev->hdr.pid);
}

/* Files. */

/*
 * Executables and shared libraries (ELF) are not documents: every process opens dozens when it
 * starts, and their strings (maintainer addresses...) would read as personal data.
 */
static bool is_elf(const char *path)
{
	static const unsigned char elf_magic[4] = { 0x7f, 'E', 'L', 'F' };
	unsigned char magic[sizeof(elf_magic)];
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	bool elf;

	if (fd < 0)
		return false;
	elf = pread(fd, magic, sizeof(magic), 0) == (ssize_t)sizeof(magic) &&
	      memcmp(magic, elf_magic, sizeof(magic)) == 0;
	close(fd);
	return elf;
}

/* What inspecting a file version concluded. */
struct inspected {
	struct rules_verdict verdict;
	struct extract_result extract;
};

/* Keeps a settled file version's verdict (a failure only costs a later inspection). */
static void cache_verdict(struct host_events *h, const struct verdict_cache_key *key,
			  const struct inspected *out, int64_t started_ns)
{
	if (verdict_cache_is_settled(key->mtime_ns, started_ns))
		verdict_cache_store(h->cache, key, &out->verdict, &out->extract);
}

/* Inspects the file (or finds its version in the cache); 0 and out filled, or -errno. */
static int inspect(struct host_events *h, const struct file_inspect_request *req,
		   struct inspected *out, struct verdict_cache_key *key)
{
	int64_t started_ns = verdict_cache_now_ns();
	struct file_inspect_result res;
	const char *found = NULL;
	struct stat st;
	int err = -ENOENT;

	memset(out, 0, sizeof(*out));
	for (int i = 0; i < FILE_INSPECT_MAX_PATHS && err; i++)
		if (req->paths[i] && stat(req->paths[i], &st) == 0 && st.st_dev == req->dev &&
		    st.st_ino == req->ino) {
			err = 0;
			found = req->paths[i];
		}
	if (!err) {
		*key = (struct verdict_cache_key){ st.st_dev, st.st_ino, st.st_size,
						   (int64_t)st.st_mtim.tv_sec * 1000000000 +
							   st.st_mtim.tv_nsec };
		if (verdict_cache_lookup(h->cache, key, &out->verdict, &out->extract)) {
			h->stats.cache_hits++;
			return 0;
		}
		if (is_elf(found)) {
			h->stats.binaries++;
			out->extract.status = EXTRACT_NOT_INSPECTED;
			cache_verdict(h, key, out, started_ns);
			return 0;
		}
	}
	err = file_inspect(h->scan, req, &res);
	if (err)
		return err;
	h->stats.inspected++;
	*key = (struct verdict_cache_key){ res.dev, res.ino, res.size, res.mtime_ns };
	out->verdict = res.verdict;
	out->extract = res.extract;
	if (out->extract.sha256_complete) {
		char hex[65];

		alert_hex(out->extract.sha256, sizeof(out->extract.sha256), hex, sizeof(hex));
		rules_verdict_match_sha256(h->rules, &out->verdict, hex);
	}
	cache_verdict(h, key, out, started_ns);
	return 0;
}

/*
 * A file whose only personal data is e-mail addresses, and nothing else that makes it sensitive
 * (no official evidence, no classification mark, not a registered document): a launcher script
 * with its maintainer's address, a fontconfig file or a licence with a copyright line, a mail
 * signature. Such a file is no candidate for an upload nor a "personal data read" -- what a
 * person sends and what the circular is about are citizens' identifiers and official papers;
 * e-mail addresses alone never make a file bulk personal data either (the detection engine).
 */
static bool emails_only(const struct rules_verdict *v)
{
	bool email = false;

	if (v->is_official || v->level != RULES_LEVEL_NONE || v->fingerprint[0])
		return false;
	for (size_t i = 0; i < v->n_findings; i++) {
		if (strcmp(v->findings[i].type, "EMAIL") != 0)
			return false;
		email = true;
	}
	return email;
}

/* Whether some policy would alert on this file leaving or being read. */
static bool worth_staging(const struct host_events *h, const struct staged_file *f,
			  const struct rules_app *app)
{
	struct rules_event_info info = {
		.event = RULES_EVENT_FILE_UPLOAD,
		.app = app,
		.file_path = f->path,
		.sha256 = f->sha256[0] ? f->sha256 : NULL,
		.is_encrypted_container = f->is_encrypted_container,
	};
	struct rules_decision d;

	/* an allowed upload is recorded, and a rule in shadow mode counted: both need staging */
	if (rules_decide(h->rules, &f->verdict, &info, &d) == 0 && rules_decision_is_relevant(&d))
		return true;
	info.event = RULES_EVENT_FILE_READ;
	return rules_decide(h->rules, &f->verdict, &info, &d) == 0 &&
	       rules_decision_is_relevant(&d);
}

static struct recent_open *recent_slot(struct host_events *h, const struct raqib_event_open *ev)
{
	uint64_t k = (ev->ino * 0x9e3779b97f4a7c15ull) ^ ev->hdr.pid;

	return &h->recent[(k >> 20) & (RECENT_SLOTS - 1)];
}

/*
 * True when the process opened this file, unchanged in size, moments ago and it was not
 * sensitive: a process opening a file in a loop costs one lookup per open, not a stat and a
 * cache lookup. (A file rewritten in place at the same size is inspected again within
 * RECENT_NS at most.)
 */
static bool opened_recently(struct host_events *h, const struct raqib_event_open *ev)
{
	const struct recent_open *r = recent_slot(h, ev);

	return r->pid == ev->hdr.pid && r->dev == ev->dev && r->ino == ev->ino &&
	       r->size == ev->size && ev->hdr.ts_ns - r->ts_ns < RECENT_NS;
}

static void remember_open(struct host_events *h, const struct raqib_event_open *ev)
{
	*recent_slot(h, ev) =
		(struct recent_open){ ev->hdr.pid, ev->dev, ev->ino, ev->size, ev->hdr.ts_ns };
}

static void on_open(struct host_events *h, const struct raqib_event_open *ev)
{
	char via_root[PATH_MAX + 32], via_fd[64];
	struct file_inspect_request req = {
		.has_identity = true,
		/* the kernel's dev_t packs major << 20 | minor; userspace's does not */
		.dev = makedev((unsigned)(ev->dev >> 20), (unsigned)(ev->dev & 0xfffff)),
		.ino = (ino_t)ev->ino,
		.limits = &h->config.limits,
	};
	const struct proc_info *proc = process_of(h, &ev->hdr);
	const struct app_instance *inst;
	struct staged_file *f;
	struct inspected cv;
	struct verdict_cache_key key;
	enum own_file own;
	int err;

	h->stats.opens++;
	if (opened_recently(h, ev)) {
		h->stats.cache_hits++;
		return;
	}
	if (!proc)
		return;
	/* the app's own files (launcher, libraries, fonts, profile...) are never candidates */
	inst = app_instances_of(h->instances, h->procs, proc);
	own = own_files_check(h->own, ev->path, inst->install_dir, inst->profile_dir);
	if (own != OWN_FILE_NO) {
		h->stats.own_files[own]++;
		remember_open(h, ev);
		return;
	}
	/*
	 * The fd the app holds is the file itself; failing that (closed already), the path through
	 * /proc/PID/root resolves in the app's own mount namespace; failing that (the app is gone),
	 * the path in ours. A truncated path is relative and only names the file in the alert.
	 */
	snprintf(via_fd, sizeof(via_fd), "/proc/%u/fd/%d", ev->hdr.pid, ev->fd);
	if (ev->path[0] == '/')
		snprintf(via_root, sizeof(via_root), "/proc/%u/root%s", ev->hdr.pid, ev->path);
	req.paths[0] = via_fd;
	req.paths[1] = ev->path[0] == '/' ? via_root : NULL;
	req.paths[2] = ev->path[0] == '/' ? ev->path : NULL;

	err = inspect(h, &req, &cv, &key);
	if (err) {
		h->stats.inspect_failed++;
		log_debug("host", "cannot inspect inode %llu opened by pid %u: %s",
			  (unsigned long long)ev->ino, ev->hdr.pid, strerror(-err));
		return;
	}
	/* findings of detectors in shadow mode too: what they would do is counted */
	if (!rules_verdict_is_sensitive(&cv.verdict) && !cv.verdict.n_findings &&
	    cv.extract.status != EXTRACT_ENCRYPTED && !cv.verdict.fingerprint[0]) {
		rules_verdict_release(&cv.verdict);
		remember_open(h, ev);
		return;
	}
	if (emails_only(&cv.verdict) && cv.extract.status != EXTRACT_ENCRYPTED) {
		h->stats.emails_only++;
		rules_verdict_release(&cv.verdict);
		remember_open(h, ev);
		return;
	}
	f = calloc(1, sizeof(*f)); /* large: not on the stack */
	if (!f) {
		rules_verdict_release(&cv.verdict);
		return;
	}
	f->inst_pid = proc->instance_pid;
	f->inst_start_ns = proc->instance_start_ns;
	memcpy(f->inst_comm, inst->comm, sizeof(f->inst_comm));
	memcpy(f->inst_exe, inst->exe, sizeof(f->inst_exe));
	snprintf(f->app_id, sizeof(f->app_id), "%s", proc->app ? proc->app->id : "");
	f->by_destination = proc->by_destination;
	f->pid = proc->pid;
	f->start_ns = proc->start_ns;
	f->ppid = proc->ppid;
	f->uid = proc->uid;
	memcpy(f->comm, proc->comm, sizeof(f->comm));
	memcpy(f->exe, proc->exe, sizeof(f->exe));
	snprintf(f->cmdline, sizeof(f->cmdline), "%s", proc->cmdline);
	snprintf(f->container_id, sizeof(f->container_id), "%s", proc->container_id);
	snprintf(f->path, sizeof(f->path), "%s%s", ev->path[0] == '/' ? "" : ".../", ev->path);
	f->dev = key.dev;
	f->ino = key.ino;
	f->size = key.size;
	f->mtime_ns = key.mtime_ns;
	if (cv.extract.sha256_complete)
		alert_hex(cv.extract.sha256, sizeof(cv.extract.sha256), f->sha256, sizeof(f->sha256));
	f->is_encrypted_container = cv.extract.status == EXTRACT_ENCRYPTED;
	f->verdict = cv.verdict;
	f->staged_ns = ev->hdr.ts_ns;
	if (!worth_staging(h, f, proc->app)) {
		rules_verdict_release(&f->verdict);
	} else {
		err = correlator_stage(h->corr, f);
		if (err == 0)
			h->stats.staged++;
		else if (err == -EEXIST)
			h->stats.duplicates++;
		if (err)
			rules_verdict_release(&f->verdict);
	}
	explicit_bzero(f, sizeof(*f));
	free(f);
}

static void on_close(struct host_events *h, const struct raqib_event_close *ev)
{
	const struct proc_info *p = proc_table_lookup(h->procs, ev->hdr.pid);

	h->stats.closes++;
	if (p && p->start_ns == ev->hdr.proc_start_ns && ev->bytes_read)
		correlator_note_read(h->corr, p->instance_pid, p->instance_start_ns,
				     makedev((unsigned)(ev->dev >> 20),
					     (unsigned)(ev->dev & 0xfffff)),
				     (ino_t)ev->ino, ev->bytes_read);
}

/* Uploads: what the correlator decided about a staged file. */

static void format_addr(uint16_t family, const uint8_t *addr, char *out, size_t out_len)
{
	if (!inet_ntop(family == AF_INET ? AF_INET : AF_INET6, addr, out, (socklen_t)out_len))
		snprintf(out, out_len, "?");
}

static const char *transport_of(uint16_t proto)
{
	return proto == IPPROTO_TCP ? "tcp" : proto == IPPROTO_UDP ? "udp" : NULL;
}

/*
 * The analyst's sentence for an upload: who, where to, and, when the instance had opened other
 * files, why this one (numbers only: no name or path goes in it).
 */
static void upload_why(const struct staged_file *f, const struct rules_app *app,
		       const struct corr_upload *up, char *out, size_t out_len)
{
	const struct rules_app *to = up->dest_app;
	char who[96];
	int n;

	if (f->by_destination)
		snprintf(
			who, sizeof(who),
			"a program the catalog does not name (%s), talking to the channel's servers,",
			f->comm);
	else if (app && app->kind == RULES_APP_BROWSER)
		snprintf(who, sizeof(who), "a web browser (%s)",
			 f->inst_comm[0] ? f->inst_comm : f->comm);
	else
		snprintf(who, sizeof(who), "this app");
	n = snprintf(
		out, out_len,
		"%s opened this file, then sent %s%s%s as many bytes as the file weighs once prepared for upload",
		who, to ? "to " : "", to ? to->name : "", to ? "" : "out");

	if (n < 0 || (size_t)n >= out_len || up->choice.candidates < 2)
		return;
	if (up->choice.runner_up_size >= 0)
		snprintf(
			out + n, out_len - (size_t)n,
			"; of %u files it had opened, this one's expected upload is the closest to the bytes sent (%.1f %% off; the next closest, %.1f %% off)",
			up->choice.candidates, up->choice.error * 100.0,
			up->choice.runner_up_error * 100.0);
	else
		snprintf(
			out + n, out_len - (size_t)n,
			"; of %u files it had opened, only this one's size fits the bytes sent (%.1f %% off)",
			up->choice.candidates, up->choice.error * 100.0);
}

static void on_outcome(void *ctx, const struct staged_file *f, const struct corr_upload *up)
{
	struct host_events *h = ctx;
	const struct rules_app *app = f->app_id[0] ? rules_app_by_id(h->rules, f->app_id) : NULL;
	const struct rules_app *channel = up && up->dest_app ? up->dest_app : app;
	char uid[16], src[INET6_ADDRSTRLEN], dst[INET6_ADDRSTRLEN], why[512];
	struct rules_event_info info = {
		.event = up ? RULES_EVENT_FILE_UPLOAD : RULES_EVENT_FILE_READ,
		.app = channel,
		.user = uid,
		.file_path = f->path,
		.sha256 = f->sha256[0] ? f->sha256 : NULL,
		.is_encrypted_container = f->is_encrypted_container,
	};
	struct alert_upload upload = { 0 };
	struct alert alert = {
		.kind = ALERT_KIND_FILE,
		.pid = (int)f->pid,
		.ppid = (int)f->ppid,
		.uid = f->uid,
		.process_name = f->comm,
		.process_executable = f->exe[0] ? f->exe : NULL,
		.process_command_line = f->cmdline[0] ? f->cmdline : NULL,
		.container_id = f->container_id[0] ? f->container_id : NULL,
		.app = app ? app->name : NULL,
		.app_instance_pid = (int)f->inst_pid,
		.app_instance_name = f->inst_comm[0] ? f->inst_comm : NULL,
		.app_instance_executable = f->inst_exe[0] ? f->inst_exe : NULL,
		.file_path = f->path,
		.file_size = f->size,
		.file_sha256 = f->sha256[0] ? f->sha256 : NULL,
		.verdict = &f->verdict,
	};

	if (rules_app_is_channel(channel)) {
		alert.channel_id = channel->id;
		alert.channel_name = channel->name;
		alert.channel_kind = rules_app_kind_name(channel->kind);
	}
	if (up) {
		h->stats.uploads++;
		upload_why(f, app, up, why, sizeof(why));
		alert.why = why;
		upload.bytes = up->bytes;
		upload.expected = up->expected;
		upload.flows = up->flows;
		upload.delay_ms = (int64_t)(up->delay_ns / 1000000u);
		upload.sender_pid = up->sender_pid != f->pid ? (int)up->sender_pid : 0;
		upload.candidates = up->choice.candidates;
		upload.in_range = up->choice.in_range;
		upload.match_error = up->choice.error;
		upload.runner_up_size = up->choice.runner_up_size;
		upload.runner_up_error = up->choice.runner_up_error;
		alert.upload = &upload;
		if (up->tuple.family) {
			format_addr(up->tuple.family, up->tuple.saddr, src, sizeof(src));
			format_addr(up->tuple.family, up->tuple.daddr, dst, sizeof(dst));
			alert.source_ip = src;
			alert.source_port = up->tuple.sport;
			alert.destination_ip = dst;
			alert.destination_port = up->tuple.dport;
			alert.transport = transport_of(up->tuple.proto);
		}
		alert.server_name = up->server_name;
		upload_destination(up, &info.dest);
	} else {
		h->stats.read_only++;
		alert.why =
			f->by_destination ?
				"a program the catalog does not name, talking to a consumer channel's servers, opened a file holding personal data or an official document; no matching upload followed" :
				"an app of a consumer channel opened a file holding personal data or an official document; no matching upload followed";
	}
	snprintf(uid, sizeof(uid), "%u", f->uid);
	decide_and_send(h, &f->verdict, &info, &alert);
}

/* Sockets. */

static void on_flow(struct host_events *h, const struct raqib_event_flow *ev)
{
	const struct proc_info *p = process_of(h, &ev->hdr);
	struct corr_flow_update u = {
		.pid = ev->hdr.pid,
		.start_ns = ev->hdr.proc_start_ns,
		.sk = ev->sk,
		.bytes = ev->bytes,
		.first_ns = ev->first_ns,
		.ts_ns = ev->hdr.ts_ns,
		.closed = ev->reason == RAQIB_FLOW_CLOSE,
	};
	struct conn_owner owner = { 0 };
	struct conn_tuple ct = { 0 };

	h->stats.flow_records++;
	if (!p)
		return;
	u.inst_pid = p->instance_pid;
	u.inst_start_ns = p->instance_start_ns;
	u.app = p->app;
	if (ev->family) {
		u.tuple.family = ev->family;
		u.tuple.proto = ev->proto;
		u.tuple.sport = ev->sport;
		u.tuple.dport = ev->dport;
		memcpy(u.tuple.saddr, ev->saddr, sizeof(u.tuple.saddr));
		memcpy(u.tuple.daddr, ev->daddr, sizeof(u.tuple.daddr));
	}
	correlator_flow(h->corr, &u);
	if (h->config.conns &&
	    (ev->family || correlator_flow_tuple(h->corr, u.pid, u.sk, &u.tuple))) {
		ct.family = (uint8_t)u.tuple.family;
		ct.proto = (uint8_t)u.tuple.proto;
		ct.local_port = u.tuple.sport;
		ct.remote_port = u.tuple.dport;
		memcpy(ct.local_addr, u.tuple.saddr, sizeof(ct.local_addr));
		memcpy(ct.remote_addr, u.tuple.daddr, sizeof(ct.remote_addr));
		owner.pid = p->pid;
		owner.start_ns = p->start_ns;
		owner.uid = p->uid;
		memcpy(owner.comm, p->comm, sizeof(owner.comm));
		owner.app = p->app;
		owner.bytes_sent = ev->bytes;
		conn_table_set(h->config.conns, &ct, &owner, ev->hdr.ts_ns / 1000u);
	}
	if (u.closed)
		tls_streams_socket_closed(h->tls, ev->hdr.pid, ev->sk);
}

/* TLS plaintext streams. */

static void on_tls_end(void *ctx, const struct tls_stream_info *s, struct rules_verdict *v)
{
	struct host_events *h = ctx;
	const struct proc_info *p = proc_table_lookup(h->procs, s->pid);
	const struct rules_app *app = p && p->start_ns == s->start_ns ? p->app : NULL;
	char uid[16], src[INET6_ADDRSTRLEN], dst[INET6_ADDRSTRLEN];
	struct rules_event_info info = {
		.event = RULES_EVENT_TLS_PLAINTEXT,
		.app = app,
		.user = uid,
	};
	struct alert alert = {
		.kind = ALERT_KIND_NETWORK,
		.why = "a watched app wrote this content into a TLS connection (plaintext seen before encryption)",
		.pid = (int)s->pid,
		.ppid = p ? (int)p->ppid : 0,
		.uid = s->uid,
		.process_name = s->comm,
		.process_executable = p && p->exe[0] ? p->exe : NULL,
		.process_command_line = p && p->cmdline[0] ? p->cmdline : NULL,
		.container_id = p && p->container_id[0] ? p->container_id : NULL,
		.app = app ? app->name : NULL,
		.protocol = "tls",
		.file_size = -1,
		.verdict = v,
	};

	h->stats.tls_streams++;
	snprintf(uid, sizeof(uid), "%u", s->uid);
	/* NSPR's PR_Write also writes plain files: only a stream that reached a socket counts */
	if ((!rules_verdict_is_sensitive(v) && !v->n_findings) ||
	    (s->lib == RAQIB_TLS_NSS && !s->bound))
		goto out;
	if (s->bound && correlator_flow_matched(h->corr, s->pid, s->sk)) {
		h->stats.tls_confirmed++; /* the file upload alert already covers it */
		goto out;
	}
	if (s->bound) {
		format_addr(s->family, s->saddr, src, sizeof(src));
		format_addr(s->family, s->daddr, dst, sizeof(dst));
		alert.source_ip = src;
		alert.source_port = s->sport;
		alert.destination_ip = dst;
		alert.destination_port = s->dport;
		alert.transport = "tcp";
		if (s->family == AF_INET || s->family == AF_INET6) {
			info.dest.family = s->family;
			memcpy(info.dest.addr, s->daddr, s->family == AF_INET ? 4 : 16);
		}
	}
	decide_and_send(h, v, &info, &alert);
out:
	rules_verdict_release(v);
}

int host_events_on_event(void *ctx, const struct raqib_event_hdr *hdr)
{
	struct host_events *h = ctx;

	switch (hdr->kind) {
	case RAQIB_EV_EXEC:
		on_exec(h, (const struct raqib_event_exec *)hdr);
		break;
	case RAQIB_EV_FORK:
		on_fork(h, (const struct raqib_event_fork *)hdr);
		break;
	case RAQIB_EV_EXIT:
		on_process_exit(h, (const struct raqib_event_exit *)hdr);
		break;
	case RAQIB_EV_OPEN:
		on_open(h, (const struct raqib_event_open *)hdr);
		break;
	case RAQIB_EV_CLOSE:
		on_close(h, (const struct raqib_event_close *)hdr);
		break;
	case RAQIB_EV_CONNECT:
		h->stats.connects++; /* the flow records carry the full 4-tuple */
		break;
	case RAQIB_EV_FLOW:
		on_flow(h, (const struct raqib_event_flow *)hdr);
		break;
	case RAQIB_EV_TLS_DATA:
		h->stats.tls_records++;
		process_of(h, hdr);
		tls_streams_data(h->tls, (const struct raqib_event_tls_data *)hdr);
		break;
	case RAQIB_EV_TLS_BIND:
		tls_streams_bind(h->tls, (const struct raqib_event_tls_bind *)hdr);
		break;
	case RAQIB_EV_PACKET:
		packet_names_on_packet(h->names, (const struct raqib_event_packet *)hdr);
		break;
	case RAQIB_EV_DEST:
		on_dest(h, (const struct raqib_event_dest *)hdr);
		break;
	default:
		break;
	}
	return 0;
}

void host_events_tick(struct host_events *h, uint64_t now_ns)
{
	correlator_tick(h->corr, now_ns);
	tls_streams_tick(h->tls, now_ns);
	if (h->config.conns)
		conn_table_expire(h->config.conns, now_ns / 1000u, CONN_IDLE_US);
}

void host_events_flush(struct host_events *h)
{
	/* streams first: an upload matched by bytes already in hand still silences its stream */
	tls_streams_flush(h->tls);
	correlator_flush(h->corr);
}

static void refresh_app(void *ctx, struct proc_info *info)
{
	const struct rules *rules = ctx;
	const struct rules_app *app = rules_app_by_exe(rules, info->exe);

	if (!app)
		app = rules_app_by_comm(rules, info->comm);
	/* a helper process keeps the app of its tree, and a process watched for where it connected
	 * its channel, by id in the new catalog */
	if ((!app || info->by_destination) && info->watched && info->app)
		app = rules_app_by_id(rules, info->app->id);
	info->app = app;
}

int host_events_set_rules(struct host_events *h, const struct rules *rules)
{
	struct rules_scan *scan = rules_scan_new(rules);

	if (!scan)
		return -ENOMEM;
	/* streams in progress are decided with the rules they started with */
	tls_streams_set_rules(h->tls, rules);
	rules_scan_free(h->scan);
	h->scan = scan;
	h->rules = rules;
	proc_table_foreach(h->procs, refresh_app, (void *)rules);
	correlator_set_rules(h->corr, rules);
	verdict_cache_clear(h->cache);
	if (h->config.conns)
		conn_table_clear(h->config.conns); /* refilled from the next flow records */
	return 0;
}

void host_events_get_stats(const struct host_events *h, struct host_events_stats *stats)
{
	struct proc_table_stats ps;

	struct packet_names_stats ns;

	*stats = h->stats;
	proc_table_get_stats(h->procs, &ps);
	stats->proc_refused = ps.refused;
	packet_names_get_stats(h->names, &ns);
	stats->names_dns = ns.dns_answers;
	stats->names_hellos = ns.hellos + ns.quic_initials;
	stats->names_connections = ns.named;
	stats->names_quic_unknown = ns.quic_unknown;
}

void host_events_report(const struct host_events *h, host_events_put_fn put, void *ctx)
{
	struct host_events_stats s;
	struct correlator_stats cs;
	char v[24];
	const struct {
		const char *key;
		const uint64_t *value;
	} rows[] = {
		{ "host.execs", &s.execs },
		{ "host.opens", &s.opens },
		{ "host.inspected", &s.inspected },
		{ "host.cache_hits", &s.cache_hits },
		{ "host.binaries", &s.binaries },
		{ "host.emails_only", &s.emails_only },
		{ "host.flow_records", &s.flow_records },
		{ "host.tls_records", &s.tls_records },
		{ "host.staged", &s.staged },
		{ "host.uploads", &s.uploads },
		{ "host.read_only", &s.read_only },
		{ "host.tls_streams", &s.tls_streams },
		{ "host.tls_confirmed", &s.tls_confirmed },
		{ "host.names.dns", &s.names_dns },
		{ "host.names.handshakes", &s.names_hellos },
		{ "host.names.connections", &s.names_connections },
		{ "host.names.quic_unknown", &s.names_quic_unknown },
		{ "host.alerts", &s.alerts },
		{ "host.shadow", &s.shadow },
		{ "host.drops.inspect_failed", &s.inspect_failed },
		{ "host.drops.proc_refused", &s.proc_refused },
		{ "host.drops.alerts_failed", &s.alerts_failed },
		{ "host.drops.staged_evicted", &cs.evicted },
		{ "host.drops.flows_evicted", &cs.flows_evicted },
	};

	host_events_get_stats(h, &s);
	correlator_get_stats(h->corr, &cs);
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		snprintf(v, sizeof(v), "%llu", (unsigned long long)*rows[i].value);
		put(ctx, rows[i].key, v);
	}
	snprintf(v, sizeof(v), "%zu", cs.pending);
	put(ctx, "host.pending", v);
	for (int i = OWN_FILE_NO + 1; i < OWN_FILE_MAX; i++) {
		char key[48];

		snprintf(key, sizeof(key), "host.own_files.%s", own_file_name(i));
		snprintf(v, sizeof(v), "%llu", (unsigned long long)s.own_files[i]);
		put(ctx, key, v);
	}
}
