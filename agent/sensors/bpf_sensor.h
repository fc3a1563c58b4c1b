/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The eBPF host sensor: checks the kernel and privileges, loads and attaches the BPF objects
 * tier by tier (agent/bpf/: core tracepoints, required, with a raw_tp variant when tracefs
 * cannot be mounted; TLS uprobes, optional, attached per watched process; fentry, LSM and
 * kprobes, only probed and reported), fills the kernel's watch list, and polls the ring buffer,
 * handing each validated record to the host path of the pipeline. A missing optional tier is a
 * degraded state, reported by bpf_sensor_get_status(), never a failure to start.
 */
#ifndef RAQIB_AGENT_BPF_SENSOR_H
#define RAQIB_AGENT_BPF_SENSOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pipeline/host_events.h"

struct bpf_sensor;

/*
 * Destination watching (events.h): a process of any name whose connection goes to a channel is
 * watched as that channel's app. Names are server-name patterns of the catalog: "*.x.y" (x.y and
 * its subdomains) or an exact name; patterns with other wildcards cannot be matched in the
 * kernel and are skipped (counted). Ranges are CIDR blocks (addr of 4 or 16 bytes).
 */
struct bpf_dest_name {
	const char *app_id;
	const char *pattern;
};

struct bpf_dest_range {
	const char *app_id;
	int family; /* AF_INET, AF_INET6 */
	uint8_t addr[16];
	unsigned bits;
};

struct bpf_sensor_dests {
	const struct bpf_dest_name *names;
	size_t n_names;
	const struct bpf_dest_range *ranges;
	size_t n_ranges;
};

struct bpf_sensor_config {
	const char *const *watch_names; /* executable names (cut to 15 characters, as comm) */
	size_t n_names;
	/*
	 * An executable whose path makes its process watched although its name is not in
	 * watch_names (an app the catalog names by install path only); NULL: none.
	 */
	bool (*watch_exe)(void *ctx, const char *exe);
	void *watch_exe_ctx;
	struct bpf_sensor_dests dests;
	host_event_sink_fn sink; /* where records go */
	void *sink_ctx;
	bool tls; /* load the TLS plaintext tier */
	bool names; /* load the names tier (DNS answers, TLS and QUIC handshakes of every process) */
	uint32_t tls_max_bytes; /* plaintext copied per TLS call at most (rounded up to 4 KiB) */
	uint64_t flow_report_bytes; /* a FLOW record every this many bytes sent on a socket */
	uint64_t flow_burst_gap_ms; /* idle time that ends a burst of sends */
	uint64_t reopen_quiet_ms; /* a file a process reopens sooner is not reported again */
};

/*
 * Defaults: TLS and names on, 16 KiB per call, a record per MiB, 100 ms bursts, 1 s between
 * reopens.
 */
void bpf_sensor_config_default(struct bpf_sensor_config *config);

struct bpf_sensor_stats {
	uint64_t records; /* records handed to the sink */
	uint64_t bad_records; /* records refused by event_decode() */
	uint64_t flow_scans; /* flow records made by reading the flow map (RAQIB_FLOW_SCAN) */
	uint64_t drops_ringbuf; /* core records the kernel could not queue: ring full */
	uint64_t drops_watch_full; /* watched processes the kernel could not track */
	uint64_t drops_args_full; /* open files whose reads could not be counted */
	uint64_t drops_flows_full; /* sockets whose bytes could not be counted */
	uint64_t drops_tls_ringbuf; /* TLS plaintext records lost: ring full */
	uint64_t drops_tls_cut; /* TLS calls longer than the capture limit */
	uint64_t drops_path; /* opens whose path could not be read */
	uint64_t drops_pkt_ringbuf; /* DNS answers or handshakes lost: ring full */
	uint64_t watched_by_dest; /* processes watched because of where they connected */
	uint64_t watched_by_path; /* processes watched because of their executable's path */
};

/* The parts of the sensor, each attached, replaced by a fallback, unavailable or turned off. */
enum bpf_part {
	BPF_PART_CORE, /* process, file and socket tracepoints (required) */
	BPF_PART_TLS, /* TLS plaintext uprobes */
	BPF_PART_NAMES, /* cgroup_skb: DNS answers, TLS ClientHellos, QUIC Initials */
	BPF_PART_FENTRY, /* fentry/fexit: probed only */
	BPF_PART_LSM, /* BPF LSM: probed only */
	BPF_PART_KPROBE, /* kprobes: probed only */
	BPF_PART_MAX,
};

enum bpf_part_state {
	BPF_PART_ATTACHED,
	BPF_PART_FALLBACK, /* works through a fallback (detail says which) */
	BPF_PART_AVAILABLE, /* probed and usable, not used by this agent */
	BPF_PART_UNAVAILABLE, /* the kernel refused it (detail says how) */
	BPF_PART_OFF, /* turned off by configuration */
};

