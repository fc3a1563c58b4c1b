/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Maps of destination watching (events.h), shared by core.bpf.c (which defines them: its connect
 * hook reads the ranges, its send hook takes the sockets) and names.bpf.c (which matches
 * ClientHellos against the names and marks their sockets; the loader reuses the core object's
 * maps). Included by BPF programs only.
 */
#ifndef RAQIB_BPF_DEST_MAPS_H
#define RAQIB_BPF_DEST_MAPS_H

#include "raqib/events.h"

/*
 * Destination watching (events.h): the channels' server names by suffix hash and address
 * ranges (filled by userspace from the catalog), and the sockets whose ClientHello matched a
 * name (names.bpf.c writes them, the send hook of core.bpf.c takes them), with the time of the
 * last one: the send hook looks for a socket only while one was matched lately.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, RAQIB_DEST_NAMES_MAX);
	__type(key, __u64);
	__type(value, struct raqib_dest_app);
} raqib_dest_names SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, RAQIB_DEST_RANGES_MAX);
	__type(key, struct raqib_dest_range_key);
	__type(value, struct raqib_dest_app);
	__uint(map_flags, BPF_F_NO_PREALLOC);
} raqib_dest_ranges SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, __u64);
	__type(value, struct raqib_dest_app);
} raqib_dest_socks SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} raqib_dest_gate SEC(".maps");

#endif /* RAQIB_BPF_DEST_MAPS_H */
