/*
 * runtime.h - the float32 CPU runtime: its public entry points (also in
 * include/onnx_prune.h) and the internal types the per-op files in
 * src/runtime/ops/ share.
 *
 * How a graph runs:
 *
 *   opr_rt_new()  classifies every value (constant, runtime input, static,
 *                 activation), then "prepares" the graph for the largest
 *                 batch: each op's prep function computes its output shapes
 *                 from its input shapes and constant inputs, and the nodes
 *                 whose inputs are all known at that point (Shape, and what
 *                 reads only initializers) are evaluated right away.  Then
 *                 Conv -> BatchNormalization -> Add -> Relu/Clip chains are
 *                 fused (fuse.c; Conv weights are folded and, for 3x3
 *                 convs, Winograd-transformed once), every activation gets
 *                 a slot in one workspace, reused after its last use, and
 *                 the workspace is allocated once.  When the images of a
 *                 batch are independent, each thread also gets a lane: a
 *                 one-thread plan for a few images (lanes.c).
 *   opr_rt_run()  big batches go through the lanes, a chunk of images per
 *                 thread at a time; otherwise it re-prepares when the batch
 *                 changed (no allocation), binds the inputs and calls each
 *                 op's fwd function in order, each op spreading its work
 *                 over the pool (pool.c).
 *
 * The compute kernels (sgemm with a fused epilogue, Winograd transforms,
 * depthwise planes) are in kern.h: AVX-512 where the CPU has it, portable
 * C otherwise.
 *
 * Environment switches, for tests and measurements: OPR_RT_ISA=generic
 * (portable kernels), OPR_RT_NO_FUSE, OPR_RT_NO_WINOGRAD, OPR_RT_NO_LANES,
 * OPR_RT_LANE_BATCH=N (images per lane chunk), OPR_RT_PAR_MIN=MACS (work
 * below which an op runs on one thread), OPR_RT_PROFILE=1|cpu (time per
 * op, printed by opr_rt_free).
 *
 * The runtime computes its own shapes, so it does not trust (or need) the
 * shapes shape inference left in the graph, only the dims of the graph
 * inputs: an input dim that is not known statically takes the batch n.
 */
#ifndef OPR_RUNTIME_H
#define OPR_RUNTIME_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "ir.h"
#include "ir/window.h"

/* The public API (opr_rt_new, opr_rt_run, ...) is in onnx_prune.h. */
#include "onnx_prune.h"

/* ---- internal ---- */

#define RT_ALIGN 64		/* workspace slots start on a cache line */

/* What a value is to the runtime. */
enum rt_kind {
	RT_UNUSED = 0,		/* read by no live node */
	RT_CONST,		/* initializer: data in the graph arena */
	RT_INPUT,		/* graph input: data is the caller's buffer */
	RT_STATIC,		/* computed when preparing: own buffer */
	RT_ACT			/* activation: a slot in the workspace */
};

/* The runtime's view of one graph value (indexed like g->values). */
struct rt_val {
	int kind;			/* enum rt_kind */
	int dtype;			/* enum opr_dtype of the data */
	int rank;			/* number of dims */
	int64_t dims[OPR_MAX_RANK];	/* all known once prepared */
	int64_t numel;			/* product of dims */
	size_t nbytes;			/* numel * element size */
	size_t cap;			/* bytes available at data (planned) */
	int alias;			/* value whose buffer this one views, -1 */
	int first, last;		/* live from node first to node last */
	size_t off;			/* workspace offset (RT_ACT roots) */
	void *data;			/* current bytes, NULL until known */
	void *own;			/* malloc'd buffer of RT_STATIC values */
};

struct opr_rt;
struct rt_node;

/*
 * One op of the runtime.  prep computes the outputs' dtype and dims (with
 * opr_rt_set_out) from the inputs' dims and constant inputs, validates the
 * attributes, fills rn->param and sets rn->scratch; it may read the data of
 * RT_CONST and RT_STATIC inputs only.  fwd computes the outputs.  Both
 * return OPR_OK or an error naming the node (opr_rt_errf).  Neither allocates.
 */
