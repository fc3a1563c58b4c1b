// SPDX-License-Identifier: GPL-2.0-only
/*
 * eBPF host sensor loader (see bpf_sensor.h). Start-up follows the checks of
 * ../shared/notes/ebpf-on-this-kernel.md section 9: privileges first, then BTF, then tracefs,
 * then each tier in its own BPF object so that a tier the kernel refuses costs only what it
 * covers: the core object (required), the TLS object (optional), the probe object (report only).
 *
 * The sensor also keeps the TLS uprobes in step with the watched processes: records it reads
 * say when a watched process starts, forks, opens a TLS library or exits, and it hooks or
 * unhooks that process before handing the record on.
 */
#include "bpf_sensor.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <cap-ng.h>
#include <linux/capability.h>

#include "raqib/log.h"
#include "core.skel.h"
#include "event_decode.h"
#include "names_tier.h"
#include "probe.skel.h"
#include "tls_probes.h"

/* Flow-map scan: remembered byte counts, open addressing, twice the map's size. */
#define SCAN_SLOTS (2 * RAQIB_FLOWS_MAX)
/* Passes over /proc to find the descendants of running apps at start-up. */
#define TREE_PASSES 8

struct scan_slot {
	uint64_t sk; /* 0: empty */
	uint64_t bytes;
};

struct bpf_sensor {
	struct core *skel;
	struct tls_probes *tls;
	struct names_tier *names;
	struct ring_buffer *rb;
	host_event_sink_fn sink;
	void *sink_ctx;
	bool (*watch_exe)(void *ctx, const char *exe);
	void *watch_exe_ctx;
	struct bpf_sensor_stats stats;
	struct bpf_sensor_status status;
	struct scan_slot *scan_prev, *scan_next;
	union event_buf buf; /* decoded record; large (TLS data), so not on the stack */
};

/* Mirrors struct flow_state of core.bpf.c (the value of raqib_flows). */
struct flow_value {
	uint64_t bytes;
	uint64_t sends;
	uint64_t first_ns;
	uint64_t last_ns;
	uint64_t reported;
	uint64_t start_ns;
	uint64_t cgroup_id;
	uint32_t tgid;
	uint32_t uid;
	uint32_t ppid;
	uint32_t pad;
	char comm[RAQIB_COMM_LEN];
};

_Static_assert(sizeof(struct flow_value) == 88, "flow_state layout of core.bpf.c");

static const char *const part_names[BPF_PART_MAX] = {
	[BPF_PART_CORE] = "core",     [BPF_PART_TLS] = "tls", [BPF_PART_NAMES] = "names",
	[BPF_PART_FENTRY] = "fentry", [BPF_PART_LSM] = "lsm", [BPF_PART_KPROBE] = "kprobe",
};

const char *bpf_part_state_name(enum bpf_part_state state)
{
	switch (state) {
	case BPF_PART_ATTACHED:
		return "attached";
	case BPF_PART_FALLBACK:
		return "fallback";
	case BPF_PART_AVAILABLE:
		return "available";
	case BPF_PART_UNAVAILABLE:
		return "unavailable";
	case BPF_PART_OFF:
		return "off";
	}
	return "unknown";
}

void bpf_sensor_config_default(struct bpf_sensor_config *c)
{
	memset(c, 0, sizeof(*c));
	c->tls = true;
	c->names = true;
	c->tls_max_bytes = 4 * RAQIB_TLS_CHUNK_MAX;
	c->flow_report_bytes = 1u << 20;
	c->flow_burst_gap_ms = 100;
	c->reopen_quiet_ms = 1000;
}

/* Effective capabilities of this process, from /proc/self/status. */
static int read_cap_eff(uint64_t *caps)
{
	char line[256];
	FILE *f = fopen("/proc/self/status", "re");
	int err = -ENOENT;

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		char *end;

		if (strncmp(line, "CapEff:", 7) != 0)
			continue;
		errno = 0;
		*caps = strtoull(line + 7, &end, 16);
		err = errno || end == line + 7 ? -EINVAL : 0;
		break;
	}
	fclose(f);
	return err;
}

static bool has_cap(uint64_t caps, int bit)
{
	return caps & (1ull << bit);
}

static bool tracefs_ready(void)
{
	return access("/sys/kernel/tracing/events/syscalls/sys_exit_openat/id", R_OK) == 0;
}

