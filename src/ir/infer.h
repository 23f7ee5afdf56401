/*
 * infer.h - private interface of shape inference (infer*.c) and constant
 * folding (fold*.c): the per-op functions the op table points at, and the
 * helpers they share.  Not installed; only src/ir includes it.
 *
 * A shape under construction is a struct opr_shape: a dim is known (>= 0),
 * symbolic (-1 with a dim_param name such as the batch "N") or unknown (-1,
 * no name).  Symbol strings are shared with the values they came from; they
 * live in the graph arena like everything else.
 */
#ifndef OPR_INFER_H
#define OPR_INFER_H

#include <stdint.h>

#include "ir.h"

/* A shape being computed for an output. */
struct opr_shape {
	int rank;			/* -1 when not known */
	int64_t d[OPR_MAX_RANK];	/* -1 for a dim not known statically */
	const char *p[OPR_MAX_RANK];	/* symbolic name of such a dim, or NULL */
};

/* Largest constant int list read for an attribute-like input (Split sizes). */
#define OPR_MAX_CONST_INTS OPR_MAX_INPUTS

/* ---- infer.c: helpers ---- */

/*
 * Sets err to OPR_ESHAPE with "path: node 'x' (Op): " and the formatted
 * message, and returns OPR_ESHAPE.
 */
