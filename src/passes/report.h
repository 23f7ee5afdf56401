/*
 * report.h - what the passes did, for `--report`: one entry per pass run,
 * in run order, with its budget, the MACs and parameters before and after
 * it, its time, the channels every group kept (which ones, by index), and
 * named numbers a pass may add (a sparsity, an epoch count...), and for
 * the passes that prune while training, every selection they made.  The
 * criteria passes (l1, l2, bn_scale, fpgm, random) fill it; so do the
 * later pruning passes.  The CLI writes it as JSON (src/cli/prune_report.c).
 *
 * Everything is malloc'd and owned by the struct opr_report; strings are
 * copies.  A pass that fails leaves its entry as far as it got.
 */
#ifndef OPR_REPORT_H
#define OPR_REPORT_H

#include <stdint.h>

#include "onnx_prune.h"

struct opr_graph;
struct opr_deps;

/* What happened to a group. */
enum opr_report_status {
	OPR_REP_PRUNED = 0,	/* lost at least one channel */
	OPR_REP_KEPT,		/* prunable, lost none */
	OPR_REP_FROZEN,		/* may not be pruned (deps.h) */
	OPR_REP_EXCLUDED	/* left alone by --exclude */
};

/* One channel group of the analysis a pass ran on. */
struct opr_report_group {
	int id;			/* group number in that analysis */
	char *node;		/* name of the node of its first member */
	int role;		/* that member's role (enum opr_deps_role) */
	int status;		/* enum opr_report_status */
	int before;		/* channels (classes) before */
	int kept;		/* channels kept */
	int *kept_idx;		/* kept channels, numbered as that first member
				   sees them (its smallest index per class),
				   ascending; kept entries */
};

/* A named number a pass adds to its entry. */
struct opr_report_kv {
	char *key;
	double value;
};

/*
 * One selection of a pass that re-selects while training (bn_attn with
 * data, sfp): when it was made and how it differs from the one before.
 */
struct opr_report_sel {
	long step;		/* training steps done when it was made */
	int epoch;		/* epochs completed then */
	int removed;		/* channels (classes) selected to go */
	int changed;		/* channels whose state (go / stay) differs
				   from the previous selection; 0 for the
				   first */
	int regrown;		/* channels the previous selection zeroed
				   that this one keeps (they grew back) */
	int64_t macs;		/* MACs the graph would have without them */
	int held;		/* 1: the last selection, held with hard
				   masks to the end of training */
};

/* One pass run. */
struct opr_report_pass {
	char *name;		/* the pass, e.g. "l1" */
	double ratio;		/* budget: --ratio, or -1 */
	double target_flops;	/* budget: --target-flops, or -1 */
	int round_to;		/* budget: --round-to (0: none) */
	int64_t macs_before, macs_after;	/* of the whole graph */
	int64_t params_before, params_after;
	int64_t nonzero_params_after;	/* of params_after, the non-zero ones;
					   -1: not counted (the CLI counts
					   them after the pass) */
	int64_t macs_goal;	/* target * base MACs, -1 for none */
	int within_tol;		/* target met within the tolerance */
	double seconds;		/* wall time of the pass */
	int groups_pruned;	/* groups that lost channels */
	int n_groups;
	struct opr_report_group *groups;
	int n_kv;
	struct opr_report_kv *kv;
	int n_sel;		/* selections made while training (0: one
				   shot) */
	struct opr_report_sel *sel;	/* n_sel of them, in order */
};

/* The report of a whole run. */
struct opr_report {
	int n_passes;
	struct opr_report_pass *passes;
};

/*
 * Appends a zeroed entry for pass name (budget fields, macs_goal and
 * nonzero_params_after -1) to r.  Returns it, or NULL when out of memory.
 * The pointer is valid until the next call.
 */
struct opr_report_pass *opr_report_add_pass(struct opr_report *r,
					    const char *name);

/*
 * Records the groups of d (the analysis of g) in p: for each, its first
 * member's node and role, its channel count and the classes that remove
 * leaves (remove: one byte per class, NULL: none), with status from
 * d and skip (per group, NULL: none).  Replaces groups recorded before.
 * Returns OPR_OK or OPR_ENOMEM.
 */
int opr_report_groups(struct opr_report_pass *p, const struct opr_graph *g,
		      const struct opr_deps *d, const unsigned char *remove,
		      const unsigned char *skip, struct opr_err *err);

/* Adds (or replaces) the number key = value to p.  OPR_OK or OPR_ENOMEM. */
int opr_report_set(struct opr_report_pass *p, const char *key, double value,
		   struct opr_err *err);

/* Appends a copy of *s to p's selections.  OPR_OK or OPR_ENOMEM. */
int opr_report_add_sel(struct opr_report_pass *p,
		       const struct opr_report_sel *s, struct opr_err *err);

/*
 * The parameters of g as stats.c counts them (float initializers of Conv,
 * ConvTranspose, Gemm, MatMul, BatchNormalization, PRelu, each once) that
 * are non-zero.  -1 when out of memory.
 */
int64_t opr_nonzero_params(const struct opr_graph *g);

/* Frees what r owns (not r itself) and zeroes it.  NULL is a no-op. */
void opr_report_clear(struct opr_report *r);

#endif