int bpf_sensor_preflight(char *err, size_t err_len)
{
	uint64_t caps = 0;

	if (read_cap_eff(&caps) < 0 || !(has_cap(caps, CAP_SYS_ADMIN) ||
					 (has_cap(caps, CAP_BPF) && has_cap(caps, CAP_PERFMON)))) {
		snprintf(err, err_len,
			 "the host sensor needs root, or CAP_BPF and CAP_PERFMON: run it with sudo");
		return -EPERM;
	}
	if (access("/sys/kernel/btf/vmlinux", R_OK) != 0) {
		snprintf(err, err_len,
			 "unsupported kernel: /sys/kernel/btf/vmlinux is missing (a kernel built with CONFIG_DEBUG_INFO_BTF is needed)");
		return -ENOTSUP;
	}
	if (!tracefs_ready()) {
		if (mount("tracefs", "/sys/kernel/tracing", "tracefs", 0, NULL) != 0 &&
		    errno != EBUSY)
			log_warn("bpf", "cannot mount tracefs on /sys/kernel/tracing: %s",
				 strerror(errno));
		else if (tracefs_ready())
			log_info("bpf", "mounted tracefs on /sys/kernel/tracing");
	}
	/* securityfs shows the lockdown mode the status reports; not needed otherwise */
	if (access("/sys/kernel/security/lockdown", R_OK) != 0)
		mount("securityfs", "/sys/kernel/security", "securityfs", 0, NULL);
	return 0;
}

/* libbpf's messages go through our log: warnings as warnings, the rest at debug level, and its
 * per-relocation chatter only at trace level (-vv). */
static int libbpf_log(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	char text[4096];
	size_t len;

	if (level == LIBBPF_DEBUG && !log_is_enabled(RAQIB_LOG_TRACE))
		return 0;
	vsnprintf(text, sizeof(text), fmt, ap);
	if (strncmp(text, "libbpf: ", 8) == 0)
		memmove(text, text + 8, strlen(text + 8) + 1);
	len = strlen(text);
	while (len > 0 && text[len - 1] == '\n')
		text[--len] = '\0';
	if (level == LIBBPF_WARN)
		log_debug("libbpf", "%s", text); /* each failure is reported once by its caller */
	else if (level == LIBBPF_INFO)
		log_debug("libbpf", "%s", text);
	else
		log_msg(RAQIB_LOG_TRACE, "libbpf", "%s", text);
	return 0;
}

