/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * App instances: what the host path keeps about the root of each watched app's process tree --
 * its name and executable, for the alert (raqib.app_instance: a child that touched a file does
 * not hide the browser or app it belongs to), and the directories whose files are the app's
 * own (own_files.h): its install directory and the profile directory its command line names.
 * Learnt once per instance, the first time one of its processes opens a file, from the process
 * table and /proc; bounded, the least recently used instance goes first.
 */
#ifndef RAQIB_AGENT_APP_INSTANCES_H
#define RAQIB_AGENT_APP_INSTANCES_H

#include <stddef.h>
#include <stdint.h>

#include "raqib/events.h"
#include "raqib/rules.h"
#include "proc_table.h"

struct app_instance {
	uint32_t pid; /* the root of the tree */
	uint64_t start_ns;
	char comm[RAQIB_COMM_LEN];
	char exe[RAQIB_PATH_MAX];
	char install_dir[RAQIB_PATH_MAX]; /* "" when too broad to be the app's own */
	char profile_dir[RAQIB_PATH_MAX]; /* "" when the command line names none */
	uint64_t used; /* last use, a counter */
};

struct app_instances;

struct app_instances *app_instances_new(size_t max_instances);
void app_instances_free(struct app_instances *set);

/*
 * The instance of process p (p's instance_pid/instance_start_ns), learnt now if unknown: from
 * the root's entry in procs when it is there and alive, else from p itself. app (p's) gives the
 * profile options. Never NULL; valid until the next call.
 */
const struct app_instance *app_instances_of(struct app_instances *set,
					    const struct proc_table *procs,
					    const struct proc_info *p);

/* Forgets an instance whose root exited. */
void app_instances_forget(struct app_instances *set, uint32_t pid, uint64_t start_ns);

#endif /* RAQIB_AGENT_APP_INSTANCES_H */
