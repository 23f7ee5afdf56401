/*
 * tr_internal.h - what the files of the training engine share: the
 * engine's view of values and nodes, the per-op table (setup, forward,
 * backward), and the helpers (tutil.c, tgeom.c, tcopy.c).
 *
 * How a step runs (fwd_train.c): the forward calls each planned node's fwd
 * in graph order; the backward seeds the gradient of output 0 and calls
 * each participating node's bwd in reverse order.  A bwd computes the
 * gradients of the inputs that need one, from the gradients of its
 * outputs; the first bwd to reach a gradient (in backward order) writes
 * it, the later ones add to it: tn->acc[k] says which, fixed at plan time,
 * so no gradient buffer is ever cleared.  A gradient that is NULL (an
 * output nothing downstream differentiates) counts as zeros.
 *
 * Fusion (tgraph.c): a BatchNormalization whose output only a Relu or
 * Clip reads writes that node's output, clamped; the activation's
 * forward is skipped and its backward, which reads its output, is not
 * changed.
 *
 * Memory (tmem.c): every activation, gradient and saved statistic of a
 * step gets a slot in one workspace for its lifetime, measured in steps:
 * forward of node i at 1 + i, the seed at N + 1, backward of node i at
 * 2N + 1 - i (N = g->n_nodes).  What a bwd reads (op->flags TR_F_KEEP_*)
 * lives until that bwd.
 */
#ifndef OPR_TR_INTERNAL_H
#define OPR_TR_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "ir/window.h"
#include "train/train.h"
#include "runtime/runtime.h"

#define TR_ALIGN 16		/* floats: slots start on a cache line */
#define TR_MAX_TASKS 64		/* most tasks with their own accumulator */

/* What a value is to the engine. */
enum tv_kind {
	TV_UNUSED = 0,		/* not on the path to output 0 */
	TV_CONST,		/* initializer that is not trained */
	TV_PARAM,		/* trainable initializer */
	TV_STATE,		/* BatchNormalization running statistic */
	TV_INPUT,		/* input 0: copied into the workspace */
	TV_ACT			/* activation: a workspace slot */
};

/* The engine's view of one graph value (indexed like g->values). */
struct tr_val {
	int kind;			/* enum tv_kind */
	int dtype;			/* enum opr_dtype */
	int rank;			/* number of dims */
	int64_t dims[OPR_MAX_RANK];	/* for the current batch */
	int64_t numel;			/* product of dims */
	int64_t cap;			/* floats planned (largest batch) */
	float *data;			/* float bytes (NULL for other dtypes) */
	const void *cdata;		/* initializer bytes of any dtype */
	float *grad;			/* gradient, NULL when none */
	int need_grad;			/* 1: backward computes its gradient */
	int alias;			/* value whose bytes this one views, -1 */
	int galias;			/* value whose gradient buffer this one
					   shares, -1 */
	int tensor;			/* index in t->tensors, -1 */
	int tkind;			/* enum opr_train_kind of a trainable
					   or state initializer, else -1 */
	int nodata;			/* never written nor read (the output
					   of a BatchNormalization fused with
					   its activation): no bytes */
	int d0, d1;			/* data lifetime in steps, d0 < 0: none */
	int g0, g1;			/* gradient lifetime, g0 < 0: none */
	size_t doff, goff;		/* slot offsets in the workspace (floats) */
};

struct opr_train;
struct tr_node;

/*
 * One op of the engine.  setup computes the outputs' dims (tr_set_out)
 * from the inputs' dims and constant inputs, validates the attributes,
 * fills tn->p and sets tn->scratch / tn->accum / tn->shared / tn->save; it
 * runs at planning and again when the batch changes, and may read
 * constant inputs only.  fwd computes the outputs (t->training says
 * which mode); bwd the gradients of the inputs that need one.  Neither
 * allocates nor fails.
 */
struct tr_op {
	size_t param_size;	/* bytes of tn->p */
	unsigned flags;		/* TR_F_* */
	int (*setup)(struct opr_train *t, struct tr_node *tn, struct opr_err *err);
	void (*fwd)(struct opr_train *t, struct tr_node *tn);
	void (*bwd)(struct opr_train *t, struct tr_node *tn);
};

#define TR_F_VIEW	1u	/* output 0 is input 0's bytes */
#define TR_F_KEEP_IN0	2u	/* bwd reads input 0 */
#define TR_F_KEEP_IN1	4u	/* bwd reads input 1 */
#define TR_F_KEEP_OUT	8u	/* bwd reads output 0 */

