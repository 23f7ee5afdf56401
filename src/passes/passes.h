/*
 * passes.h - the pass registry (style.md §2.5): every graph transformation
 * the CLI can run with --passes, by name.
 *
 * A pass is a name, a one-line help text and a run function.  The CLI runs
 * the passes in the order given, re-infers shapes and verifies the graph
 * after each one.  The table lives in registry.c; the criteria passes
 * (l1, l2, bn_scale, fpgm, random) are in prune_pass.c.
 */
#ifndef OPR_PASSES_H
#define OPR_PASSES_H

#include <stddef.h>
#include <stdint.h>

#include "onnx_prune.h"

struct opr_graph;

struct opr_report;
struct opr_fc3sigma_result;
struct opr_dataset;
struct opr_ft_opts;

/* Options every pass may read.  Later passes add their fields here. */
struct opr_pass_opts {
	uint64_t seed;		/* seed of every random choice (passes are
				   deterministic for a given seed) */
	int verbose;		/* 1: passes report what they do on stderr */
	/* The budget of the pruning passes (OPR_PASS_BUDGET): exactly one of
	   ratio >= 0 and target_flops > 0 is set. */
	double ratio;		/* --ratio: fraction of every group's channels
				   to remove, in [0, 1); -1: not given */
	double target_flops;	/* --target-flops: MACs after <= this times
				   base_macs, in (0, 1]; 0: not given */
	int64_t base_macs;	/* MACs target_flops is relative to (the
				   model's before the first pass); 0: the
				   graph's when the pass starts */
	int round_to;		/* --round-to N: kept channel counts are
				   multiples of N (groups of >= N channels);
				   0 or 1: none */
	int n_exclude;		/* entries of exclude */
	const char *const *exclude;	/* --exclude: node names whose groups
					   are left alone */
	struct opr_report *report;	/* where passes record what they did
					   (report.h); NULL: nowhere */
	/* fc3sigma (fc3sigma.h) */
	double fc_k;		/* --k: threshold in sigmas, > 0; 0: 1 */
	int fc_variant;		/* --fc-variant: enum opr_fc_variant
				   (0: band) */
	struct opr_fc3sigma_result **fc_result;	/* non-NULL: fc3sigma
						   hands its result (masks
						   for fine-tuning) here; the
						   caller frees it with
						   opr_fc3sigma_free() */
	/* Training, for the passes that prune while training (bn_attn with
	   data, sfp).  Both NULL: no --data given. */
	const struct opr_dataset *train;	/* training images */
	const struct opr_ft_opts *ft;	/* the recipe: epochs, batch, lr,
					   schedule, threads, seed, mean/std,
					   teacher, log and progress hooks;
					   a pass that sets its own hook_fn
					   calls ft->hook_fn from it */
	long prune_every;	/* bn_attn: steps between re-selections
				   (0: once per epoch) */
	double gamma_l1;	/* bn_attn: L1 coefficient on BN gamma
				   (< 0: the default 1e-4) */
	double attn_t;		/* bn_attn: attention temperature (<= 0:
				   the default 1) */
	double norm_p;		/* sfp: the Lp norm's p (<= 0: the default
				   2) */
	double max_group_ratio;	/* budget passes: no group loses more
				   than this fraction of its channels
				   (0 or >= 1: no cap but the last
				   channel) */
	int mac_aware;		/* budget passes with a target: rank by
				   score per MAC saved (select.h) */
	double freeze_at;	/* bn_attn, sfp: fraction of the training
				   steps after which the last selection
				   is held with hard masks (soft_prune.h);
				   >= 1: select to the end; < 0: the
				   pass's default (bn_attn 0.2, sfp
				   0.6) */
	int soft_mask;		/* bn_attn, sfp: what a selection made
				   while training zeroes (OPR_SOFT_*) */
};

/* What a soft selection zeroes (soft_prune.h): the pass's default, the
   channel's filters (sfp's), or its BatchNormalization scale (bn_attn's). */
enum { OPR_SOFT_DEFAULT, OPR_SOFT_WEIGHTS, OPR_SOFT_SCALE };

/* Flags of a pass. */
enum {
	OPR_PASS_BUDGET = 1,	/* reads ratio / target_flops / round_to /
				   exclude and needs ratio or target_flops */
	OPR_PASS_EXCLUDE = 2,	/* reads exclude, needs no budget
				   (fc3sigma) */
	OPR_PASS_DATA = 4,	/* needs train and ft (sfp): the CLI says so
				   and exits 1 without --data */
	OPR_PASS_TRAINS = 8	/* uses train and ft when given (bn_attn) */
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
	unsigned flags;		/* OPR_PASS_* */
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
