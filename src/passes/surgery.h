/*
 * surgery.h - removing channel classes from a graph (issue 4), and the
 * masked equivalent that keeps the shapes.
 *
 * Both take the analysis of the same graph (deps.h) and a selection: one
 * byte per class of d, non-zero for the classes that go.  A selection is
 * valid when it names no class of a frozen group, leaves at least one
 * class in every group, and removes the same number of channels from
 * every group of a grouped Conv (OPR_WHY_GROUPED); opr_prune_check() says
 * whether it is.
 *
 * opr_prune_remove() edits g in place: it slices every member initializer
 * (conv weight rows and columns, biases, BN parameters, Gemm/MatMul
 * columns of a flattened channel, channel-broadcast constants), rewrites
 * shape constants and attributes (Reshape shapes, Pad / Slice / Split
 * amounts, the group attribute of grouped and depthwise convs), and where
 * a removed channel carries a constant that is not zero (its filter is all
 * zero but BN's shift is not, seen through ReLU and friends) folds that
 * constant into the consumers' biases where that is exact.  Afterwards the
 * graph's shapes are re-inferred and verified; d no longer describes g.
 *
 * opr_prune_mask() edits g in place too, but keeps every shape: it zeroes
 * what makes the selected channels zero everywhere (producer weight rows
 * and biases, BN scale and shift), so that the masked graph computes what
 * the pruned one does, on the kept channels.  Soft pruning (sfp, bn_attn)
 * masks; the tests compare the pruned graph with the masked one.
 */
#ifndef OPR_SURGERY_H
#define OPR_SURGERY_H

#include <stddef.h>
#include <stdint.h>

#include "onnx_prune.h"

struct opr_graph;
struct opr_deps;
struct opr_deps_member;

/*
 * OPR_OK when remove (one byte per class of d) is a valid selection for
 * d; otherwise OPR_EINVAL with err naming the group and the rule broken.
 */
int opr_prune_check(const struct opr_deps *d, const unsigned char *remove,
		    struct opr_err *err);

/*
 * Removes the selected classes from g (see above).  d must be the analysis
 * of g as it is now.  On OPR_OK g is smaller, shapes re-inferred and the
 * graph verified.  On error (OPR_EINVAL for an invalid selection, checked
 * before anything changes; OPR_ENOMEM) err says why; after OPR_ENOMEM g
 * may be partly edited and must be discarded.
 */
int opr_prune_remove(struct opr_graph *g, const struct opr_deps *d,
		     const unsigned char *remove, struct opr_err *err);

/*
 * Zeroes the selected classes in g's initializers (see above); shapes do
 * not change and d still describes g.  Same errors as opr_prune_remove().
 */
int opr_prune_mask(struct opr_graph *g, const struct opr_deps *d,
		   const unsigned char *remove, struct opr_err *err);

/* The most planes one member zeroes (a weight row and a bias entry). */
#define OPR_MASK_MAX_PLANES 2

/* One (initializer, axis, index) plane that masking a channel zeroes. */
struct opr_mask_plane {
	int node;	/* the node reading the initializer */
	int port;	/* its input position on node */
	int value;	/* the initializer (index into g->values) */
	int axis;	/* axis of value that index runs along; -1: value is
			   a single float broadcast over n channels (a Gemm
			   C), to be made one per channel before one of them
			   can be zeroed */
	int64_t index;	/* the channel's index along axis */
	int64_t n;	/* axis -1: the channels value is broadcast to */
};

/*
 * The planes opr_prune_mask() zeroes for member m of an analysis of g
 * (see above: a producer's weight row or column and bias entry, a
 * BatchNormalization scale or shift entry, the entry of an added or
 * concatenated constant), into out[0 .. OPR_MASK_MAX_PLANES).  Only
 * initializers with data count.  Returns how many (0 for members that
 * need nothing zeroed).
 */
int opr_mask_member_planes(const struct opr_graph *g,
			   const struct opr_deps_member *m,
			   struct opr_mask_plane *out);

/*
 * Zeroes index idx along axis ax of the tensor data (rank, dims, elements
 * of esz bytes; zero bits are 0 in every dtype); nothing when ax or idx is
 * out of range.  With esz 1 it clears a plane of a keep mask.
 */
void opr_mask_zero_plane(void *data, int rank, const int64_t *dims,
			 size_t esz, int ax, int64_t idx);

/*
 * As opr_prune_check(), with g (the graph d analysed) used to name the
 * nodes in the message: "group 3 (node 'conv1' (Conv), 16 channels):
 * ...".  opr_prune_remove() and opr_prune_mask() check this way.
 */
int opr_prune_check_graph(const struct opr_graph *g, const struct opr_deps *d,
			  const unsigned char *remove, struct opr_err *err);

/* What one opr_prune_remove_stats() call did. */
struct opr_prune_stats {
	int classes;		/* classes removed */
	int channels;		/* activation channels removed (slots) */
	int folded;		/* (consumer, removed input channel) pairs whose
				   constant was folded into the consumer's bias */
	int unfolded;		/* pairs whose constant is not zero but could
				   not be folded exactly (zero-padded k x k
				   consumer, ConvTranspose, Gemm with beta 0 or
				   a per-row C): the output changes there */
	int first_unfolded;	/* node index (before the edit) of the first
				   such consumer, -1 when none */
	int cloned;		/* shared constants duplicated because their
				   consumers needed different contents */
};

/*
 * opr_prune_remove() that also fills *st (may be NULL).  st is filled on
 * OPR_OK only.  Set OPR_SURGERY_VERBOSE=1 in the environment to get one
 * stderr line per constant that could not be folded.
 */
int opr_prune_remove_stats(struct opr_graph *g, const struct opr_deps *d,
			   const unsigned char *remove,
			   struct opr_prune_stats *st, struct opr_err *err);

#endif
