/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The eBPF host sensor: checks the kernel and privileges, loads and attaches the core BPF
 * programs (agent/bpf/core.bpf.c), fills the kernel's watch list, and polls the ring buffer,
 * handing each validated record to the host path of the pipeline.
 */
#ifndef RAQIB_AGENT_BPF_SENSOR_H
#define RAQIB_AGENT_BPF_SENSOR_H

#include <stddef.h>
#include <stdint.h>

#include "pipeline/host_events.h"

struct bpf_sensor;

struct bpf_sensor_stats {
	uint64_t records; /* records handed to the sink */
	uint64_t bad_records; /* records refused by event_decode() */
	uint64_t drops_ringbuf; /* records the kernel could not queue: ring full */
	uint64_t drops_watch_full; /* watched processes the kernel could not track */
	uint64_t drops_args_full; /* opens lost between syscall entry and exit */
};

/*
 * Checks what the sensor needs before loading anything: privileges (root, or CAP_BPF with
 * CAP_PERFMON), kernel BTF, and tracefs (mounted here when its events are missing).
 * Returns 0, or -EPERM / -ENOTSUP / -ENOENT with a one-line reason in err.
 */
int bpf_sensor_preflight(char *err, size_t err_len);

/*
 * Loads and attaches the programs; watch_names are executable names (cut to 15 characters as
 * the kernel's comm is). Records go to sink(ctx, record). NULL with a reason in err on failure.
 */
struct bpf_sensor *bpf_sensor_new(const char *const *watch_names, size_t n_names,
				  host_event_sink_fn sink, void *ctx, char *err, size_t err_len);

/* Replaces the kernel's watch list (after a rules reload). Returns 0 or a negative errno. */
int bpf_sensor_set_watch_names(struct bpf_sensor *sensor, const char *const *watch_names,
			       size_t n_names);

/* Detaches everything and frees the sensor; accepts NULL. */
void bpf_sensor_free(struct bpf_sensor *sensor);

/* A file descriptor that becomes readable when records wait (for the agent's event loop). */
int bpf_sensor_fd(const struct bpf_sensor *sensor);

/*
 * Waits up to timeout_ms for records and handles every record queued. Returns the number
 * handled or a negative errno (-EINTR is not returned: a signal just ends the wait).
 */
int bpf_sensor_poll(struct bpf_sensor *sensor, int timeout_ms);

void bpf_sensor_get_stats(const struct bpf_sensor *sensor, struct bpf_sensor_stats *stats);

#endif /* RAQIB_AGENT_BPF_SENSOR_H */
