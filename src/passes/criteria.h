/*
 * criteria.h - per-class importance scores of the classic criteria
 * (issue 4): l1, l2, bn_scale, fpgm and random.  Higher means more
 * important; the selection (select.h) removes the lowest.
 *
 * A class (deps.h) is one channel seen by many tensors; its score
 * aggregates its members:
 *
 *   l1, l2    the sum over the class's producer rows (OUT members: a Conv
 *             filter W[c], a ConvTranspose W[:, c], a Gemm/MatMul weight
 *             column) of the row's L1 or L2 norm.  Bias is left out.
 *   fpgm      the sum over the same rows of the row's distance to the
 *             geometric median of its layer (He et al., CVPR 2019): the sum
 *             of its L2 distances to every other filter of that node,
 *             classes of other groups included.
 *   bn_scale  the sum of |gamma| over the class's BatchNormalization scale
 *             entries (Network Slimming, Liu et al. ICCV 2017).
 *   random    a uniform number in [0, 1) per class from the seed.
 *
 * Rules for what a class lacks.  A padded channel (option-A shortcut:
 * OPR_ROLE_PADDED) has no filter; it adds 0, which is what it is: a
 * constant zero channel.  Every class of a group has the same kinds of
 * members (groups are made that way), so such rules never favour one
 * channel over another of the same group.  A group with no producer row
 * (e.g. fed only through a blocker) is scored by its consumers' weight
 * columns (IN members) instead; bn_scale falls back to l1 for a group
 * without a BatchNormalization; a group with neither rows nor columns
 * scores every class 1.
 *
 * Normalisation.  opr_crit_normalize() divides every score by the mean
 * score of its group (a group with mean 0 gets all 0), so that scores of
 * different layers compare in a global ranking: 1 is a layer's average
 * channel.
 */
#ifndef OPR_CRITERIA_H
#define OPR_CRITERIA_H

#include <stddef.h>
#include <stdint.h>

#include "onnx_prune.h"

struct opr_graph;
struct opr_deps;
struct opr_deps_member;

/* The criteria. */
enum opr_crit {
	OPR_CRIT_L1 = 0,
	OPR_CRIT_L2,
	OPR_CRIT_BN_SCALE,
	OPR_CRIT_FPGM,
	OPR_CRIT_RANDOM,
	OPR_CRIT_COUNT
};

/*
 * The weight entries that belong to one channel of a producer (a filter
 * row or an input column): elements at off + s * stride + j for s in
 * [0, nseg), j in [0, seglen) of the float weight w.
 */
struct opr_crit_vec {
	const float *w;		/* the weight's data */
	int64_t off;		/* first element */
	int64_t nseg;		/* segments */
	int64_t seglen;		/* contiguous elements per segment */
	int64_t stride;		/* elements from one segment to the next */
};

/* Name of criterion c ("l1", ...), or NULL when out of range. */
const char *opr_crit_name(int c);

/*
 * The weight entries of member m (an OPR_ROLE_OUT or OPR_ROLE_IN member of
 * a Conv, ConvTranspose, Gemm or MatMul of g) into *v.  Returns OPR_OK;
 * OPR_EINVAL for another role or op; OPR_EUNSUPPORTED, naming the node,
 * for a weight that is not float32 or whose shape does not fit.
 */
int opr_crit_member_vec(const struct opr_graph *g,
			const struct opr_deps_member *m,
			struct opr_crit_vec *v, struct opr_err *err);

/* Lp norm of v (p > 0; 1 and 2 take a fast path), in double. */
double opr_crit_vec_norm(const struct opr_crit_vec *v, double p);

/*
 * The Lp norms (p > 0) of every channel of role (OPR_ROLE_OUT: filters,
 * IN: input columns) of producer node, as opr_crit_member_vec() lays them
 * out.  On OPR_OK *norms is malloc'd with *n entries (the caller frees
 * it); on error it is NULL.  Errors as opr_crit_member_vec(), and
 * OPR_ENOMEM.
 */
int opr_crit_node_norms(const struct opr_graph *g, int node, int role,
			double p, double **norms, int64_t *n,
			struct opr_err *err);

/*
 * The value of one weight row (member m: an OPR_ROLE_OUT or IN member of
 * a Conv, ConvTranspose, Gemm or MatMul) into *out.  OPR_OK or an error.
 */
typedef int (*opr_crit_row_fn)(void *ctx, const struct opr_graph *g,
			       const struct opr_deps_member *m, double *out,
			       struct opr_err *err);

/*
 * Raw scores of every class of d (the analysis of g) from its weight rows,
 * by the rules above that l1, l2 and fpgm follow: fn (with ctx) of each of
 * the class's producer rows (a group without them: consumer columns),
 * summed (mean = 0) or averaged (mean = 1).  Classes of frozen groups
 * score 0, those of groups with neither 1; non-finite scores become 0.
 * Returns OPR_OK or fn's error.  The soft-pruning methods (soft_prune.h)
 * score through it.
 */
int opr_crit_row_scores(const struct opr_graph *g, const struct opr_deps *d,
			opr_crit_row_fn fn, void *ctx, int mean, double *score,
			struct opr_err *err);

/*
 * Raw scores of criterion crit for every class of d (the analysis of g)
 * into score[0 .. d->n_classes) (see the file comment).  seed drives
 * random only.  Classes of frozen groups score 0.  Returns OPR_OK,
 * OPR_ENOMEM, or OPR_EUNSUPPORTED naming a node whose weight is not
 * float32.  Non-finite norms (NaN weights) score 0.
 */
int opr_crit_scores(const struct opr_graph *g, const struct opr_deps *d,
		    int crit, uint64_t seed, double *score,
		    struct opr_err *err);

/*
 * FPGM distance sums of the channels of role (OPR_ROLE_OUT: filters, IN:
 * input columns) of producer node: dist[c] = sum over the node's channels
 * j of that role of ||W_c - W_j||_2, the pairwise form of the paper's code
 * (O(n^2 k)).  On OPR_OK *dist is malloc'd with *n entries (the caller
 * frees it); on error it is NULL.  Errors as opr_crit_member_vec(), and
 * OPR_ENOMEM.
 */
int opr_crit_fpgm_node(const struct opr_graph *g, int node, int role,
		       double **dist, int64_t *n, struct opr_err *err);

/* Divides each score by its group's mean score (see the file comment). */
void opr_crit_normalize(const struct opr_deps *d, double *score);

#endif
