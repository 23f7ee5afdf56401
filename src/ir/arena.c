/*
 * arena.c - the bump allocator behind every graph (see arena.h).
 */
#include <stdlib.h>
#include <string.h>

#include "arena.h"

#define CHUNK_SIZE (64 * 1024)
#define ALIGN 16

struct opr_arena_chunk {
	struct opr_arena_chunk *next;	/* older chunk */
	size_t size;			/* usable bytes in mem */
	_Alignas(16) unsigned char mem[];	/* the storage */
};

static struct opr_arena_chunk *chunk_new(size_t size)
{
	struct opr_arena_chunk *c;

	if (size > (size_t)-1 - sizeof(*c))
		return NULL;
	c = calloc(1, sizeof(*c) + size);
	if (c)
		c->size = size;
	return c;
}

void *opr_arena_alloc(struct opr_arena *a, size_t n)
{
	struct opr_arena_chunk *c;
	size_t off;

	if (n == 0 || n > (size_t)-1 - ALIGN)
		return NULL;
	off = (a->used + ALIGN - 1) & ~(size_t)(ALIGN - 1);
	if (a->head && off + n <= a->head->size) {
		a->used = off + n;
		a->total += n;
		return a->head->mem + off;
	}
	if (n > CHUNK_SIZE / 4) {
		/* A big block gets its own chunk, linked behind the head so
		 * the head's free space is not wasted. */
		c = chunk_new(n);
		if (!c)
			return NULL;
		if (a->head) {
			c->next = a->head->next;
			a->head->next = c;
		} else {
			a->head = c;
			a->used = n;
		}
		a->total += n;
		return c->mem;
	}
	c = chunk_new(CHUNK_SIZE);
	if (!c)
		return NULL;
	c->next = a->head;
	a->head = c;
	a->used = n;
	a->total += n;
	return c->mem;
}

void *opr_arena_memdup(struct opr_arena *a, const void *src, size_t n)
{
	void *p = opr_arena_alloc(a, n ? n : 1);

	if (p && n)
		memcpy(p, src, n);
	return p;
}

char *opr_arena_strdup(struct opr_arena *a, const char *s)
{
	return s ? opr_arena_memdup(a, s, strlen(s) + 1) : NULL;
}

void opr_arena_free(struct opr_arena *a)
{
	struct opr_arena_chunk *c = a->head, *next;

	while (c) {
		next = c->next;
		free(c);
		c = next;
	}
	a->head = NULL;
	a->used = 0;
	a->total = 0;
}
