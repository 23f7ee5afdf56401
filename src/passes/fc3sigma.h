/*
 * fc3sigma.h - the one-shot part of the fc3sigma pass (methods.md §3,
 * field-notes §5.5): statistical thresholding of the weights of the fully
 * connected layers, the fixed masks that fine-tuning keeps, and the
 * structural removal of rows and columns that end up all zero.
 *
 * Layers.  A fully connected layer is a Gemm or a MatMul whose input 1 is
 * a float32 rank-2 initializer and whose input 0 is not: W[out, in] for a
 * Gemm with transB = 1, W[in, out] for the others.  Nodes named in the
 * exclude list are left alone, and so are the weights they read.  A
 * weight read by several layers is thresholded once, with the statistics
 * of the whole tensor.
 *
 * Threshold.  mu and sigma are taken over all the weights of a layer
 * before anything is zeroed (cached at the start, as Distiller does), in
 * double.  The variants:
 *   band         (default; the combination-pruning paper) zero every w
 *                with |w - mu| < k sigma: the open interval
 *                (mu - k sigma, mu + k sigma); sigma is the population
 *                standard deviation (numpy's std).  Larger k zeroes more.
 *   sensitivity  (Distiller SensitivityPruner, Han et al. 2015) zero every
 *                w with |w| <= k std, std being the sample standard
 *                deviation (n - 1, torch.std).
 * Biases are kept.  NaN weights are never zeroed.
 *
 * Structure.  Afterwards the channel classes of the dependency analysis
 * (deps.h) that the zeros make dead are removed with opr_prune_remove():
 *   - a class every consumer of which (every IN member: Gemm/MatMul
 *     column, Conv input slice) has all-zero weights for it: the channel
 *     is read by nobody (a Gemm input feature, or through Flatten the conv
 *     channel behind a group of them);
 *   - a class every producer of which is a Gemm/MatMul (OUT members) with
 *     an all-zero weight row for it: the channel is the constant bias
 *     (through ReLU and friends), which the surgery folds into the
 *     consumers' biases.
 * Frozen groups (the classifier's output, graph inputs and outputs,
 * blockers), grouped-conv groups and groups that touch an excluded node
 * are left alone, and every group keeps at least one channel.
 *
 * Masks.  One per thresholded weight, in the graph as the pass leaves it
 * (rows and columns removed): 1 where the weight may train, 0 where it
 * was zeroed and must stay zero.  Fine-tuning (issue 5) re-applies them
 * after every update with opr_fc3sigma_apply_masks().
 */
#ifndef OPR_FC3SIGMA_H
#define OPR_FC3SIGMA_H

#include <stdint.h>
#include <stdio.h>

#include "onnx_prune.h"

struct opr_graph;
struct opr_pass_opts;
struct opr_report_pass;

/* The thresholds (see above). */
enum opr_fc_variant {
	OPR_FC_BAND = 0,	/* |w - mu| < k sigma */
	OPR_FC_SENSITIVITY,	/* |w| <= k std (n - 1) */
	OPR_FC_VARIANT_COUNT
};

/* What one opr_fc3sigma() call does. */
struct opr_fc3sigma_opts {
	double k;			/* > 0 */
	int variant;			/* enum opr_fc_variant */
	int structural;			/* 1: remove dead rows and columns */
	int n_exclude;			/* entries of exclude */
	const char *const *exclude;	/* node names left alone */
	struct opr_report_pass *rep;	/* receives the channel groups of the
					   structural step; NULL: none */
};

/* One fully connected layer, before and after. */
struct opr_fc_layer {
	char *node;		/* node name (malloc'd) */
	char *op;		/* "Gemm" or "MatMul" (malloc'd) */
	char *weight;		/* weight initializer name (malloc'd) */
	int shared;		/* 1: its weight was thresholded with an
				   earlier layer's (zeroed counts there) */
	int64_t out_before, in_before;	/* output and input features */
	int64_t out_after, in_after;
	double mu, sigma;	/* weight mean and the variant's sigma */
	double lo, hi;		/* zeroed interval: (lo, hi) for band,
				   [lo, hi] for sensitivity */
	int64_t weights;	/* weight elements before */
	int64_t zeroed;		/* of those, set to zero (0 when shared) */
	int rows_removed;	/* output features removed */
	int cols_removed;	/* input features removed */
	int64_t params_before;	/* weight + bias elements before */
	int64_t params_after;	/* the same after */
	int64_t nonzero_after;	/* non-zero weight + bias elements after */
};

