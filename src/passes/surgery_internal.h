/*
 * surgery_internal.h - what the files of the channel surgery share while
 * one opr_prune_remove() or opr_prune_mask() call runs.  Not used outside
 * src/passes/surgery*.c and mask.c.
 *
 * The surgery works from the slots of the analysis: a slot is kept unless
 * its class is selected.  From that every activation gets its new dims,
 * and every node its edits, computed from its inputs' and outputs' kept
 * slots (not from the members: a member says that something changes, the
 * kept slots of the values say exactly what).  Edits are collected first
 * (surgery_slice.c: initializers; surgery_consts.c: shape constants and
 * attributes; surgery_fold.c: biases), so that an error leaves g as it
 * was, then applied at once (surgery_edit.c).
 */
#ifndef OPR_SURGERY_INTERNAL_H
#define OPR_SURGERY_INTERNAL_H

#include "ir.h"
#include "passes/deps.h"
#include "passes/surgery.h"

/* What a pending edit does (surgery_edit.c applies them in order). */
enum surg_edit_kind {
	SURG_SET_INPUT = 0,	/* input port of node := tensor (dtype, rank,
				   dims, data); a shared constant is cloned */
	SURG_SET_INTS,		/* attribute attr := INTS data[0..n) */
	SURG_SET_INT,		/* attribute attr := INT i */
	SURG_DEL_ATTR,		/* attribute attr removed */
	SURG_TO_GEMM		/* the MatMul node becomes a Gemm */
};

/* One pending change of the graph. */
struct surg_edit {
	int kind;		/* enum surg_edit_kind */
	int node;		/* node it changes */
	int port;		/* SET_INPUT: input position (may be past n_in) */
	const char *attr;	/* attribute name (static string) */
	int dtype, rank;	/* SET_INPUT: the new tensor's type and rank */
	int64_t dims[OPR_MAX_RANK];	/* SET_INPUT: its dims */
	void *data;		/* SET_INPUT: bytes; SET_INTS: int64 list;
				   both in g's arena */
	size_t nbytes;		/* SET_INPUT: bytes in data */
	int64_t i;		/* SET_INT: the value */
	int n;			/* SET_INTS: entries in data */
};

/* A constant cloned for some consumers, reused for others that agree. */
struct surg_clone {
	int orig;		/* value it was cloned from, -1 for a new bias */
	int v;			/* the clone */
};

/* The state of one surgery. */
struct surg {
	struct opr_graph *g;		/* graph edited */
	const struct opr_deps *d;	/* its analysis (before the edits) */
	const unsigned char *remove;	/* one byte per class, 1: goes */
	int n_values;			/* g->n_values when planned */
	int n_nodes;			/* g->n_nodes when planned */
	int64_t opset;			/* default-domain opset of g */
	unsigned char *kept;		/* per slot of d: 1 when kept */
	unsigned char *changed;		/* per value: 1 when slots go */
	int64_t (*dims)[OPR_MAX_RANK];	/* per value: dims after the surgery */
	int *refs;			/* per value: node inputs, graph inputs
					   and outputs that name it */
	double **cst;			/* per value: constant of each removed
					   slot (NaN: not constant), or NULL */
	double **bias;			/* per node: its bias after folding
					   (full size, doubles), or NULL */
	struct surg_edit *e;		/* pending edits */
	int n_e, cap_e;
	struct surg_clone *clones;	/* clones made while applying */
	int n_clones, cap_clones;
	struct opr_prune_stats st;	/* counts for the caller */
	int verbose;			/* OPR_SURGERY_VERBOSE set */
};

/* ---- surgery_plan.c ---- */

/*
 * Fills s for removing `remove` from g (analysis d): kept slots, changed
 * values, new dims, references.  Fails with OPR_EINVAL when an activation
 * would lose all its channels, OPR_ENOMEM.  surg_free() frees s after any
 * return.
 */
int surg_plan(struct surg *s, struct opr_graph *g, const struct opr_deps *d,
	      const unsigned char *remove, struct opr_err *err);

/* Frees what s holds (not g, d or remove). */
void surg_free(struct surg *s);

/* The view of value v, or NULL when it has no channel slots. */
const struct opr_deps_view *surg_view(const struct surg *s, int v);

/* 1 when slot `slot` (0-based within v's view) of v is kept. */
int surg_slot_kept(const struct surg *s, int v, int slot);

/*
 * Number of axis-1 channels of v as the analysis sees them (dims[1] when
 * v's view has axis 1 free), or -1.
 */
int surg_chan_n(const struct surg *s, int v);

/* Slot of axis-1 channel c of v (surg_chan_n(v) > c). */
int surg_chan_slot(const struct surg *s, int v, int c);

/* 1 when axis-1 channel c of v is kept (always 1 without a view). */
int surg_keep1(const struct surg *s, int v, int c);

/*
 * Kept axis-1 channels of v in [lo, hi) (every one without a view).
 */
int64_t surg_count1(const struct surg *s, int v, int64_t lo, int64_t hi);

/*
 * A malloc'd vector of n bytes: 1 for each kept axis-1 channel of v (all 1
 * when v has no axis-1 view).  NULL when out of memory.
 */
