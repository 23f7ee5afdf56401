/*
 * passes.h - the pass registry (style.md §2.5): every graph transformation
 * the CLI can run with --passes, by name.
 *
 * A pass is a name, a one-line help text and a run function.  The CLI runs
 * the passes in the order given, re-infers shapes and verifies the graph
 * after each one.  The table lives in registry.c; pruning passes are added
 * there by later issues.
 */
#ifndef OPR_PASSES_H
#define OPR_PASSES_H

#include <stddef.h>
#include <stdint.h>

#include "onnx_prune.h"

struct opr_graph;

/* Options every pass may read.  Later passes add their fields here. */
struct opr_pass_opts {
	uint64_t seed;		/* seed of every random choice (passes are
				   deterministic for a given seed) */
	int verbose;		/* 1: passes report what they do on stderr */
};

/* One entry of the registry. */
struct opr_pass {
	const char *name;	/* what --passes names, e.g. "bn_scale" */
	const char *help;	/* one line for --help */
	/*
	 * Transforms g in place.  Returns OPR_OK, or an error (with err filled)
	 * after which g is still well-formed but may be partly transformed.
	 */
	int (*run)(struct opr_graph *g, const struct opr_pass_opts *opts,
		   struct opr_err *err);
};

/*
 * The registered passes in *n (may be 0) and a pointer to the first; the
 * table is static and lives for the whole program.
 */
const struct opr_pass *opr_pass_table(int *n);

/* The pass called name, or NULL when there is none. */
const struct opr_pass *opr_pass_find(const char *name);

/*
 * Writes the names of all passes, separated by ", ", into buf (always
 * NUL-terminated, truncated to len), or "(none yet)" when there are none.
 * Returns buf.
 */
const char *opr_pass_names(char *buf, size_t len);

#endif