static void set_part(struct bpf_sensor *s, enum bpf_part part, enum bpf_part_state state,
		     const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void set_part(struct bpf_sensor *s, enum bpf_part part, enum bpf_part_state state,
		     const char *fmt, ...)
{
	struct bpf_part_status *p = &s->status.parts[part];
	va_list ap;

	p->state = state;
	va_start(ap, fmt);
	vsnprintf(p->detail, sizeof(p->detail), fmt, ap);
	va_end(ap);
}

/* Keeps the TLS probes in step with the watched processes, from the records themselves. */
static void follow_tls(struct bpf_sensor *s, const union event_buf *b)
{
	switch (b->hdr.kind) {
	case RAQIB_EV_EXEC:
		if (b->exec.flags & RAQIB_EVF_WATCHED) {
			tls_probes_forget_pid(s->tls, b->hdr.pid); /* a new image: new mappings */
			tls_probes_scan_pid(s->tls, b->hdr.pid);
		}
		break;
	case RAQIB_EV_FORK:
		tls_probes_scan_pid(s->tls, b->fork.child_pid);
		break;
	case RAQIB_EV_OPEN:
		/* the dynamic loader or dlopen() opening libssl: hooked before it is mapped */
		tls_probes_attach_path(s->tls, b->hdr.pid, b->open.path);
		break;
	case RAQIB_EV_EXIT:
		if (b->exit.flags & RAQIB_EVF_WATCHED)
			tls_probes_forget_pid(s->tls, b->hdr.pid);
		break;
	default:
		break;
	}
}

/* Marks pid watched in the kernel (a process userspace decided to watch). */
static bool mark_watched(struct bpf_sensor *s, uint32_t pid)
{
	__u8 one = 1;
	__u32 k = pid;

	return bpf_map_update_elem(bpf_map__fd(s->skel->maps.raqib_watched), &k, &one, BPF_ANY) ==
	       0;
}

static int on_record(void *ctx, void *data, size_t size)
{
	struct bpf_sensor *s = ctx;
	union event_buf *b = &s->buf;
	int err = event_decode(data, size, b);

	if (err) {
		s->stats.bad_records++;
		return 0; /* skip it, go on */
	}
	/* an app the catalog names by its install path only: watched from its exec on */
	if (b->hdr.kind == RAQIB_EV_EXEC && !(b->exec.flags & RAQIB_EVF_WATCHED) && s->watch_exe &&
	    b->hdr.pid != (uint32_t)getpid() && s->watch_exe(s->watch_exe_ctx, b->exec.filename) &&
	    mark_watched(s, b->hdr.pid)) {
		b->exec.flags |= RAQIB_EVF_WATCHED;
		s->stats.watched_by_path++;
	}
	if (s->tls)
		follow_tls(s, b);
	s->stats.records++;
	if (b->hdr.kind == RAQIB_EV_DEST) {
		s->stats.watched_by_dest++;
		if (s->tls)
			tls_probes_scan_pid(s->tls, b->hdr.pid);
	}
	s->sink(s->sink_ctx, &b->hdr);
	return 0;
}

static int fill_watch_names(struct bpf_sensor *s, const char *const *names, size_t n)
{
	int fd = bpf_map__fd(s->skel->maps.raqib_watch_names);
	__u8 one = 1;

	for (size_t i = 0; i < n; i++) {
		char key[RAQIB_COMM_LEN] = { 0 };

		/* comm keeps the first 15 bytes of the executable's file name */
		strncpy(key, names[i], sizeof(key) - 1);
		if (bpf_map_update_elem(fd, key, &one, BPF_ANY))
			return -errno;
	}
	return 0;
}

/*
 * The hash of a server name's suffix as names.bpf.c computes it over a ClientHello's SNI: bytes
 * read from the last to the first, lower case, FNV-1a (events.h).
 */
static uint64_t name_suffix_hash(const char *suffix)
{
	uint64_t h = RAQIB_NAME_HASH_SEED;

	for (size_t i = strlen(suffix); i > 0; i--)
		h = (h ^ (uint8_t)tolower((unsigned char)suffix[i - 1])) * RAQIB_NAME_HASH_MUL;
	return h;
}

static void dest_app_value(struct raqib_dest_app *v, const char *app_id, bool exact)
{
	memset(v, 0, sizeof(*v));
	snprintf(v->app_id, sizeof(v->app_id), "%s", app_id);
	v->exact = exact;
}

/* Empties a hash map or an LPM trie (keys of 32 bytes at most). */
static int empty_map(int fd)
{
	uint8_t key[32];

	while (bpf_map_get_next_key(fd, NULL, key) == 0)
		if (bpf_map_delete_elem(fd, key))
			return -errno;
	return 0;
}

int bpf_sensor_set_destinations(struct bpf_sensor *s, const struct bpf_sensor_dests *d,
				size_t *skipped)
{
	int names_fd = bpf_map__fd(s->skel->maps.raqib_dest_names);
	int ranges_fd = bpf_map__fd(s->skel->maps.raqib_dest_ranges);
	size_t skip = 0;
	int rc;

	rc = empty_map(names_fd);
	if (!rc)
		rc = empty_map(ranges_fd);
	/* exact names first: a wildcard for the same suffix replaces them */
	for (int pass = 0; !rc && pass < 2; pass++) {
		for (size_t i = 0; !rc && i < d->n_names; i++) {
			const char *p = d->names[i].pattern;
			bool wild = strncmp(p, "*.", 2) == 0;
			struct raqib_dest_app v;
			uint64_t h;

			if (strpbrk(wild ? p + 2 : p, "*?[") || strlen(p) >= RAQIB_SNI_MAX) {
				skip += pass == 0;
				continue;
			}
			if (wild != (pass == 1))
				continue;
			h = name_suffix_hash(wild ? p + 2 : p);
			dest_app_value(&v, d->names[i].app_id, !wild);
			if (bpf_map_update_elem(names_fd, &h, &v, wild ? BPF_ANY : BPF_NOEXIST) &&
			    errno != EEXIST)
				rc = -errno;
		}
	}
	for (size_t i = 0; !rc && i < d->n_ranges; i++) {
		const struct bpf_dest_range *r = &d->ranges[i];
		struct raqib_dest_range_key k = { 0 };
		struct raqib_dest_app v;

		/* IPv4 as ::ffff:a.b.c.d, as the connect hook looks it up */
		if (r->family == AF_INET) {
			k.addr[10] = k.addr[11] = 0xff;
			memcpy(k.addr + 12, r->addr, 4);
			k.prefixlen = 96 + r->bits;
		} else {
			memcpy(k.addr, r->addr, 16);
			k.prefixlen = r->bits;
		}
		dest_app_value(&v, r->app_id, false);
		if (bpf_map_update_elem(ranges_fd, &k, &v, BPF_ANY))
			rc = -errno;
	}
	if (skipped)
		*skipped = skip;
	return rc;
}

int bpf_sensor_set_watch_names(struct bpf_sensor *s, const char *const *names, size_t n)
{
	int fd = bpf_map__fd(s->skel->maps.raqib_watch_names);
	char key[RAQIB_COMM_LEN];

	/* empty the map, then fill it again: names that left the catalog stop being watched for
	 * new processes (running ones keep their state until they exit) */
	while (bpf_map_get_next_key(fd, NULL, key) == 0) {
		if (bpf_map_delete_elem(fd, key))
			return -errno;
	}
	return fill_watch_names(s, names, n);
}

/* comm and parent of a running process, from /proc/PID/stat ("pid (comm) state ppid ..."). */
static int read_stat(unsigned pid, char *comm, size_t comm_len, unsigned *ppid)
{
	char path[64], line[512];
	char *open, *close;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%u/stat", pid);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	if (!fgets(line, sizeof(line), f)) {
		fclose(f);
		return -EIO;
	}
	fclose(f);
	open = strchr(line, '(');
	close = strrchr(line, ')');
	if (!open || !close || close < open || close[1] != ' ' || !close[2] || close[3] != ' ')
		return -EINVAL;
	*close = '\0';
	snprintf(comm, comm_len, "%s", open + 1);
	*ppid = (unsigned)strtoul(close + 4, NULL, 10);
	return 0;
}