unsigned char *surg_keep_vec(const struct surg *s, int v, int64_t n);

/* Input k of node, or -1. */
int surg_in(const struct surg *s, int node, int k);

/* Output k of node, or -1. */
int surg_out(const struct surg *s, int node, int k);

/* 1 when value v is an initializer. */
int surg_is_const(const struct surg *s, int v);

/* ---- surgery_check.c ---- */

/*
 * The selection rules (see surgery.h), naming nodes when g is given.
 * OPR_OK or OPR_EINVAL (OPR_ENOMEM).
 */
int surg_check(const struct opr_graph *g, const struct opr_deps *d,
	       const unsigned char *remove, struct opr_err *err);

/* ---- surgery_tensor.c ---- */

/*
 * Copies the elements of the tensor (data, rank, dims, esz bytes each)
 * whose index on every axis a is kept by keep[a] (NULL: the whole axis)
 * into a new block of g's arena.  out_dims gets the new dims, *nbytes the
 * size.  NULL when out of memory.
 */
void *surg_take(struct opr_graph *g, const void *data, int rank,
		const int64_t *dims, size_t esz,
		const unsigned char *const *keep, int64_t *out_dims,
		size_t *nbytes);

/*
 * Conv weight [cout, cin/group, ...] (data, dims, esz): the kept rows
 * (keep_out, NULL: all), and in each the kept columns of its group's
 * inputs (keep_in over the cin input channels, NULL: all).  Every group
 * must keep as many columns (else OPR_EINTERNAL).  The result is a new
 * arena block in *out with its dims and size.
 */
int surg_take_conv(struct opr_graph *g, const struct opr_value *w,
		   int64_t group, const unsigned char *keep_out,
		   const unsigned char *keep_in, void **out, int64_t *out_dims,
		   size_t *nbytes, struct opr_err *err);

/*
 * Reads initializer v as floats: *data, *n elements.  0 when v is a float
 * initializer, -1 otherwise.
 */
int surg_floats(const struct surg *s, int v, const float **data, int64_t *n);

/* ---- surgery_edit.c ---- */

/* Appends edit e.  OPR_OK or OPR_ENOMEM (err filled). */
int surg_push(struct surg *s, const struct surg_edit *e, struct opr_err *err);

/*
 * Queues: input port of node := the tensor (dtype, rank, dims, data in the
 * arena, nbytes).  OPR_OK or OPR_ENOMEM.
 */
int surg_set_input(struct surg *s, int node, int port, int dtype, int rank,
		   const int64_t *dims, void *data, size_t nbytes,
		   struct opr_err *err);

/*
 * Queues: input port of node := a 1-D integer tensor of dtype (INT64 or
 * INT32) holding vals[0..n).  OPR_OK or OPR_ENOMEM.
 */
int surg_set_ints_input(struct surg *s, int node, int port, int dtype,
			const int64_t *vals, int n, struct opr_err *err);

/* Queues: attribute attr of node := INTS vals[0..n).  OPR_OK or OPR_ENOMEM. */
int surg_set_attr_ints(struct surg *s, int node, const char *attr,
		       const int64_t *vals, int n, struct opr_err *err);

/* Applies the queued edits in order.  OPR_OK or OPR_ENOMEM. */
int surg_apply(struct surg *s, struct opr_err *err);

/* ---- surgery_slice.c ---- */

/*
 * Queues the initializer edits of node (weights, biases, BN parameters,
 * per-channel constants).  OPR_OK, OPR_ENOMEM or OPR_EINTERNAL.
 */
int surg_slice_node(struct surg *s, int node, struct opr_err *err);

/* ---- surgery_consts.c ---- */

/*
 * Queues the shape constant and attribute edits of node (Reshape shape,
 * Slice / Pad / Split / Resize amounts, the group of a depthwise Conv).
 * OPR_OK, OPR_EUNSUPPORTED (a constant that must change is computed at
 * run time), OPR_ENOMEM.
 */
int surg_consts_node(struct surg *s, int node, struct opr_err *err);

/*
 * Pad's amounts on axis 1 of node: *pb before, *pe after; *val the
 * constant of the padded channels (NaN when mode is not constant or the
 * value is not a known float); *spatial 1 when other axes are padded too.
 * 0 when read, -1 when they cannot be read.
 */
int surg_pad_chan(const struct surg *s, int node, int64_t *pb, int64_t *pe,
		  double *val, int *spatial);

/* ---- surgery_cst.c ---- */

/*
 * Computes s->cst: for each removed slot of each activation, the constant
 * it holds in g (NaN when it is not known to be constant): zero filters
 * give their bias, carried through BN, activations, pools and the mapped
 * ops.  OPR_OK or OPR_ENOMEM.
 */
int surg_constants(struct surg *s, struct opr_err *err);

/* Constant of slot `slot` of v, NaN when unknown. */
double surg_cst(const struct surg *s, int v, int slot);

/* ---- surgery_fold.c ---- */

/*
 * Folds the non-zero constants of removed input channels into the bias of
 * every consumer where that is exact (s->bias), counting the others.
 * Needs surg_constants().  OPR_OK or OPR_ENOMEM.
 */
int surg_fold(struct surg *s, struct opr_err *err);

#endif
