/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What the host sensor watches, taken from the rules for `raqib-agent run`: the executable names
 * of the catalog (the kernel's watch list), its install paths (a process whose executable is at
 * one is watched from its exec), and the channels' server names and address ranges (a process
 * of any name that connects to them is watched as that channel's app).
 */
#ifndef RAQIB_AGENT_RUN_WATCH_H
#define RAQIB_AGENT_RUN_WATCH_H

#include <stddef.h>

#include "raqib/rules.h"
#include "sensors/bpf_sensor.h"

struct run_watch;

/* NULL + errno. rules must outlive the object (or be replaced by run_watch_set_rules()). */
struct run_watch *run_watch_new(const struct rules *rules);
void run_watch_free(struct run_watch *watch);

/* Fills config's watch list, path predicate and destinations (valid while watch lives). */
void run_watch_configure(struct run_watch *watch, struct bpf_sensor_config *config);

/*
 * Switches to new rules and hands their watch list and destinations to the sensor (NULL: none
 * running). Returns 0, or -ENOMEM (the old rules stay in use).
 */
int run_watch_set_rules(struct run_watch *watch, const struct rules *rules,
			struct bpf_sensor *sensor);

/*
 * Executable names in the watch list; server-name patterns the kernel cannot match (inner
 * wildcards: a process of another name reaching them is not watched for it).
 */
size_t run_watch_names(const struct run_watch *watch);
size_t run_watch_skipped_patterns(const struct run_watch *watch);

#endif /* RAQIB_AGENT_RUN_WATCH_H */