/* The fixed mask of one thresholded weight, in the graph after the pass. */
struct opr_fc_mask {
	char *name;		/* weight initializer name (malloc'd) */
	int value;		/* its index in g->values after the pass
				   (until the graph changes again) */
	int64_t n;		/* elements: the weight's numel after */
	unsigned char *keep;	/* n bytes, 1: trainable, 0: pruned, stays 0 */
	int64_t kept;		/* ones in keep */
};

/* Everything one opr_fc3sigma() call did. */
struct opr_fc3sigma_result {
	double k;			/* as used */
	int variant;			/* as used */
	int n_layers;
	struct opr_fc_layer *layers;	/* in node order */
	int n_masks;
	struct opr_fc_mask *masks;	/* one per distinct weight */
	int classes_removed;		/* channel classes removed */
	int classes_unused;		/* of which: read by nobody */
	int classes_const;		/* of which: constant (zero rows) */
	int folded, unfolded;		/* constants folded into biases, and
					   not foldable exactly (surgery) */
	int64_t fc_weights_before;	/* FC weight elements before */
	int64_t fc_zeroed;		/* of those, zeroed by the threshold */
	int64_t fc_weights_after;	/* FC weight elements after */
	int64_t fc_nonzero_after;	/* of those, non-zero */
	int64_t params_before, params_after;	/* whole model (stats.c) */
	int64_t nonzero_params_after;	/* params after that are non-zero */
	int64_t macs_before, macs_after;	/* whole model, batch 1 */
};

/* Name of variant v ("band", "sensitivity"), NULL when out of range. */
const char *opr_fc_variant_name(int v);

/* The variant called s into *v: 0, or -1 for an unknown name. */
int opr_fc_variant_parse(const char *s, int *v);

/*
 * Thresholds the n weights w in place with variant and k (see above):
 * sets the zeroed ones to 0.0f and keep[i] to 0 for them, 1 for the rest
 * (keep may be NULL), stores the mean in *mu, the variant's sigma in
 * *sigma and the zeroed interval in *lo, *hi (any of them may be NULL).
 * Returns the number zeroed.  n == 0 zeroes nothing.
 */
int64_t opr_fc_threshold(float *w, int64_t n, int variant, double k,
			 unsigned char *keep, double *mu, double *sigma,
			 double *lo, double *hi);

/*
 * Runs the one-shot fc3sigma on g in place: threshold, structural removal
 * (o->structural), masks.  On OPR_OK *out owns the result (free with
 * opr_fc3sigma_free()); on error *out is NULL and err says why: OPR_EUSAGE
 * for a bad k or variant, OPR_ENOMEM, the surgery's errors.  After an
 * error g may be partly pruned, but stays well-formed unless the error is
 * OPR_ENOMEM from the surgery.
 */
int opr_fc3sigma(struct opr_graph *g, const struct opr_fc3sigma_opts *o,
		 struct opr_fc3sigma_result **out, struct opr_err *err);

/* Frees r and what it owns.  NULL is a no-op. */
void opr_fc3sigma_free(struct opr_fc3sigma_result *r);

/*
 * Zeroes the pruned entries of every mask of r in g (found by name; the
 * weights must still have the mask's size): what fine-tuning calls after
 * each update.  Returns OPR_OK, or OPR_EINVAL naming a weight that is
 * missing or changed size.
 */
int opr_fc3sigma_apply_masks(struct opr_graph *g,
			     const struct opr_fc3sigma_result *r,
			     struct opr_err *err);

/* Prints r as a table (one line per layer, then the totals) to f. */
void opr_fc3sigma_print(FILE *f, const struct opr_fc3sigma_result *r);

/*
 * The registered pass "fc3sigma": opr_fc3sigma() with k = o->fc_k (0:
 * 1), variant o->fc_variant, structural removal on, o->exclude; records
 * a report entry in o->report (totals and per-layer numbers as named
 * values); prints the table on stderr when o->verbose; hands the result
 * (masks) to *o->fc_result when that is set, else frees it.
 */
int opr_pass_fc3sigma(struct opr_graph *g, const struct opr_pass_opts *o,
		      struct opr_err *err);

#endif
