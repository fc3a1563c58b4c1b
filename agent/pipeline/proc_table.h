/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Process table: what the agent knows of each live process (executable, parent, user, app
 * identity), filled from exec and exit events. Bounded: past max_entries an insert is refused
 * and counted, never grown without limit.
 */
#ifndef RAQIB_AGENT_PROC_TABLE_H
#define RAQIB_AGENT_PROC_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "raqib/events.h"
#include "raqib/rules.h"

struct proc_table;

#define PROC_CMDLINE_MAX   512
#define PROC_CONTAINER_MAX 65

struct proc_info {
	uint32_t pid;
	uint32_t ppid;
	uint32_t uid;
	uint64_t start_ns; /* with pid, identifies the process across pid reuse */
	char comm[RAQIB_COMM_LEN];
	char exe[RAQIB_PATH_MAX]; /* path passed to exec */
	const struct rules_app *app; /* app from the catalog (owned by the rules), or NULL */
	bool watched;
	/* app is the channel its connection went to, not what its executable says (renamed, curl) */
	bool by_destination;
	char cmdline[PROC_CMDLINE_MAX]; /* arguments joined by spaces, cut; may be empty */
	uint64_t cgroup_id; /* cgroup v2 id (joins cgroup_skb counters) */
	char container_id[PROC_CONTAINER_MAX]; /* Docker/Podman/containerd id, or "" */
	/*
	 * The app instance the process belongs to: the root of the app's process tree (a browser
	 * or Electron app reads a file in one process and sends it from another), identified like
	 * a process. The root is its own instance.
	 */
	uint32_t instance_pid;
	uint64_t instance_start_ns;
};

struct proc_table_stats {
	size_t entries;
	uint64_t refused; /* inserts refused because the table was full */
};

/* A table for at most max_entries processes. NULL + errno on failure. */
struct proc_table *proc_table_new(size_t max_entries);
void proc_table_free(struct proc_table *table);

/* Inserts or replaces the entry of info->pid (an exec replaces the image). 0, -ENOSPC, -ENOMEM. */
int proc_table_upsert(struct proc_table *table, const struct proc_info *info);

/* The entry of pid, or NULL; valid until the next change to the table. */
const struct proc_info *proc_table_lookup(const struct proc_table *table, uint32_t pid);

/* Calls fn for every entry (which fn may change, but not the table). */
void proc_table_foreach(struct proc_table *table, void (*fn)(void *ctx, struct proc_info *info),
			void *ctx);

/* Removes pid's entry if present. */
void proc_table_remove(struct proc_table *table, uint32_t pid);

void proc_table_get_stats(const struct proc_table *table, struct proc_table_stats *stats);

/* Checks the table's invariants (every entry in its bucket, count matches). */
bool proc_table_check(const struct proc_table *table);

#endif /* RAQIB_AGENT_PROC_TABLE_H */
