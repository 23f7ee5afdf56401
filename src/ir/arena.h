/*
 * arena.h - bump allocator that owns everything of one graph (style.md §8).
 *
 * Small requests are carved from 64 KiB chunks; large ones get a chunk of
 * their own.  Nothing is freed one by one: opr_arena_free() releases it all.
 */
#ifndef OPR_ARENA_H
#define OPR_ARENA_H

#include <stddef.h>

struct opr_arena_chunk;

struct opr_arena {
	struct opr_arena_chunk *head;	/* newest chunk, linked to older ones */
	size_t used;			/* bytes used in head */
	size_t total;			/* bytes handed out, for statistics */
};

/*
 * Returns n zeroed bytes aligned to 16, or NULL when out of memory (or when
 * n is 0).  The memory lives until opr_arena_free().
 */
void *opr_arena_alloc(struct opr_arena *a, size_t n);

/* Copies n bytes of src into the arena; NULL when out of memory. */
void *opr_arena_memdup(struct opr_arena *a, const void *src, size_t n);

/* Copies a NUL-terminated string; NULL for NULL or out of memory. */
char *opr_arena_strdup(struct opr_arena *a, const char *s);

/* Releases every block; the arena is empty and reusable afterwards. */
void opr_arena_free(struct opr_arena *a);

#endif
