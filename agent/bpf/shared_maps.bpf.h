/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Maps the BPF objects of the host sensor share (core.bpf.c defines them; tls.bpf.c declares
 * the same ones and the loader points them at the core object's with bpf_map__reuse_fd() before
 * loading it): the ring buffer, the watched set, the TLS call in flight per thread, the drop
 * counters. Included by BPF programs only.
 */
#ifndef RAQIB_BPF_SHARED_MAPS_H
#define RAQIB_BPF_SHARED_MAPS_H

#include "raqib/events.h"

#define RINGBUF_BYTES (8u << 20)

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, RINGBUF_BYTES);
} raqib_events SEC(".maps");

/*
 * Watched thread-group ids: 1 at index tgid (also set by userspace for apps that started before
 * the agent). An array sized to kernel.pid_max by the loader (see RAQIB_WATCHED_PIDS_DEFAULT).
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, RAQIB_WATCHED_PIDS_DEFAULT);
	__type(key, __u32);
	__type(value, __u8);
} raqib_watched SEC(".maps");

/* A TLS library call in progress on a thread (set by tls.bpf.c, read by the send hook). */
struct tls_active {
	__u64 conn;
	__u64 ts_ns;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, struct tls_active);
} raqib_tls_active SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, RAQIB_DROP_MAX);
	__type(key, __u32);
	__type(value, __u64);
} raqib_drops SEC(".maps");

static __always_inline void count_drop(__u32 reason)
{
	__u64 *n = bpf_map_lookup_elem(&raqib_drops, &reason);

	if (n)
		*n += 1;
}

static __always_inline bool is_watched(__u32 tgid)
{
	__u8 *w = bpf_map_lookup_elem(&raqib_watched, &tgid);

	return w && *w;
}

/* Marks tgid watched (value 1) or not (0); false when tgid is past the array (pid_max raised). */
static __always_inline bool set_watched(__u32 tgid, __u8 value)
{
	__u8 *w = bpf_map_lookup_elem(&raqib_watched, &tgid);

	if (!w)
		return false;
	*w = value;
	return true;
}

#endif /* RAQIB_BPF_SHARED_MAPS_H */