int opr_infer_errf(const struct opr_graph *g, int node, struct opr_err *err,
		   const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Value of input k of node, or NULL when absent or omitted (-1). */
struct opr_value *opr_infer_in(const struct opr_graph *g, int node, int k);

/* Copies v's shape into s (rank -1 when v is NULL or its rank unknown). */
void opr_infer_get(const struct opr_value *v, struct opr_shape *s);

/*
 * Writes dtype and shape s to output k of node.  An unknown dtype or rank
 * leaves the value's current one (the importer may have filled it from
 * value_info); a dim inferred as unknown keeps the value's current dim when
 * the ranks agree.  Fails (OPR_ESHAPE) when s->rank exceeds OPR_MAX_RANK.
 */
int opr_infer_set(struct opr_graph *g, int node, int k, int dtype,
		  const struct opr_shape *s, struct opr_err *err);

/* Marks s unknown (rank -1). */
void opr_shape_unknown(struct opr_shape *s);

/* Sets dim i of s to unknown. */
void opr_shape_dim_unknown(struct opr_shape *s, int i);

/* 1 when every dim of s is known (rank >= 0 and no -1). */
int opr_shape_static(const struct opr_shape *s);

/*
 * Reads the int64 or int32 constant v (an initializer of rank 0 or 1) into
 * out[0..*n).  Returns 1 when read, 0 when v is absent or not a constant,
 * -1 when it is a constant of another dtype or rank, or longer than max.
 */
int opr_const_ints(const struct opr_graph *g, int v, int64_t *out, int max,
		   int *n);

/* As opr_const_ints() for a float, double or float16-free float tensor. */
int opr_const_floats(const struct opr_graph *g, int v, double *out, int max,
		     int *n);

/*
 * Infers the outputs of one node (opr_infer_shapes() runs it over all
 * nodes; the folding sweep node by node).  Unknown ops, dead nodes and ops
 * without an infer function are left alone.  Returns OPR_OK or OPR_ESHAPE.
 */
int opr_infer_node(struct opr_graph *g, int node, struct opr_err *err);

/*
 * Multidirectional (numpy) broadcast of a and b into out.  Returns 0, or the
 * 1-based output axis whose known dims disagree.  Unknown rank gives unknown.
 */
int opr_broadcast(const struct opr_shape *a, const struct opr_shape *b,
		  struct opr_shape *out);

/*
 * The more precise of two dims claimed equal: known beats symbolic beats
 * unknown.  Returns -1 when both are known and differ, else 0.
 */
int opr_dim_merge(int64_t d1, const char *p1, int64_t d2, const char *p2,
		  int64_t *d, const char **p);

/*
 * Reads the axes of Squeeze/Unsqueeze/ReduceMean (constant input 1, else the
 * attribute) normalised against rank into axes[0..*n).  Returns 1 when read,
 * 0 when absent, 2 when input 1 is not a constant, or minus an error status
 * (repeated or out-of-range axis, naming the node).
 */
int opr_read_axes(struct opr_graph *g, int node, int rank, int *axes, int *n,
		  struct opr_err *err);

/*
 * ---- per-op inference (infer_*.c), pointed at by the op table ----
 * Each follows the contract of opr_infer_fn (ops.h): outputs get dtype and
 * shape from the inputs and attributes; OPR_ESHAPE naming node, op and the
 * attribute or input at fault; an output that cannot be known is left as
 * it was.
 */

int opr_infer_same(struct opr_graph *g, int node, struct opr_err *err);
int opr_infer_binary(struct opr_graph *g, int node, struct opr_err *err);
int opr_infer_sum(struct opr_graph *g, int node, struct opr_err *err);
int opr_infer_prelu(struct opr_graph *g, int node, struct opr_err *err);
int opr_infer_batchnorm(struct opr_graph *g, int node, struct opr_err *err);
int opr_infer_clip(struct opr_graph *g, int node, struct opr_err *err);
int opr_infer_cast(struct opr_graph *g, int node, struct opr_err *err);
int opr_infer_dropout(struct opr_graph *g, int node, struct opr_err *err);
int opr_infer_softmax(struct opr_graph *g, int node, struct opr_err *err);
int opr_infer_constant(struct opr_graph *g, int node, struct opr_err *err);

int opr_infer_conv(struct opr_graph *g, int node, struct opr_err *err);
int opr_infer_convtranspose(struct opr_graph *g, int node, struct opr_err *err);
int opr_infer_pool(struct opr_graph *g, int node, struct opr_err *err);
int opr_infer_global_pool(struct opr_graph *g, int node, struct opr_err *err);

int opr_infer_reshape(struct opr_graph *g, int node, struct opr_err *err);
int opr_infer_flatten(struct opr_graph *g, int node, struct opr_err *err);
int opr_infer_transpose(struct opr_graph *g, int node, struct opr_err *err);
int opr_infer_concat(struct opr_graph *g, int node, struct opr_err *err);
int opr_infer_split(struct opr_graph *g, int node, struct opr_err *err);
int opr_infer_squeeze(struct opr_graph *g, int node, struct opr_err *err);
int opr_infer_unsqueeze(struct opr_graph *g, int node, struct opr_err *err);
int opr_infer_shape(struct opr_graph *g, int node, struct opr_err *err);
int opr_infer_constantofshape(struct opr_graph *g, int node, struct opr_err *err);
int opr_infer_expand(struct opr_graph *g, int node, struct opr_err *err);

int opr_infer_slice(struct opr_graph *g, int node, struct opr_err *err);
int opr_infer_pad(struct opr_graph *g, int node, struct opr_err *err);
int opr_infer_gather(struct opr_graph *g, int node, struct opr_err *err);
int opr_infer_resize(struct opr_graph *g, int node, struct opr_err *err);

int opr_infer_gemm(struct opr_graph *g, int node, struct opr_err *err);
int opr_infer_matmul(struct opr_graph *g, int node, struct opr_err *err);
int opr_infer_reducemean(struct opr_graph *g, int node, struct opr_err *err);

/*
 * Slice geometry shared by inference and folding: for each of the rank axes
 * of a tensor with dims (all known on the sliced axes), the first index,
 * step and count taken.  Axes not sliced get start 0, step 1, count dim.
 * Returns OPR_OK, OPR_EUNSUPPORTED when starts/ends/axes/steps are not
 * constant, or OPR_ESHAPE naming the node.
 */
struct opr_slice_plan {
	int sliced[OPR_MAX_RANK];	/* 1 when the axis is sliced */
	int64_t start[OPR_MAX_RANK];	/* first index taken */
	int64_t step[OPR_MAX_RANK];	/* step, never 0 */
	int64_t count[OPR_MAX_RANK];	/* elements taken, -1 when unknown */
};
int opr_slice_plan(struct opr_graph *g, int node, const struct opr_shape *x,
		   struct opr_slice_plan *sp, struct opr_err *err);

/* ---- per-op folding (fold_*.c) ---- */

/*
 * Makes output value v an initializer holding data (nbytes, copied into the
 * arena unless it already lives there: pass own = 1 for arena memory).  The
 * value's dtype and shape must already be static and match nbytes.
 * Returns OPR_OK, OPR_EUNSUPPORTED when the shape is not static or does not
 * match, or OPR_ENOMEM.
 */
int opr_fold_set(struct opr_graph *g, int v, const void *data, size_t nbytes,
		 int own, struct opr_err *err);

/*
 * Appends value v to g->inits (growing the malloc'd array).  Returns OPR_OK
 * or OPR_ENOMEM.
 */
int opr_fold_add_init(struct opr_graph *g, int v, struct opr_err *err);

/*
 * Odometer over an output tensor of rank dims that tracks, for up to three
 * sources, the element offset reached through per-axis strides (0 for a
 * broadcast axis, negative for a reversed slice).
 */
struct opr_walk {
	int rank;				/* output rank */
	int64_t dims[OPR_MAX_RANK];		/* output dims */
	int64_t idx[OPR_MAX_RANK];		/* current output index */
	int64_t stride[3][OPR_MAX_RANK];	/* per source and output axis */
	int64_t off[3];				/* current offset in each source */
};

/* Starts w at index 0 of an output of the given dims; strides all 0. */
void opr_walk_init(struct opr_walk *w, const int64_t *dims, int rank);

/* Advances w to the next output element in row-major order. */
void opr_walk_next(struct opr_walk *w);

/* Row-major element strides of dims into st. */
void opr_strides(const int64_t *dims, int rank, int64_t *st);

/*
 * Per-op folders, pointed at by the op table.  Each follows the contract of
 * opr_fold_fn (ops.h); they run right after the node's inference, so the
 * output shapes they fill are known, and return OPR_EUNSUPPORTED (nothing
 * written) for what they do not handle.
 */
int opr_fold_copy(struct opr_graph *g, int node, struct opr_err *err);
int opr_fold_transpose(struct opr_graph *g, int node, struct opr_err *err);
int opr_fold_concat(struct opr_graph *g, int node, struct opr_err *err);
int opr_fold_split(struct opr_graph *g, int node, struct opr_err *err);
int opr_fold_slice(struct opr_graph *g, int node, struct opr_err *err);
int opr_fold_gather(struct opr_graph *g, int node, struct opr_err *err);
int opr_fold_shape(struct opr_graph *g, int node, struct opr_err *err);
int opr_fold_expand(struct opr_graph *g, int node, struct opr_err *err);
int opr_fold_constantofshape(struct opr_graph *g, int node, struct opr_err *err);
int opr_fold_constant(struct opr_graph *g, int node, struct opr_err *err);
int opr_fold_cast(struct opr_graph *g, int node, struct opr_err *err);
int opr_fold_binary(struct opr_graph *g, int node, struct opr_err *err);
int opr_fold_unary(struct opr_graph *g, int node, struct opr_err *err);

/*
 * Partial constants (fold_partial.c): int64 vectors some of whose elements
 * are symbolic dims.  Used by opr_fold_constants() to see through the
 * Shape -> Gather -> Unsqueeze -> Concat chains exporters emit for a
 * dynamic batch.  The table lives for one fold pass.
 */
struct opr_pconst {
	int n;			/* elements */
	int64_t *v;		/* value of each known element */
	const char **sym;	/* symbol of each element, NULL when known */
	char *unk;		/* 1 for an element neither known nor symbolic */
};

struct opr_pctab {
	struct opr_arena arena;		/* owns the vectors below */
	struct opr_pconst **pc;		/* per value id, NULL when none */
	int n;				/* entries in pc */
};

/*
 * Evaluates node on partial constants and records results in t.  When an
 * output turns out fully known it is made an initializer and *folded is
 * set.  Returns OPR_OK or OPR_ENOMEM.
 */
int opr_pconst_eval(struct opr_graph *g, struct opr_pctab *t, int node,
		    int *folded, struct opr_err *err);

/*
 * For Reshape/Expand whose shape input is a partial constant, replaces it by
 * a new int64 initializer (symbols the op copies from its data input become
 * 0 for Reshape, 1 for Expand; one other unknown becomes -1 for Reshape).
 * Sets *changed when it did.  Returns OPR_OK or OPR_ENOMEM.
 */
int opr_pconst_rewrite(struct opr_graph *g, struct opr_pctab *t, int node,
		       int *changed, struct opr_err *err);

/* The partial constant of value v: from t, or built from an int initializer. */
const struct opr_pconst *opr_pconst_get(struct opr_graph *g,
					struct opr_pctab *t, int v);

#endif
