/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A bump allocator for the many small strings and lists of a rule set: everything is freed at
 * once with the rules, so the loader needs no per-string cleanup on its many error paths.
 */
#ifndef RAQIB_RULES_ARENA_H
#define RAQIB_RULES_ARENA_H

#include <stddef.h>

struct arena_block;

struct arena {
	struct arena_block *head;
};

/* Zeroed memory for size bytes, aligned for any type; NULL when out of memory. */
void *arena_alloc(struct arena *arena, size_t size);

/* A copy of len bytes of s, NUL-terminated; NULL when out of memory. */
char *arena_strndup(struct arena *arena, const char *s, size_t len);

char *arena_strdup(struct arena *arena, const char *s);

/* Frees every block; the arena is empty and usable afterwards. */
void arena_release(struct arena *arena);

#endif /* RAQIB_RULES_ARENA_H */