struct rt_op {
	size_t param_size;	/* bytes of rn->param, zeroed once */
	unsigned flags;		/* RT_F_* */
	int (*prep)(struct opr_rt *rt, struct rt_node *rn, struct opr_err *err);
	int (*fwd)(struct opr_rt *rt, struct rt_node *rn, struct opr_err *err);
};

#define RT_F_VIEW	1u	/* output 0 shares input 0's bytes */
#define RT_F_SHAPE_ONLY	2u	/* reads only its input's dims (Shape) */

/*
 * A chain fused into a Conv by opr_rt_fuse(): Conv -> [BatchNormalization]
 * -> [Add] -> [Relu | Clip], each intermediate read by the next node only.
 * The Conv runs in the slot of the chain's last node and writes that
 * node's output; the other nodes of the chain are skipped.
 */
struct rt_fuse {
	int on;			/* 1: this node runs a fused chain */
	int out;		/* value the chain writes (its last output) */
	int bn;			/* BatchNormalization node folded in, or -1 */
	int res;		/* value added before the clamp (Add), or -1 */
	float lo, hi;		/* clamp: Relu [0, inf), Clip [min, max] */
};

/* The runtime's view of one graph node (indexed like g->nodes). */
struct rt_node {
	int idx;			/* node index in the graph */
	const struct opr_node *n;	/* the graph node */
	const struct rt_op *op;		/* NULL for dead and fused-away nodes */
	void *param;			/* op-specific, op->param_size bytes */
	size_t scratch;			/* per-thread scratch bytes fwd needs */
	int is_static;			/* evaluated while preparing */
	struct rt_fuse fuse;		/* fused chain (fuse.on), else zeros */
	void *own;			/* plan-time buffer of the op (folded or
					   transformed weights), freed with rt */
};

/* Work function of the thread pool: task in [0, ntasks), tid in [0, n). */
typedef void (*rt_task_fn)(void *arg, int64_t task, int tid);

/*
 * A small pthread pool; the calling thread works as tid 0.  Idle workers
 * spin for a short while (a job usually follows within microseconds)
 * before they sleep on the condition variable.  A job is done when all
 * its tasks are, not when every worker has looked at it, so a worker the
 * OS left off the CPU holds up no one unless it is inside a task.
 */
struct rt_pool {
	int n;				/* threads including the caller */
	pthread_t *th;			/* n - 1 workers */
	pthread_mutex_t mu;		/* guards sleepers, waiting, the conds */
	pthread_cond_t go;		/* signalled when a job starts or stop */
	pthread_cond_t done;		/* signalled when a job's last task ends */
	atomic_ulong gen;		/* number of the current job */
	atomic_ullong next;		/* job number << 32 | next task index */
	atomic_llong finished;		/* tasks of the current job done */
	_Atomic(rt_task_fn) fn;		/* current job */
	_Atomic(void *) arg;		/* its argument */
	atomic_llong ntasks;		/* its task count */
	atomic_int stop;		/* 1: workers exit */
	int sleepers;			/* workers asleep on go */
	int waiting;			/* the caller is asleep on done */
	int started;			/* workers created */
};

/* A planned runtime. */
struct opr_rt {
	const struct opr_graph *g;	/* not owned; must outlive rt */
	int64_t opset;			/* default-domain opset of g */
	int batch;			/* largest n planned for */
	int cur_n;			/* n of the last prepare, 0 before */
	int planning;			/* 1 during the sizing prepare */
	struct rt_val *vals;		/* g->n_values entries */
	struct rt_node *nodes;		/* g->n_nodes entries */
	int n_in;			/* runtime inputs (no initializer) */
	int *in;			/* their value ids, in graph order */
	unsigned char *ws;		/* the workspace, allocated once */
	size_t ws_bytes;		/* its size */
	size_t act_bytes;		/* activation part of it */
	unsigned char *scratch;		/* per-thread scratch, inside ws */
	size_t scratch_stride;		/* bytes per thread */
	void *tmp;			/* scratch for static nodes while planning */
	size_t tmp_bytes;		/* its size */
	struct rt_pool pool;		/* worker threads */
	const struct opr_rt *parent;	/* the runtime this lane belongs to,
					   whose plan-time weights it shares */
	struct opr_rt **lanes;		/* per thread: a one-thread plan for
					   lane_nb images (lanes.c), or NULL */
	int n_lanes;			/* entries in lanes (pool.n) */
	int lane_nb;			/* images per chunk */
	size_t *lane_bpi;		/* per value: bytes per image */
	void **lane_ptrs;		/* per thread: input and output pointers */
	double *prof;			/* seconds per node (OPR_RT_PROFILE set),
					   printed to stderr by opr_rt_free */
	long prof_runs;			/* runs timed into prof */
};