/*
 * Processes that started before the agent: those named in the watch list, and their
 * descendants, are watched from now on (their exec happened before the programs were attached).
 * The pipeline learns about them from their next record.
 */
static void watch_running(struct bpf_sensor *s)
{
	int names_fd = bpf_map__fd(s->skel->maps.raqib_watch_names);
	int watched_fd = bpf_map__fd(s->skel->maps.raqib_watched);
	unsigned self = (unsigned)getpid(), n_watched = 0;
	__u8 one = 1, v;
	bool changed = true;

	for (int pass = 0; pass < TREE_PASSES && changed; pass++) {
		DIR *d = opendir("/proc");
		struct dirent *de;

		changed = false;
		if (!d)
			return;
		while ((de = readdir(d))) {
			char comm[RAQIB_COMM_LEN] = { 0 }, key[RAQIB_COMM_LEN] = { 0 };
			unsigned pid, ppid;
			__u32 k;

			if (!isdigit((unsigned char)de->d_name[0]))
				continue;
			pid = (unsigned)strtoul(de->d_name, NULL, 10);
			k = pid;
			if (pid == self || (bpf_map_lookup_elem(watched_fd, &k, &v) == 0 && v))
				continue;
			if (read_stat(pid, comm, sizeof(comm), &ppid))
				continue;
			memcpy(key, comm, sizeof(key) - 1);
			k = ppid;
			if (bpf_map_lookup_elem(names_fd, key, &v) != 0 &&
			    (bpf_map_lookup_elem(watched_fd, &k, &v) != 0 || !v))
				continue;
			k = pid;
			if (bpf_map_update_elem(watched_fd, &k, &one, BPF_ANY))
				continue;
			changed = true;
			n_watched++;
			if (s->tls)
				tls_probes_scan_pid(s->tls, pid);
		}
		closedir(d);
	}
	if (n_watched)
		log_info("bpf", "watching %u processes of apps that started before the agent",
			 n_watched);
}

static void read_lockdown(struct bpf_sensor *s)
{
	char line[128];
	FILE *f = fopen("/sys/kernel/security/lockdown", "re");
	char *open, *close;

	snprintf(s->status.lockdown, sizeof(s->status.lockdown), "unknown");
	if (!f)
		return;
	/* "none [integrity] confidentiality": the mode in force is bracketed */
	if (fgets(line, sizeof(line), f)) {
		open = strchr(line, '[');
		close = open ? strchr(open, ']') : NULL;
		if (open && close) {
			*close = '\0';
			snprintf(s->status.lockdown, sizeof(s->status.lockdown), "%s", open + 1);
		}
	}
	fclose(f);
}

/* Loads one program of the probe object alone (and attaches it, for kprobes). */
static void probe_one(struct bpf_sensor *s, enum bpf_part part)
{
	struct probe *skel = probe__open();
	struct bpf_program *want, *prog;
	struct bpf_link *link;
	int rc;

	if (!skel) {
		set_part(s, part, BPF_PART_UNAVAILABLE, "cannot open the probe object: %s",
			 strerror(errno));
		return;
	}
	want = part == BPF_PART_FENTRY ? skel->progs.probe_fentry :
	       part == BPF_PART_LSM    ? skel->progs.probe_lsm :
					 skel->progs.probe_kprobe;
	bpf_object__for_each_program(prog, skel->obj)
		bpf_program__set_autoload(prog, prog == want);
	rc = probe__load(skel);
	if (rc) {
		set_part(s, part, BPF_PART_UNAVAILABLE, "load refused: %s", strerror(-rc));
		goto out;
	}
	link = bpf_program__attach(want);
	if (!link) {
		set_part(s, part, BPF_PART_UNAVAILABLE, "attach refused: %s", strerror(errno));
		goto out;
	}
	bpf_link__destroy(link);
	set_part(s, part, BPF_PART_AVAILABLE, "loads and attaches; not used by this agent");
out:
	probe__destroy(skel);
}

/*
 * Entries of the watched array (indexed by pid): kernel.pid_max, the highest pid plus one.
 * Pids past it (pid_max raised while the agent runs) are counted as WATCH_FULL drops.
 */
