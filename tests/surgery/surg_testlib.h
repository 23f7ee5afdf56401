/*
 * surg_testlib.h - what the surgery tests share: a seeded random source,
 * valid random selections for an analysis, running a graph through the
 * runtime, and zeroing the filters of selected classes (folding tests).
 */
#ifndef SURG_TESTLIB_H
#define SURG_TESTLIB_H

#include <stddef.h>
#include <stdint.h>

#include "ir.h"
#include "passes/deps.h"
#include "passes/surgery.h"

/* xorshift64* state; never 0. */
struct trng {
	uint64_t s;
};

void trng_seed(struct trng *r, uint64_t seed);
uint64_t trng_next(struct trng *r);
/* Uniform in [0, 1). */
double trng_unit(struct trng *r);

/* How a selection is drawn. */
enum {
	SEL_RANDOM = 0,	/* each group with probability 3/4, a random share */
	SEL_MAX,	/* every group but one class of it (where valid) */
	SEL_FOLDABLE,	/* only groups whose consumers fold exactly */
	SEL_UNFOLDABLE	/* only groups with a zero-padded consumer */
};

/*
 * Draws a valid selection for d (g: the graph it analysed) into sel
 * (d->n_classes bytes) in the given mode.  Grouped convs get the same
 * count per group; a group whose draw fails opr_prune_check_graph() 50
 * times is left whole.  Returns the number of classes selected, -1 when
 * out of memory.
 */
int sel_draw(const struct opr_graph *g, const struct opr_deps *d,
	     struct trng *r, int mode, unsigned char *sel);

/*
 * 1 when every input-channel consumer of group gi folds exactly and its
 * channels stay one constant over the map (no Concat over H or W).
 */
int group_foldable(const struct opr_graph *g, const struct opr_deps *d,
		   int gi);

/*
 * Runs g on input (batch n) and returns a malloc'd copy of output 0 in
 * *out (*len floats).  OPR_OK, or the runtime's error in err.
 */
int run_graph(const struct opr_graph *g, const float *input, int n,
	      float **out, size_t *len, struct opr_err *err);

/*
 * Number of float elements of one sample of g's first input (static dims
 * but the batch), or -1.
 */
int64_t input_numel(const struct opr_graph *g);

/*
 * Zeroes, in g, the weights (not the biases) of every producer output
 * channel (OUT member) of the selected classes.  0, -1 when out of memory.
 */
int zero_filters(struct opr_graph *g, const struct opr_deps *d,
		 const unsigned char *sel);

/* Largest |a[i] - b[i]| and largest |b[i]| over n floats. */
double max_diff(const float *a, const float *b, size_t n, double *scale);

#endif
