// SPDX-License-Identifier: GPL-2.0-only
/*
 * The host sensor's watch list and destinations from the rules (see run_watch.h).
 */
#include "run_watch.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "raqib/log.h"

struct run_watch {
	const struct rules *rules;
	const char *const *names;
	size_t n_names;
	struct bpf_dest_name *dest_names;
	size_t n_dest_names, cap_names;
	struct bpf_dest_range *dest_ranges;
	size_t n_dest_ranges, cap_ranges;
	size_t skipped;
	bool oom;
};

static void add_name(void *ctx, const struct rules_app *app, const char *pattern)
{
	struct run_watch *w = ctx;

	if (w->n_dest_names == w->cap_names) {
		size_t cap = w->cap_names ? 2 * w->cap_names : 64;
		struct bpf_dest_name *grown = realloc(w->dest_names, cap * sizeof(*grown));

		if (!grown) {
			w->oom = true;
			return;
		}
		w->dest_names = grown;
		w->cap_names = cap;
	}
	w->dest_names[w->n_dest_names++] = (struct bpf_dest_name){ app->id, pattern };
	/* "*.x.y" and exact names are matched in the kernel; other wildcards are not */
	if (strpbrk(strncmp(pattern, "*.", 2) == 0 ? pattern + 2 : pattern, "*?["))
		w->skipped++;
}

static void add_range(void *ctx, const struct rules_app *app, int family, const uint8_t *addr,
		      unsigned bits)
{
	struct run_watch *w = ctx;
	struct bpf_dest_range *r;

	if (w->n_dest_ranges == w->cap_ranges) {
		size_t cap = w->cap_ranges ? 2 * w->cap_ranges : 64;
		struct bpf_dest_range *grown = realloc(w->dest_ranges, cap * sizeof(*grown));

		if (!grown) {
			w->oom = true;
			return;
		}
		w->dest_ranges = grown;
		w->cap_ranges = cap;
	}
	r = &w->dest_ranges[w->n_dest_ranges++];
	memset(r, 0, sizeof(*r));
	r->app_id = app->id;
	r->family = family;
	memcpy(r->addr, addr, family == AF_INET ? 4 : 16);
	r->bits = bits;
}

/* Collects what rules say into w; returns 0 or -ENOMEM. */
static int collect(struct run_watch *w, const struct rules *rules)
{
	w->rules = rules;
	w->n_dest_names = 0;
	w->n_dest_ranges = 0;
	w->skipped = 0;
	w->oom = false;
	w->names = rules_app_exe_names(rules, &w->n_names);
	if (w->n_names > RAQIB_WATCH_NAMES_MAX) {
		log_warn("run",
			 "the app catalog names %zu executables; the kernel watches the first %d",
			 w->n_names, RAQIB_WATCH_NAMES_MAX);
		w->n_names = RAQIB_WATCH_NAMES_MAX;
	}
	rules_app_foreach_server_name(rules, add_name, w);
	rules_app_foreach_range(rules, add_range, w);
	return w->oom ? -ENOMEM : 0;
}

struct run_watch *run_watch_new(const struct rules *rules)
{
	struct run_watch *w = calloc(1, sizeof(*w));

	if (!w)
		return NULL;
	if (collect(w, rules)) {
		run_watch_free(w);
		errno = ENOMEM;
		return NULL;
	}
	return w;
}

void run_watch_free(struct run_watch *w)
{
	if (!w)
		return;
	free(w->dest_names);
	free(w->dest_ranges);
	free(w);
}

/* Only what the catalog names by path: the names are in the kernel's list already. */
static bool watch_exe(void *ctx, const char *exe)
{
	const struct run_watch *w = ctx;

	return exe[0] == '/' && rules_app_by_exe(w->rules, exe) != NULL;
}

static struct bpf_sensor_dests dests_of(const struct run_watch *w)
{
	return (struct bpf_sensor_dests){ w->dest_names, w->n_dest_names, w->dest_ranges,
					  w->n_dest_ranges };
}

void run_watch_configure(struct run_watch *w, struct bpf_sensor_config *c)
{
	c->watch_names = w->names;
	c->n_names = w->n_names;
	c->watch_exe = watch_exe;
	c->watch_exe_ctx = w;
	c->dests = dests_of(w);
}

int run_watch_set_rules(struct run_watch *w, const struct rules *rules, struct bpf_sensor *sensor)
{
	struct bpf_sensor_dests d;
	const struct rules *old = w->rules;

	if (collect(w, rules)) {
		collect(w, old);
		return -ENOMEM;
	}
	if (!sensor)
		return 0;
	if (bpf_sensor_set_watch_names(sensor, w->names, w->n_names))
		log_error("run", "cannot update the kernel's watch list; new apps are not watched");
	d = dests_of(w);
	if (bpf_sensor_set_destinations(sensor, &d, NULL))
		log_error("run", "cannot update the channels' names and ranges in the kernel");
	return 0;
}

size_t run_watch_names(const struct run_watch *w)
{
	return w->n_names;
}

size_t run_watch_skipped_patterns(const struct run_watch *w)
{
	return w->skipped;
}