/* ---- helpers (runtime_util.c) ---- */

/* Value of input k of rn, or NULL when absent or omitted. */
struct rt_val *opr_rt_in(struct opr_rt *rt, const struct rt_node *rn, int k);

/*
 * Value of output k of rn, or NULL when absent or omitted; output 0 of a
 * fused chain is the chain's last output.
 */
struct rt_val *opr_rt_out(struct opr_rt *rt, const struct rt_node *rn, int k);

/*
 * Sets err to code and "path: node 'x' (Op): " + message; returns code.
 */
int opr_rt_errf(const struct opr_rt *rt, const struct rt_node *rn,
	    struct opr_err *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

/*
 * Input k of rn, required present and (dtype > 0) of that dtype; on failure
 * sets err (OPR_ESHAPE or OPR_EUNSUPPORTED) and returns NULL.
 */
struct rt_val *opr_rt_need_in(struct opr_rt *rt, const struct rt_node *rn, int k,
			  int dtype, struct opr_err *err);

/*
 * Sets v's dtype and dims and derived sizes.  Fails (OPR_ESHAPE) on a
 * negative dim, a rank over OPR_MAX_RANK or a size overflow; while not
 * planning, OPR_EINTERNAL when the bytes exceed the planned capacity.
 */
int opr_rt_set_out(struct opr_rt *rt, const struct rt_node *rn, struct rt_val *v,
	       int dtype, int rank, const int64_t *dims, struct opr_err *err);

/* Copies the dtype and shape of src to output k (same-shape ops). */
int opr_rt_same_shape(struct opr_rt *rt, const struct rt_node *rn, int k,
		  const struct rt_val *src, struct opr_err *err);

/* 1 when input v's data is known while preparing (constant or static). */
int opr_rt_is_known(const struct rt_val *v);

/*
 * Reads input k, which must be a known int64 or int32 tensor of at most
 * max elements, into out[0..*cnt).  Returns 1 when read, 0 when the input
 * is absent, or an error code (set in err) when it is not known or fits not.
 */
int opr_rt_const_ints(struct opr_rt *rt, const struct rt_node *rn, int k,
		  int64_t *out, int max, int *cnt, struct opr_err *err);

/* As opr_rt_const_ints() for a known float or double tensor. */
int opr_rt_const_floats(struct opr_rt *rt, const struct rt_node *rn, int k,
		    double *out, int max, int *cnt, struct opr_err *err);

/*
 * Reads the INTS attribute name into out[0..*cnt).  Returns 1 when present,
 * 0 when absent, or an error code when it is not INTS or longer than max.
 */
int opr_rt_attr_ints(struct opr_rt *rt, const struct rt_node *rn,
		 const char *name, int64_t *out, int max, int *cnt,
		 struct opr_err *err);

/* The STRING attribute name, or dflt. */
const char *opr_rt_attr_str(const struct rt_node *rn, const char *name,
			const char *dflt);

/* Normalises axis a into [0, rank); error naming the node if out of range. */
int opr_rt_axis(struct opr_rt *rt, const struct rt_node *rn, int64_t a, int rank,
	    int *out, struct opr_err *err);

/* Product of dims[lo..hi). */
int64_t opr_rt_prod(const int64_t *dims, int lo, int hi);

/* Per-thread scratch of thread tid for the running node. */
void *opr_rt_scratch(struct opr_rt *rt, int tid);

/* Element i of a numeric tensor (float, double or any integer) as double. */
double opr_rt_load_f(const void *p, int dtype, int64_t i);

/* Element i of a numeric tensor as int64 (floats truncate). */
int64_t opr_rt_load_i(const void *p, int dtype, int64_t i);

/* ---- plan-time fusion (fuse.c) ---- */

/*
 * Fuses Conv -> [BatchNormalization] -> [Add] -> [Relu | Clip] chains
 * (see struct rt_fuse) where every intermediate has no other reader and is
 * no graph output, the weights and BatchNormalization parameters are
 * initializers and the Add needs no broadcast.  Needs the shapes of a
 * planning opr_rt_prepare(); calls the Conv's prep again for each chain.
 * The graph is not changed.  Returns OPR_OK or the prep's error.
 */
int opr_rt_fuse(struct opr_rt *rt, struct opr_err *err);

/* ---- threads over the batch (lanes.c) ---- */

#define LANE_MAX_IO 256		/* inputs or outputs a lane run passes on */

/*
 * Gives rt one lane per thread when the graph is separable over the batch
 * (see lanes.c) and batch >= 2 x threads.  Needs rt planned; leaves it
 * prepared at n = 1.  Not separable is no error.  Returns OPR_OK, or an
 * error from planning the lanes.
 */
int opr_rt_lanes_setup(struct opr_rt *rt, struct opr_err *err);

/*
 * opr_rt_run_named over the lanes: chunks of lane_nb images, one lane per
 * thread.  Needs rt->lanes, n_in <= rt->n_in and n_out <= the outputs.
 */
int opr_rt_lanes_run(struct opr_rt *rt, int n, int n_in,
		     const char *const *in_names, const void *const *in,
		     int n_out, const char *const *out_names, void *const *out,
		     struct opr_err *err);

/*
 * opr_rt_new() for a lane of parent (NULL: a runtime of its own): ops may
 * borrow the parent's plan-time buffers (rn->own) instead of making their
 * own; parent must outlive the lane.
 */
int opr_rt_new_lane(const struct opr_graph *g, int batch, int threads,
		    const struct opr_rt *parent, struct opr_rt **out,
		    struct opr_err *err);

/* Frees the lanes of rt (if any). */
void opr_rt_lanes_free(struct opr_rt *rt);

/* ---- thread pool (pool.c) ---- */

/*
 * The thread count a runtime or training engine asked for threads gets:
 * threads itself, or one per online CPU when threads <= 0 (1 when that
 * cannot be read); never more than 256.
 */
int opr_rt_threads(int threads);

/* Starts n - 1 workers.  Returns OPR_OK or OPR_ENOMEM. */
int opr_rt_pool_init(struct rt_pool *p, int n, struct opr_err *err);

/* Runs fn for every task in [0, ntasks) on the pool and waits. */
void opr_rt_pool_run(struct rt_pool *p, int64_t ntasks, rt_task_fn fn, void *arg);

/*
 * As opr_rt_pool_run(), on the calling thread alone when the job does
 * fewer than opr_rt_par_min() multiply-adds: handing a few microseconds
 * of work to another thread costs more than it saves, and far more when
 * that thread is off the CPU.
 */
void opr_rt_pool_run_work(struct opr_rt *rt, int64_t ntasks, rt_task_fn fn,
			  void *arg, double macs);

/*
 * Multiply-adds below which a job runs on one thread (default 1.5e6,
 * OPR_RT_PAR_MIN in the environment overrides).
 */
double opr_rt_par_min(void);

/* Stops and joins the workers. */
void opr_rt_pool_free(struct rt_pool *p);

/* Range work function: elements [begin, end) on thread tid. */
typedef void (*rt_range_fn)(void *arg, int64_t begin, int64_t end, int tid);

/*
 * Splits [0, total) into chunks of at least grain elements (grain < 1
 * counts as 1; about 4 chunks per thread when total allows) and runs fn
 * on them on pool p, waiting for all; one chunk, or a pool of one thread,
 * runs fn(arg, 0, total, 0) inline; total <= 0 runs nothing.  The chunks
 * depend on total, grain and p->n only.  The training engine's tr_range()
 * is this on its own pool.
 */
void opr_rt_pool_range(struct rt_pool *p, int64_t total, int64_t grain,
		       rt_range_fn fn, void *arg);

/* opr_rt_pool_range() on the runtime's pool. */
void opr_rt_parallel_range(struct opr_rt *rt, int64_t total, int64_t grain,
		       rt_range_fn fn, void *arg);

/* ---- numpy broadcasting (broadcast.c) ---- */

/* A broadcast of up to two inputs onto an output, dims collapsed. */
struct rt_bcast {
	int rank;			/* collapsed rank, >= 1 */
	int64_t d[OPR_MAX_RANK];	/* collapsed output dims */
	int64_t sa[OPR_MAX_RANK];	/* a's element strides (0: broadcast) */
	int64_t sb[OPR_MAX_RANK];	/* b's element strides */
	int64_t inner;			/* d[rank - 1] */
	int64_t rows;			/* product of the other dims */
};

/*
 * Numpy broadcast of shapes a and b into out (rank *rank).  Returns 0, or
 * -1 when they do not broadcast.
 */
int opr_rt_bcast_shape(int ra, const int64_t *a, int rb, const int64_t *b,
		   int *rank, int64_t *out);

/* Plans the broadcast of a (and b unless rb < 0) onto out. */
void opr_rt_bcast_plan(struct rt_bcast *p, int ro, const int64_t *out, int ra,
		   const int64_t *a, int rb, const int64_t *b);

/* Element offsets into a and b of the first element of row r. */
void opr_rt_bcast_row(const struct rt_bcast *p, int64_t r, int64_t *oa,
		  int64_t *ob);

/* Copies a (element size es) broadcast to the planned output. */
void opr_rt_bcast_copy(struct opr_rt *rt, const struct rt_bcast *p,
		   const void *a, void *out, size_t es);

/* Binary float operations. */
enum rt_binop { RT_ADD, RT_SUB, RT_MUL, RT_DIV, RT_PRELU };

/*
 * The shared body of Add/Sub/Mul/Div/PRelu: checks dtypes (float, or
 * int64/int32 for the arithmetic), broadcasts and computes.  prep sets the
 * output shape; fwd computes.
 */
int opr_rt_binary_prep(struct opr_rt *rt, struct rt_node *rn, int uni,
		   struct opr_err *err);
int opr_rt_binary_fwd(struct opr_rt *rt, struct rt_node *rn, enum rt_binop op,
		  struct opr_err *err);

/* ---- strided copies (strided.c) ---- */

/*
 * Copies a tensor of rank r and dims d (element size es) whose element
 * (i_0, .., i_r-1) is src[base + sum i_k * s[k]] (strides in elements, may
 * be negative or 0) into dst, contiguous.  Slice and Transpose use it.
 */
void opr_rt_strided_copy(struct opr_rt *rt, int r, const int64_t *d,
		     const int64_t *s, int64_t base, const void *src,
		     void *dst, size_t es);

/* Row-major element strides of dims[0..rank) into s. */
void opr_rt_strides(const int64_t *dims, int rank, int64_t *s);

/* ---- unary float maps (unary.c) ---- */

/* Float map of one element; ctx holds the op's constants. */
typedef void (*rt_map_fn)(const float *x, float *y, int64_t n,
			  const float *ctx);

/* prep of a same-shape float op. */
int opr_rt_unary_prep(struct opr_rt *rt, struct rt_node *rn, struct opr_err *err);

/* Applies fn over input 0 into output 0 in parallel chunks. */
int opr_rt_unary_fwd(struct opr_rt *rt, struct rt_node *rn, rt_map_fn fn,
		 const float *ctx, struct opr_err *err);

/* ---- spatial geometry of Conv and pools (geom.c) ---- */

#define RT_MAX_SPATIAL 2	/* 1-D and 2-D; 1-D runs as H = 1 */

/*
 * opr_window_read() (src/ir/window.h) for rn, with the error naming the
 * node.
 */
int opr_rt_geom_read(struct opr_rt *rt, const struct rt_node *rn, int xr,
		 const int64_t *xs, const int64_t *kernel, int is_pool,
		 struct opr_window *gm, struct opr_err *err);

/*
 * prep of MaxPool and AveragePool (rn->param is their struct
 * opr_window): reads the window of float input 0 (kernel_shape
 * required, ceil_mode read) and sets output 0 to float [N, C, out...]
 * and, when indices, output 1 (MaxPool's optional Indices) to int64 of
 * the same dims.
 */
int opr_rt_pool_prep(struct opr_rt *rt, struct rt_node *rn, int indices,
		     struct opr_err *err);

/* ---- the op table (ops_table.c) ---- */

/* The runtime op for a graph op, or NULL when the runtime lacks it. */
const struct rt_op *opr_rt_op_for(enum opr_op op);

#endif
