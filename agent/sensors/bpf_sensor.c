// SPDX-License-Identifier: GPL-2.0-only
/*
 * eBPF host sensor loader (see bpf_sensor.h). Start-up follows the checks of
 * ../shared/notes/ebpf-on-this-kernel.md section 9: privileges first, then BTF, then tracefs,
 * then load and attach, each failure reported with what is missing.
 */
#include "bpf_sensor.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "raqib/log.h"
#include "core.skel.h"
#include "event_decode.h"

#define CAP_SYS_ADMIN_BIT 21
#define CAP_PERFMON_BIT 38
#define CAP_BPF_BIT 39

struct bpf_sensor {
	struct core *skel;
	struct ring_buffer *rb;
	host_event_sink_fn sink;
	void *sink_ctx;
	struct bpf_sensor_stats stats;
};

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
	return access("/sys/kernel/tracing/events/syscalls/sys_enter_openat/id", R_OK) == 0;
}

int bpf_sensor_preflight(char *err, size_t err_len)
{
	uint64_t caps = 0;

	if (read_cap_eff(&caps) < 0 || !(has_cap(caps, CAP_SYS_ADMIN_BIT) ||
					 (has_cap(caps, CAP_BPF_BIT) && has_cap(caps, CAP_PERFMON_BIT)))) {
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
		    errno != EBUSY) {
			snprintf(err, err_len, "cannot mount tracefs on /sys/kernel/tracing: %s",
				 strerror(errno));
			return -ENOENT;
		}
		if (!tracefs_ready()) {
			snprintf(err, err_len,
				 "tracefs has no syscall events: this kernel lacks CONFIG_FTRACE_SYSCALLS");
			return -ENOENT;
		}
		log_info("bpf", "mounted tracefs on /sys/kernel/tracing");
	}
	return 0;
}

/* libbpf's messages go through our log: warnings as warnings, the rest at debug level, and its
 * per-relocation chatter only at trace level (-vv). */
static int libbpf_log(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	char text[512];
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
		log_warn("libbpf", "%s", text);
	else if (level == LIBBPF_INFO)
		log_debug("libbpf", "%s", text);
	else
		log_msg(RAQIB_LOG_TRACE, "libbpf", "%s", text);
	return 0;
}

static int on_record(void *ctx, void *data, size_t size)
{
	struct bpf_sensor *s = ctx;
	union event_buf buf;
	int err = event_decode(data, size, &buf);

	if (err) {
		s->stats.bad_records++;
		return 0; /* skip it, go on */
	}
	s->stats.records++;
	s->sink(s->sink_ctx, &buf.hdr);
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

struct bpf_sensor *bpf_sensor_new(const char *const *watch_names, size_t n_names,
				  host_event_sink_fn sink, void *ctx, char *err, size_t err_len)
{
	struct bpf_sensor *s = calloc(1, sizeof(*s));
	int rc;

	if (!s) {
		snprintf(err, err_len, "out of memory");
		return NULL;
	}
	s->sink = sink;
	s->sink_ctx = ctx;
	libbpf_set_print(libbpf_log);
	s->skel = core__open();
	if (!s->skel) {
		snprintf(err, err_len, "cannot open the core BPF object: %s", strerror(errno));
		goto err_free;
	}
	s->skel->rodata->self_tgid = (__u32)getpid();
	rc = core__load(s->skel);
	if (rc) {
		snprintf(err, err_len, "cannot load the core BPF programs: %s", strerror(-rc));
		goto err_free;
	}
	rc = fill_watch_names(s, watch_names, n_names);
	if (rc) {
		snprintf(err, err_len, "cannot fill the watch list: %s", strerror(-rc));
		goto err_free;
	}
	rc = core__attach(s->skel);
	if (rc) {
		snprintf(err, err_len, "cannot attach the core BPF programs: %s", strerror(-rc));
		goto err_free;
	}
	s->rb = ring_buffer__new(bpf_map__fd(s->skel->maps.raqib_events), on_record, s, NULL);
	if (!s->rb) {
		snprintf(err, err_len, "cannot open the BPF ring buffer: %s", strerror(errno));
		goto err_free;
	}
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
	core__destroy(s->skel);
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
}