static uint32_t watched_array_size(void)
{
	FILE *f = fopen("/proc/sys/kernel/pid_max", "re");
	unsigned long v = 0;

	if (f) {
		if (fscanf(f, "%lu", &v) != 1)
			v = 0;
		fclose(f);
	}
	/* PID_MAX_LIMIT is 4 Mi on 64-bit kernels: one byte per pid, 4 MiB at most */
	if (v < RAQIB_WATCHED_PIDS_DEFAULT || v > (4ul << 20))
		v = v > (4ul << 20) ? 4ul << 20 : RAQIB_WATCHED_PIDS_DEFAULT;
	return (uint32_t)v;
}

static int load_core(struct bpf_sensor *s, const struct bpf_sensor_config *c, char *err,
		     size_t err_len)
{
	struct bpf_program *syscall_tps[] = {
		s->skel->progs.handle_exit_openat, s->skel->progs.handle_exit_openat2,
		s->skel->progs.handle_exit_open,   s->skel->progs.handle_enter_close,
		s->skel->progs.handle_enter_connect,
	};
	bool raw = !tracefs_ready();
	int rc;

	rc = bpf_map__set_max_entries(s->skel->maps.raqib_watched, watched_array_size());
	if (rc) {
		snprintf(err, err_len, "cannot size the watched-process map: %s", strerror(-rc));
		return rc;
	}
	s->skel->rodata->self_tgid = (__u32)getpid();
	s->skel->rodata->flow_report_bytes = c->flow_report_bytes ? c->flow_report_bytes : 1;
	s->skel->rodata->flow_burst_gap_ns = c->flow_burst_gap_ms * 1000000ull;
	s->skel->rodata->reopen_quiet_ns = c->reopen_quiet_ms * 1000000ull;
	for (size_t i = 0; i < sizeof(syscall_tps) / sizeof(syscall_tps[0]); i++)
		bpf_program__set_autoload(syscall_tps[i], !raw);
	bpf_program__set_autoload(s->skel->progs.handle_raw_sys_exit, raw);
	if (!raw) {
		/* legacy open(2) does not exist on every architecture */
		if (access("/sys/kernel/tracing/events/syscalls/sys_exit_open/id", R_OK) != 0)
			bpf_program__set_autoload(s->skel->progs.handle_exit_open, false);
	}
	rc = core__load(s->skel);
	if (rc) {
		snprintf(err, err_len, "cannot load the core BPF programs: %s", strerror(-rc));
		return rc;
	}
	rc = fill_watch_names(s, c->watch_names, c->n_names);
	if (rc) {
		snprintf(err, err_len, "cannot fill the watch list: %s", strerror(-rc));
		return rc;
	}
	rc = bpf_sensor_set_destinations(s, &c->dests, NULL);
	if (rc) {
		snprintf(err, err_len, "cannot fill the channels' names and ranges: %s",
			 strerror(-rc));
		return rc;
	}
	rc = core__attach(s->skel);
	if (rc) {
		snprintf(err, err_len, "cannot attach the core BPF programs: %s", strerror(-rc));
		return rc;
	}
	if (raw)
		set_part(s, BPF_PART_CORE, BPF_PART_FALLBACK,
			 "raw_tp/sys_exit (tracefs unavailable: every syscall exit is traced)");
	else
		set_part(s, BPF_PART_CORE, BPF_PART_ATTACHED,
			 "syscall tracepoints, tp_btf sched and sock");
	return 0;
}

static void load_tls(struct bpf_sensor *s, const struct bpf_sensor_config *c)
{
	struct tls_probes_maps maps = {
		.events = bpf_map__fd(s->skel->maps.raqib_events),
		.watched = bpf_map__fd(s->skel->maps.raqib_watched),
		.tls_active = bpf_map__fd(s->skel->maps.raqib_tls_active),
		.drops = bpf_map__fd(s->skel->maps.raqib_drops),
	};
	uint32_t chunks = (c->tls_max_bytes + RAQIB_TLS_CHUNK_MAX - 1) / RAQIB_TLS_CHUNK_MAX;
	char err[256];

	if (!c->tls) {
		set_part(s, BPF_PART_TLS, BPF_PART_OFF, "turned off (--no-tls)");
		return;
	}
	if (access("/sys/bus/event_source/devices/uprobe", F_OK) != 0) {
		set_part(s, BPF_PART_TLS, BPF_PART_UNAVAILABLE,
			 "no uprobe PMU (kernel without CONFIG_UPROBES)");
		s->status.degraded = true;
		return;
	}
	s->tls = tls_probes_new(&maps, chunks ? chunks : 1, err, sizeof(err));
	if (!s->tls) {
		set_part(s, BPF_PART_TLS, BPF_PART_UNAVAILABLE, "%s", err);
		s->status.degraded = true;
		return;
	}
	set_part(s, BPF_PART_TLS, BPF_PART_ATTACHED,
		 "uprobes per watched process: OpenSSL, GnuTLS, NSS; %u bytes per call",
		 (chunks ? chunks : 1) * RAQIB_TLS_CHUNK_MAX);
}