/* The engine's view of one graph node (indexed like g->nodes). */
struct tr_node {
	int idx;			/* node index in the graph */
	const struct opr_node *n;	/* the graph node */
	const struct tr_op *op;		/* NULL: not on the path to output 0 */
	void *p;			/* op parameters, op->param_size bytes */
	size_t scratch;			/* per-thread scratch floats */
	size_t accum;			/* per-task accumulator floats */
	size_t shared;			/* floats of scratch shared by the
					   threads (one job at a time) */
	size_t save;			/* floats kept from fwd to bwd */
	size_t save_cap;		/* floats planned for them */
	float *saved;			/* those floats (workspace slot) */
	size_t soff;			/* its offset in the workspace */
	int bwd;			/* 1: runs in the backward pass */
	float lo, hi;			/* Relu / Clip: the clamp */
	int act;			/* BatchNormalization: the Relu / Clip
					   node whose output its forward
					   writes (clamped), or -1 */
	int fused;			/* forward done by another node's */
	unsigned char *acc;		/* per input: 1 add to the gradient,
					   0 write it */
};

/* A planned engine. */
struct opr_train {
	struct opr_graph *g;		/* not owned */
	unsigned flags;			/* OPR_TRAIN_* */
	int batch;			/* largest n planned for */
	int cur_n;			/* n of the last setup */
	int planning;			/* 1 during the sizing setup */
	int training;			/* 1 in a training-mode forward */
	int can_bwd;			/* 1 after a training forward */
	int bn_mode;			/* enum opr_train_bn */
	int bn_frozen;			/* the last forward used running stats */
	long bn_count;			/* batches averaged (cumulative mode) */
	struct tr_val *vals;		/* g->n_values entries */
	struct tr_node *nodes;		/* g->n_nodes entries */
	int in, out;			/* input 0 and output 0 (value ids) */
	struct rt_pool pool;		/* worker threads */
	int ntask;			/* tasks of a batch-split job */
	float *ws;			/* the workspace */
	size_t ws_floats;		/* its size in floats */
	size_t act_floats;		/* the packed part (slots) */
	float *scratch;			/* per-thread scratch, in ws */
	size_t scratch_stride;		/* floats per thread */
	float *accum;			/* per-task accumulators, in ws */
	size_t accum_stride;		/* floats per task */
	float *shared;			/* shared scratch, in ws */
	size_t shared_floats;		/* its size */
	struct opr_train_tensor *tensors;	/* n_tensors entries */
	int n_tensors;			/* trainable and state tensors */
	float *gbuf;			/* the trainable tensors' gradients */
	double *prof;			/* OPR_TRAIN_PROFILE: seconds per node,
					   forward [0, N) and backward [N, 2N) */
	long prof_fwd, prof_bwd;	/* passes timed */
};

/* ---- helpers (tutil.c) ---- */

/* Value of input k of tn, or NULL when absent or omitted. */
struct tr_val *tr_in(struct opr_train *t, const struct tr_node *tn, int k);

/* Value of output k of tn, or NULL when absent or omitted. */
struct tr_val *tr_out(struct opr_train *t, const struct tr_node *tn, int k);

