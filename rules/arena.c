// SPDX-License-Identifier: GPL-2.0-only
/* Bump allocator for rule sets (see arena.h): 64 KiB blocks, larger requests get their own. */
#include "arena.h"

#include <stdalign.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define BLOCK_BYTES (64u * 1024)

struct arena_block {
	struct arena_block *next;
	size_t used, size;
	alignas(max_align_t) unsigned char data[];
};

void *arena_alloc(struct arena *arena, size_t size)
{
	size_t align = alignof(max_align_t);
	struct arena_block *b = arena->head;
	size_t need = (size + align - 1) & ~(align - 1);
	void *p;

	if (size > SIZE_MAX / 2)
		return NULL;
	if (!b || b->size - b->used < need) {
		size_t bytes = need > BLOCK_BYTES ? need : BLOCK_BYTES;

		b = calloc(1, sizeof(*b) + bytes);
		if (!b)
			return NULL;
		b->size = bytes;
		b->next = arena->head;
		arena->head = b;
	}
	p = b->data + b->used;
	b->used += need;
	return p;
}

char *arena_strndup(struct arena *arena, const char *s, size_t len)
{
	char *p = arena_alloc(arena, len + 1);

	if (p) {
		memcpy(p, s, len);
		p[len] = '\0';
	}
	return p;
}

char *arena_strdup(struct arena *arena, const char *s)
{
	return arena_strndup(arena, s, strlen(s));
}

void arena_release(struct arena *arena)
{
	while (arena->head) {
		struct arena_block *next = arena->head->next;

		free(arena->head);
		arena->head = next;
	}
}