struct bpf_part_status {
	const char *name; /* "core", "tls", "names", "fentry", "lsm", "kprobe" */
	enum bpf_part_state state;
	char detail[160]; /* how it is attached, or why not; no personal data */
};

struct bpf_sensor_status {
	struct bpf_part_status parts[BPF_PART_MAX];
	bool degraded; /* a part the agent uses is missing (TLS plaintext, server names) */
	char lockdown[32]; /* kernel lockdown mode, "unknown" when unreadable */
	uint32_t tls_processes; /* processes with TLS libraries hooked now */
	uint64_t tls_libraries; /* (process, library) pairs hooked so far */
	uint64_t tls_attach_failed;
	bool privileges_dropped;
};

/*
 * Checks what the sensor needs before loading anything: privileges (root, or CAP_BPF with
 * CAP_PERFMON), kernel BTF; mounts tracefs when its events are missing (when that fails the
 * sensor later uses its raw_tp variant). Returns 0, or -EPERM / -ENOTSUP with a one-line
 * reason in err.
 */
int bpf_sensor_preflight(char *err, size_t err_len);

/*
 * Loads and attaches the core programs (failure: NULL with the reason in err), then each
 * optional tier (failure: logged, reported in the status). Processes already running whose
 * name is in the watch list are watched from now on.
 */
struct bpf_sensor *bpf_sensor_new(const struct bpf_sensor_config *config, char *err,
				  size_t err_len);

/* Replaces the kernel's watch list (after a rules reload). Returns 0 or a negative errno. */
int bpf_sensor_set_watch_names(struct bpf_sensor *sensor, const char *const *watch_names,
			       size_t n_names);

/*
 * Replaces the channels' names and ranges of destination watching (after a rules reload).
 * Returns 0 or a negative errno; *skipped (may be NULL) gets the patterns the kernel cannot
 * match.
 */
int bpf_sensor_set_destinations(struct bpf_sensor *sensor, const struct bpf_sensor_dests *dests,
				size_t *skipped);

/* Detaches everything and frees the sensor; accepts NULL. */
void bpf_sensor_free(struct bpf_sensor *sensor);

/* A file descriptor that becomes readable when records wait (for the agent's event loop). */
int bpf_sensor_fd(const struct bpf_sensor *sensor);

/*
 * Handles every record queued (waiting up to timeout_ms for one). Returns the number handled
 * or a negative errno (-EINTR is not returned: a signal just ends the wait).
 */
int bpf_sensor_poll(struct bpf_sensor *sensor, int timeout_ms);

/*
 * Reads the kernel's flow map and hands a RAQIB_FLOW_SCAN record to the sink for every socket
 * whose byte count changed since the last scan: a connection kept open after an upload would
 * otherwise report its last bytes only at its next burst or close. Returns 0 or -errno.
 */
int bpf_sensor_scan_flows(struct bpf_sensor *sensor);

void bpf_sensor_get_stats(const struct bpf_sensor *sensor, struct bpf_sensor_stats *stats);

void bpf_sensor_get_status(const struct bpf_sensor *sensor, struct bpf_sensor_status *status);

/* "attached", "fallback", "available", "unavailable", "off". */
const char *bpf_part_state_name(enum bpf_part_state state);

/*
 * Key/value pairs for heartbeats and metrics ("sensor.bpf", "sensor.bpf.tls", "bpf.drops.*"),
 * handed to put one by one. Values are short text, never personal data.
 */
typedef void (*bpf_sensor_put_fn)(void *ctx, const char *key, const char *value);
void bpf_sensor_report(const struct bpf_sensor *sensor, bpf_sensor_put_fn put, void *ctx);

/*
 * Drops every capability but those the running agent still needs once the programs are
 * attached: CAP_BPF and CAP_PERFMON (attaching TLS uprobes to new processes, reading maps),
 * CAP_SYS_PTRACE (reading /proc/PID/{maps,root,fd,cwd,cmdline} of other users' processes) and
 * CAP_DAC_READ_SEARCH (opening the files apps open, in other users' directories), and, only while
 * the TLS tier is attached, CAP_SYS_ADMIN: the kernel refuses a uprobe perf event for another
 * process without it (measured on 6.18). Everything else goes (CAP_NET_ADMIN, CAP_SETUID,
 * CAP_DAC_OVERRIDE, CAP_SYS_MODULE...); the bounding set too, so an exec cannot regain them.
 * Call it after every sensor is set up. Returns 0 or -errno with the reason in err.
 */
int bpf_sensor_drop_privileges(struct bpf_sensor *sensor, char *err, size_t err_len);

#endif /* RAQIB_AGENT_BPF_SENSOR_H */
