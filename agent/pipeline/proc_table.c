// SPDX-License-Identifier: GPL-2.0-only
/*
 * Process table: a chained hash of struct proc_info keyed by pid, with a fixed bucket array
 * sized for max_entries so lookups stay O(1) at the bound.
 */
#include "proc_table.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct proc_node {
	struct proc_node *next;
	struct proc_info info;
};

struct proc_table {
	struct proc_node **buckets;
	size_t n_buckets; /* a power of two */
	size_t count;
	size_t max_entries;
	uint64_t refused;
};

static size_t bucket_of(const struct proc_table *t, uint32_t pid)
{
	/* Fibonacci hashing: pids are sequential, so spread them. */
	return (size_t)((pid * 2654435761u) & (t->n_buckets - 1));
}

struct proc_table *proc_table_new(size_t max_entries)
{
	struct proc_table *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->n_buckets = 64;
	while (t->n_buckets < max_entries && t->n_buckets < (1u << 20))
		t->n_buckets <<= 1;
	t->buckets = calloc(t->n_buckets, sizeof(*t->buckets));
	if (!t->buckets) {
		free(t);
		return NULL;
	}
	t->max_entries = max_entries;
	return t;
}

void proc_table_free(struct proc_table *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->n_buckets; i++) {
		struct proc_node *n = t->buckets[i];

		while (n) {
			struct proc_node *next = n->next;

			free(n);
			n = next;
		}
	}
	free(t->buckets);
	free(t);
}

static struct proc_node *find(const struct proc_table *t, uint32_t pid)
{
	for (struct proc_node *n = t->buckets[bucket_of(t, pid)]; n; n = n->next)
		if (n->info.pid == pid)
			return n;
	return NULL;
}

int proc_table_upsert(struct proc_table *t, const struct proc_info *info)
{
	struct proc_node *n = find(t, info->pid);
	size_t b;

	if (n) {
		n->info = *info;
		return 0;
	}
	if (t->count >= t->max_entries) {
		t->refused++;
		return -ENOSPC;
	}
	n = malloc(sizeof(*n));
	if (!n)
		return -ENOMEM;
	n->info = *info;
	b = bucket_of(t, info->pid);
	n->next = t->buckets[b];
	t->buckets[b] = n;
	t->count++;
	return 0;
}

const struct proc_info *proc_table_lookup(const struct proc_table *t, uint32_t pid)
{
	struct proc_node *n = find(t, pid);

	return n ? &n->info : NULL;
}

void proc_table_foreach(struct proc_table *t, void (*fn)(void *ctx, struct proc_info *info),
			void *ctx)
{
	for (size_t i = 0; i < t->n_buckets; i++)
		for (struct proc_node *n = t->buckets[i]; n; n = n->next)
			fn(ctx, &n->info);
}

void proc_table_remove(struct proc_table *t, uint32_t pid)
{
	struct proc_node **link = &t->buckets[bucket_of(t, pid)];

	for (; *link; link = &(*link)->next) {
		struct proc_node *n = *link;

		if (n->info.pid == pid) {
			*link = n->next;
			free(n);
			t->count--;
			return;
		}
	}
}

void proc_table_get_stats(const struct proc_table *t, struct proc_table_stats *stats)
{
	stats->entries = t->count;
	stats->refused = t->refused;
}

bool proc_table_check(const struct proc_table *t)
{
	size_t seen = 0;

	for (size_t i = 0; i < t->n_buckets; i++)
		for (struct proc_node *n = t->buckets[i]; n; n = n->next) {
			if (bucket_of(t, n->info.pid) != i)
				return false;
			seen++;
		}
	return seen == t->count && t->count <= t->max_entries;
}