/* Sets err to code and "path: node 'x' (Op): " + message; returns code. */
int tr_errf(const struct opr_train *t, const struct tr_node *tn,
	    struct opr_err *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

/*
 * Input k of tn, required present and float; on failure sets err
 * (OPR_ESHAPE / OPR_EUNSUPPORTED) and returns NULL.
 */
struct tr_val *tr_need_in(struct opr_train *t, const struct tr_node *tn, int k,
			  struct opr_err *err);

/*
 * Sets the dims of output k (float).  While planning it records the
 * capacity; afterwards fails with OPR_EINTERNAL when the output outgrew
 * it.  OPR_ESHAPE on a negative dim or an overflow.
 */
int tr_set_out(struct opr_train *t, const struct tr_node *tn, int k, int rank,
	       const int64_t *dims, struct opr_err *err);

/*
 * Reads input k, which must be an int64 or int32 initializer of at most
 * max elements, into out[0..*cnt).  Returns 1 when read, 0 when the input
 * is absent, or an error code (set in err): OPR_EUNSUPPORTED when it is
 * not a constant.
 */
int tr_const_ints(struct opr_train *t, const struct tr_node *tn, int k,
		  int64_t *out, int max, int *cnt, struct opr_err *err);

/*
 * Reads the scalar float initializer at input k into *out.  Returns 1
 * when read, 0 when absent, or an error code.
 */
int tr_const_float(struct opr_train *t, const struct tr_node *tn, int k,
		   float *out, struct opr_err *err);

/*
 * Reads the INTS attribute name into out[0..*cnt).  Returns 1 when
 * present, 0 when absent, or an error code when longer than max.
 */
int tr_attr_ints(struct opr_train *t, const struct tr_node *tn,
		 const char *name, int64_t *out, int max, int *cnt,
		 struct opr_err *err);

/* Normalises axis a into [0, rank); error naming the node if out of range. */
int tr_axis(struct opr_train *t, const struct tr_node *tn, int64_t a, int rank,
	    int *out, struct opr_err *err);

/* Product of dims[lo..hi): opr_rt_prod(). */
int64_t tr_prod(const int64_t *dims, int lo, int hi);

/* Scratch of thread tid, accumulator of task k (for the running node). */
float *tr_scratch(struct opr_train *t, int tid);
float *tr_accum(struct opr_train *t, int k);

/* Runs fn for tasks [0, ntasks) on the pool (inline when one). */
void tr_run(struct opr_train *t, int64_t ntasks, rt_task_fn fn, void *arg);

/*
 * Splits [0, total) into chunks of at least grain and runs fn on them in
 * parallel (inline when it is one chunk): opr_rt_pool_range() on the
 * engine's pool.  Chunks depend on total, grain and the thread count only.
 */
void tr_range(struct opr_train *t, int64_t total, int64_t grain,
	      rt_range_fn fn, void *arg);

/*
 * Tasks of a job split over n images: min(n, t->ntask); images
 * [tr_split(n, k, T), tr_split(n, k + 1, T)) go to task k.
 */
int tr_tasks(const struct opr_train *t, int64_t n);
int64_t tr_split(int64_t n, int k, int tasks);

/* dst[0..n) (=, or += when acc) src[0..n) * s. */
void tr_put(float *dst, const float *src, int64_t n, float s, int acc);

/* ---- window geometry of Conv and pools (tgeom.c) ---- */

/*
 * opr_window_read() (src/ir/window.h) for input x of tn, with the error
 * naming the node.
 */
int tr_geom_read(struct opr_train *t, const struct tr_node *tn,
		 const struct tr_val *x, const int64_t *kernel, int is_pool,
		 struct opr_window *gm, struct opr_err *err);

/* ---- strided copies (tcopy.c) ---- */

/*
 * For every index i of the rank-r box d: dst[dbase + i . ds] (=, or +=
 * when add) src[sbase + i . ss] (strides in elements).  Parallel over the
 * outer rows when t is non-NULL; distinct i must reach distinct dst
 * elements.
 */
void tr_strided(struct opr_train *t, int r, const int64_t *d,
		const float *src, int64_t sbase, const int64_t *ss,
		float *dst, int64_t dbase, const int64_t *ds, int add);

/* Row-major element strides of dims[0..rank) into s. */
void tr_strides(const int64_t *dims, int rank, int64_t *s);

/* dst[0..n) = 0 in parallel. */
void tr_zero(struct opr_train *t, float *dst, int64_t n);

/* ---- profile (fwd_train.c) ---- */

/* Prints the OPR_TRAIN_PROFILE summary of t to stderr (if any). */
void tr_print_profile(const struct opr_train *t);

/* ---- plan (tgraph.c, tmem.c) and the op table (ops_table.c) ---- */

/* Runs every planned node's setup for batch n. */
int tr_setup(struct opr_train *t, int n, struct opr_err *err);

/*
 * Gives every activation, gradient and saved block a workspace slot for
 * its lifetime, adds the scratch, allocates and touches it all, and binds
 * the pointers.  Returns OPR_OK or OPR_ENOMEM.
 */
int tr_plan_memory(struct opr_train *t, struct opr_err *err);

/* The engine's op for a graph op, or NULL when it has none. */
const struct tr_op *tr_op_for(enum opr_op op);

/*
 * Kind (enum opr_train_kind) of input k of node n when that input is an
 * initializer: a trainable or state kind, or -1 for a constant that is
 * not trained.
 */
int tr_tensor_kind(const struct opr_node *n, int k);

#endif