static void load_names(struct bpf_sensor *s, const struct bpf_sensor_config *c)
{
	struct names_tier_maps maps = {
		.events = bpf_map__fd(s->skel->maps.raqib_events),
		.watched = bpf_map__fd(s->skel->maps.raqib_watched),
		.tls_active = bpf_map__fd(s->skel->maps.raqib_tls_active),
		.drops = bpf_map__fd(s->skel->maps.raqib_drops),
		.dest_names = bpf_map__fd(s->skel->maps.raqib_dest_names),
		.dest_ranges = bpf_map__fd(s->skel->maps.raqib_dest_ranges),
		.dest_socks = bpf_map__fd(s->skel->maps.raqib_dest_socks),
		.dest_gate = bpf_map__fd(s->skel->maps.raqib_dest_gate),
	};
	char err[256], where[256];

	if (!c->names) {
		set_part(s, BPF_PART_NAMES, BPF_PART_OFF, "turned off (--no-names)");
		return;
	}
	s->names = names_tier_new(&maps, where, sizeof(where), err, sizeof(err));
	if (!s->names) {
		set_part(s, BPF_PART_NAMES, BPF_PART_UNAVAILABLE, "%s", err);
		s->status.degraded = true;
		return;
	}
	set_part(s, BPF_PART_NAMES, BPF_PART_ATTACHED,
		 "cgroup_skb on %s: DNS answers, TLS ClientHellos, QUIC Initials", where);
}

static void log_status(const struct bpf_sensor *s)
{
	for (int i = 0; i < BPF_PART_MAX; i++) {
		const struct bpf_part_status *p = &s->status.parts[i];

		if (p->state == BPF_PART_UNAVAILABLE && i <= BPF_PART_NAMES)
			log_warn("bpf", "%s: %s: %s; degraded", p->name,
				 bpf_part_state_name(p->state), p->detail);
		else
			log_info("bpf", "%s: %s: %s", p->name, bpf_part_state_name(p->state),
				 p->detail);
	}
	log_info("bpf", "kernel lockdown: %s", s->status.lockdown);
}

struct bpf_sensor *bpf_sensor_new(const struct bpf_sensor_config *c, char *err, size_t err_len)
{
	struct bpf_sensor *s = calloc(1, sizeof(*s));

	if (!s) {
		snprintf(err, err_len, "out of memory");
		return NULL;
	}
	for (int i = 0; i < BPF_PART_MAX; i++) {
		s->status.parts[i].name = part_names[i];
		s->status.parts[i].state = BPF_PART_UNAVAILABLE;
	}
	s->sink = c->sink;
	s->sink_ctx = c->sink_ctx;
	s->watch_exe = c->watch_exe;
	s->watch_exe_ctx = c->watch_exe_ctx;
	s->scan_prev = calloc(SCAN_SLOTS, sizeof(*s->scan_prev));
	s->scan_next = calloc(SCAN_SLOTS, sizeof(*s->scan_next));
	if (!s->scan_prev || !s->scan_next) {
		snprintf(err, err_len, "out of memory");
		goto err_free;
	}
	libbpf_set_print(libbpf_log);
	s->skel = core__open();
	if (!s->skel) {
		snprintf(err, err_len, "cannot open the core BPF object: %s", strerror(errno));
		goto err_free;
	}
	if (load_core(s, c, err, err_len))
		goto err_free;
	load_tls(s, c);
	load_names(s, c);
	probe_one(s, BPF_PART_FENTRY);
	probe_one(s, BPF_PART_LSM);
	probe_one(s, BPF_PART_KPROBE);
	read_lockdown(s);
	s->rb = ring_buffer__new(bpf_map__fd(s->skel->maps.raqib_events), on_record, s, NULL);
	if (!s->rb) {
		snprintf(err, err_len, "cannot open the BPF ring buffer: %s", strerror(errno));
		goto err_free;
	}
	watch_running(s);
	log_status(s);
	return s;

err_free:
	bpf_sensor_free(s);
	return NULL;
}

void bpf_sensor_free(struct bpf_sensor *s)
{
	if (!s)
		return;
	ring_buffer__free(s->rb);
	names_tier_free(s->names);
	tls_probes_free(s->tls);
	core__destroy(s->skel);
	free(s->scan_prev);
	free(s->scan_next);
	explicit_bzero(&s->buf, sizeof(s->buf)); /* may hold TLS plaintext */
	free(s);
}

int bpf_sensor_fd(const struct bpf_sensor *s)
{
	return ring_buffer__epoll_fd(s->rb);
}

int bpf_sensor_poll(struct bpf_sensor *s, int timeout_ms)
{
	int n = ring_buffer__poll(s->rb, timeout_ms);

	if (n < 0 && n != -EINTR)
		return n;
	/*
	 * Records are queued without waking us (BPF_RB_NO_WAKEUP), so a poll that timed out may
	 * leave records behind: consume them explicitly.
	 */
	n = ring_buffer__consume(s->rb);
	return n;
}

