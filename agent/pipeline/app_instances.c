// SPDX-License-Identifier: GPL-2.0-only
/*
 * App instances (see app_instances.h): a small array, scanned linearly (a desktop runs a few
 * watched apps at a time).
 */
#include "app_instances.h"

#include <stdlib.h>
#include <string.h>

#include "own_files.h"
#include "proc_read.h"

struct app_instances {
	struct app_instance *items;
	size_t n, max;
	uint64_t clock;
};

struct app_instances *app_instances_new(size_t max)
{
	struct app_instances *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->max = max ? max : 1;
	s->items = calloc(s->max, sizeof(*s->items));
	if (!s->items) {
		free(s);
		return NULL;
	}
	return s;
}

void app_instances_free(struct app_instances *s)
{
	if (!s)
		return;
	free(s->items);
	free(s);
}

static void learn(struct app_instance *in, const struct proc_table *procs,
		  const struct proc_info *p)
{
	const struct proc_info *root = proc_table_lookup(procs, p->instance_pid);
	const struct rules_app *app;

	if (!root || root->start_ns != p->instance_start_ns)
		root = p; /* the root is gone or unknown: the process speaks for it */
	app = root->app ? root->app : p->app;
	in->pid = p->instance_pid;
	in->start_ns = p->instance_start_ns;
	memcpy(in->comm, root->comm, sizeof(in->comm));
	memcpy(in->exe, root->exe, sizeof(in->exe));
	own_files_install_dir(root->exe, in->install_dir, sizeof(in->install_dir));
	in->profile_dir[0] = '\0';
	if (app)
		proc_read_option_value(root->pid, app->profile_options, app->n_profile_options,
				       in->profile_dir, sizeof(in->profile_dir));
}

const struct app_instance *app_instances_of(struct app_instances *s, const struct proc_table *procs,
					    const struct proc_info *p)
{
	struct app_instance *slot = NULL;

	for (size_t i = 0; i < s->n; i++) {
		struct app_instance *in = &s->items[i];

		if (in->pid == p->instance_pid && in->start_ns == p->instance_start_ns) {
			in->used = ++s->clock;
			return in;
		}
		if (!slot || in->used < slot->used)
			slot = in;
	}
	if (s->n < s->max)
		slot = &s->items[s->n++];
	learn(slot, procs, p);
	slot->used = ++s->clock;
	return slot;
}

void app_instances_forget(struct app_instances *s, uint32_t pid, uint64_t start_ns)
{
	for (size_t i = 0; i < s->n; i++) {
		if (s->items[i].pid == pid && s->items[i].start_ns == start_ns) {
			s->items[i] = s->items[--s->n];
			return;
		}
	}
}