static size_t slot_of(uint64_t sk)
{
	/* socket addresses are aligned: mix the bits before taking the low ones */
	uint64_t h = sk * 0x9e3779b97f4a7c15ull;

	return (size_t)(h >> 32) & (SCAN_SLOTS - 1);
}

static struct scan_slot *scan_find(struct scan_slot *table, uint64_t sk)
{
	size_t i = slot_of(sk);

	for (size_t n = 0; n < SCAN_SLOTS; n++, i = (i + 1) & (SCAN_SLOTS - 1))
		if (table[i].sk == sk || table[i].sk == 0)
			return &table[i];
	return NULL;
}

static uint64_t boot_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_BOOTTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

int bpf_sensor_scan_flows(struct bpf_sensor *s)
{
	int fd = bpf_map__fd(s->skel->maps.raqib_flows);
	struct raqib_event_flow *e = &s->buf.flow;
	uint64_t key, next, now = boot_ns();
	struct scan_slot *tmp;
	struct flow_value v;
	bool first = true;

	memset(s->scan_next, 0, SCAN_SLOTS * sizeof(*s->scan_next));
	/*
	 * A key deleted under us (a socket closing) makes the walk start over from the first key:
	 * the number of steps is bounded, so a busy map cannot keep the loop going.
	 */
	for (size_t steps = 0; steps < 2 * RAQIB_FLOWS_MAX &&
			       bpf_map_get_next_key(fd, first ? NULL : &key, &next) == 0;
	     steps++) {
		struct scan_slot *prev, *slot;

		first = false;
		key = next;
		if (bpf_map_lookup_elem(fd, &key, &v))
			continue; /* closed meanwhile */
		slot = scan_find(s->scan_next, key);
		if (slot) {
			slot->sk = key;
			slot->bytes = v.bytes;
		}
		prev = scan_find(s->scan_prev, key);
		if (prev && prev->sk == key && prev->bytes == v.bytes)
			continue;
		memset(e, 0, sizeof(*e));
		e->hdr.kind = RAQIB_EV_FLOW;
		e->hdr.version = RAQIB_EVENT_VERSION;
		e->hdr.size = sizeof(*e);
		e->hdr.ts_ns = now;
		e->hdr.cgroup_id = v.cgroup_id;
		e->hdr.pid = v.tgid;
		e->hdr.tid = v.tgid;
		e->hdr.ppid = v.ppid;
		e->hdr.uid = v.uid;
		e->hdr.proc_start_ns = v.start_ns;
		memcpy(e->hdr.comm, v.comm, sizeof(e->hdr.comm));
		e->hdr.comm[RAQIB_COMM_LEN - 1] = '\0';
		e->sk = key;
		e->bytes = v.bytes;
		e->sends = v.sends;
		e->first_ns = v.first_ns;
		e->last_ns = v.last_ns;
		e->reason = RAQIB_FLOW_SCAN; /* family 0: the 4-tuple is the one reported before */
		s->stats.flow_scans++;
		s->sink(s->sink_ctx, &e->hdr);
	}
	tmp = s->scan_prev;
	s->scan_prev = s->scan_next;
	s->scan_next = tmp;
	return 0;
}

static uint64_t sum_percpu(int map_fd, __u32 key)
{
	int ncpu = libbpf_num_possible_cpus();
	uint64_t total = 0;
	__u64 *values;

	if (ncpu <= 0)
		return 0;
	values = calloc((size_t)ncpu, sizeof(*values));
	if (!values)
		return 0;
	if (bpf_map_lookup_elem(map_fd, &key, values) == 0)
		for (int i = 0; i < ncpu; i++)
			total += values[i];
	free(values);
	return total;
}

void bpf_sensor_get_stats(const struct bpf_sensor *s, struct bpf_sensor_stats *stats)
{
	int fd = bpf_map__fd(s->skel->maps.raqib_drops);

	*stats = s->stats;
	stats->drops_ringbuf = sum_percpu(fd, RAQIB_DROP_RINGBUF);
	stats->drops_watch_full = sum_percpu(fd, RAQIB_DROP_WATCH_FULL);
	stats->drops_args_full = sum_percpu(fd, RAQIB_DROP_ARGS_FULL);
	stats->drops_flows_full = sum_percpu(fd, RAQIB_DROP_FLOWS_FULL);
	stats->drops_tls_ringbuf = sum_percpu(fd, RAQIB_DROP_TLS_RINGBUF);
	stats->drops_tls_cut = sum_percpu(fd, RAQIB_DROP_TLS_CUT);
	stats->drops_path = sum_percpu(fd, RAQIB_DROP_PATH);
	stats->drops_pkt_ringbuf = sum_percpu(fd, RAQIB_DROP_PKT_RINGBUF);
}

void bpf_sensor_get_status(const struct bpf_sensor *s, struct bpf_sensor_status *status)
{
	struct tls_probes_stats ts;

	*status = s->status;
	if (s->tls) {
		tls_probes_get_stats(s->tls, &ts);
		status->tls_processes = ts.processes;
		status->tls_libraries = ts.libraries;
		status->tls_attach_failed = ts.attach_failed;
	}
}

static void put_u64(bpf_sensor_put_fn put, void *ctx, const char *key, uint64_t v)
{
	char text[24];

	snprintf(text, sizeof(text), "%llu", (unsigned long long)v);
	put(ctx, key, text);
}

void bpf_sensor_report(const struct bpf_sensor *s, bpf_sensor_put_fn put, void *ctx)
{
	struct bpf_sensor_status st;
	struct bpf_sensor_stats bs;
	char key[48], value[200];

	bpf_sensor_get_status(s, &st);
	bpf_sensor_get_stats(s, &bs);
	put(ctx, "sensor.bpf",
	    !st.degraded ? "attached" :
	    st.parts[BPF_PART_NAMES].state == BPF_PART_UNAVAILABLE ?
			   "degraded: browsers' servers unnamed without --interface" :
			   "degraded: no TLS plaintext");
	for (int i = 0; i < BPF_PART_MAX; i++) {
		snprintf(key, sizeof(key), "sensor.bpf.%s", st.parts[i].name);
		snprintf(value, sizeof(value), "%s: %s", bpf_part_state_name(st.parts[i].state),
			 st.parts[i].detail);
		put(ctx, key, value);
	}
	put(ctx, "sensor.bpf.lockdown", st.lockdown);
	put(ctx, "sensor.bpf.privileges", st.privileges_dropped ? "dropped" : "full");
	put_u64(put, ctx, "bpf.tls.processes", st.tls_processes);
	put_u64(put, ctx, "bpf.tls.attach_failed", st.tls_attach_failed);
	put_u64(put, ctx, "bpf.records", bs.records);
	put_u64(put, ctx, "bpf.drops.bad_records", bs.bad_records);
	put_u64(put, ctx, "bpf.drops.ringbuf", bs.drops_ringbuf);
	put_u64(put, ctx, "bpf.drops.watch_full", bs.drops_watch_full);
	put_u64(put, ctx, "bpf.drops.open_files_full", bs.drops_args_full);
	put_u64(put, ctx, "bpf.drops.flows_full", bs.drops_flows_full);
	put_u64(put, ctx, "bpf.drops.tls_ringbuf", bs.drops_tls_ringbuf);
	put_u64(put, ctx, "bpf.drops.tls_cut", bs.drops_tls_cut);
	put_u64(put, ctx, "bpf.drops.path", bs.drops_path);
	put_u64(put, ctx, "bpf.drops.pkt_ringbuf", bs.drops_pkt_ringbuf);
	put_u64(put, ctx, "bpf.watched_by_dest", bs.watched_by_dest);
	put_u64(put, ctx, "bpf.watched_by_path", bs.watched_by_path);
}

int bpf_sensor_drop_privileges(struct bpf_sensor *s, char *err, size_t err_len)
{
	static const int keep[] = { CAP_BPF, CAP_PERFMON, CAP_SYS_PTRACE, CAP_DAC_READ_SEARCH,
				    CAP_SYS_ADMIN };
	/*
	 * Opening a uprobe perf event for another process is refused without CAP_SYS_ADMIN on the
	 * development kernels (6.18: EACCES with CAP_PERFMON and CAP_BPF alone, measured), so it
	 * stays while the TLS tier hooks new processes, and goes when there is no TLS tier.
	 */
	size_t n_keep = sizeof(keep) / sizeof(keep[0]) - (s->tls ? 0 : 1);
	int rc;

	capng_clear(CAPNG_SELECT_BOTH);
	for (size_t i = 0; i < n_keep; i++) {
		rc = capng_update(CAPNG_ADD, CAPNG_EFFECTIVE | CAPNG_PERMITTED | CAPNG_BOUNDING_SET,
				  (unsigned)keep[i]);
		if (rc) {
			snprintf(err, err_len, "cannot keep capability %d: libcap-ng error %d",
				 keep[i], rc);
			return -EINVAL;
		}
	}
	rc = capng_apply(CAPNG_SELECT_BOTH);
	if (rc) {
		snprintf(err, err_len, "cannot drop capabilities: libcap-ng error %d", rc);
		return -EPERM;
	}
	s->status.privileges_dropped = true;
	log_info("bpf", "capabilities dropped; kept: bpf, perfmon, sys_ptrace, dac_read_search%s",
		 s->tls ? ", sys_admin (TLS uprobes for new processes)" : "");
	return 0;
}
