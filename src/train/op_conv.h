/*
 * op_conv.h - what the engine's Conv (op_conv.c) and its depthwise path
 * (op_conv_dw.c) share.
 */
#ifndef OPR_TR_OP_CONV_H
#define OPR_TR_OP_CONV_H

#include "train/tr_internal.h"
#include "train/tgemm.h"
#include "runtime/kern.h"
#include "runtime/wino.h"

/* How a Conv runs. */
enum tconv_kind {
	TC_GEMM,	/* 1x1, stride 1, no pads: sgemm on the input itself */
	TC_IM2COL,	/* im2col of a block of output columns, then sgemm */
	TC_DW,		/* one input channel per group: direct loops */
	TC_SHIFT	/* stride 1: indirect GEMMs over the zero-padded input,
			   no im2col (op_conv_shift.c) */
};

/* The geometry and plan of one Conv, set by setup. */
struct tconv {
	struct opr_window gm;	/* windows; 1-D runs as H = 1 */
	int kind;		/* enum tconv_kind */
	int64_t n, c, m;	/* batch, input and output channels */
	int64_t group;		/* groups */
	int64_t cg, mg;		/* input and output channels per group */
	int64_t kk;		/* cg * kh * kw: the sgemm K */
	int64_t hw, p;		/* input and output positions per plane */
	int64_t blk, nblk;	/* output columns per block, blocks per plane */
	const struct rt_kern *kern;	/* the runtime's kernels (kern.h) */
	const struct tr_gemm *gemm;	/* the indirect GEMMs (tgemm.h) */
	int64_t hp, wp;		/* TC_SHIFT: padded input plane (+1 row) */
	int64_t hq, wq;		/* TC_SHIFT: padded output-gradient plane */
	int64_t rows;		/* TC_SHIFT: rows of a backward plane (both) */
	int64_t grp;		/* TC_SHIFT: images per backward group */
	int wino_f, wino_b;	/* forward / dX as Winograd (op_conv_wino.c) */
	struct rt_wino_plan wf, wb;	/* their plans (runtime/wino.h) */
};

/* What a Conv's forward and backward jobs share. */
struct conv_job {
	struct opr_train *t;
	const struct tconv *p;
	const float *x, *w, *b;	/* input, weights, bias (or NULL) */
	float *y;		/* output (forward) */
	const float *dy;	/* output gradient (backward) */
	const float *wt;	/* W rearranged for dX (shared scratch) */
	float *dx;		/* input gradient, or NULL */
	int acc_x;		/* add to dx instead of writing it */
	int dw, db;		/* accumulate dW / db in the task accumulators */
	int tasks;		/* tasks over the images */
};

/* Plans the shifted path's planes; returns its per-thread scratch floats. */
size_t tr_conv_shift_plan(struct tconv *p);

/* Shifted forward of image n, group g of j, on thread tid. */
void tr_conv_shift_fwd(const struct conv_job *j, int64_t n, int64_t g,
		       int tid);

/*
 * Shifted backward of images [n0, n1), group g: dW into dw (added), dX of
 * them (written or added per j->acc_x) when j->dx.  j->wt holds, per
 * group, [c][m][kh][kw] = W[m][c][kh][kw].
 */
void tr_conv_shift_bwd(const struct conv_job *j, int64_t n0, int64_t n1,
		       int64_t g, float *dw, int tid);

/* Floats of U and the bias after it. */
size_t tr_wino_ufloats(const struct rt_wino_plan *w);

/*
 * U of the 3x3 weights W[m][c] (flip 0: c -> m, with bias or zeros) or of
 * W~[c][m] = rot180(W[m][c]) (flip 1: m -> c, zeros), into u, on t's
 * threads.
 */
void tr_wino_weights(struct opr_train *t, const struct rt_wino_plan *w,
		     const float *W, int64_t m, int64_t c, int flip,
		     const float *bias, float *u);

/*
 * Runs the conv c (c->u: U of tr_wino_weights(), c->bias: the floats
 * after it) on t's pool, in the threads' scratch.
 */
void tr_wino_run(struct opr_train *t, const struct rt_wino_conv *c);

/*
 * Copies the c planes h x w of src into dst planes of rows x cols (cstride
 * floats apart), at row r0 and column c0, zeros elsewhere; parts that
 * fall outside are dropped.
 */
void tr_conv_place(const float *src, int64_t c, int64_t h, int64_t w,
		   int64_t r0, int64_t c0, int64_t rows, int64_t cols,
		   int64_t cstride, float *dst);

/* The j->wt that tr_conv_shift_bwd() needs, into wt (m * kk floats). */
void tr_conv_shift_wt(const struct tconv *p, const float *w, float *wt);

/* Depthwise forward (cg = 1): y = conv(x) + b over planes of (n, m). */
void tr_conv_dw_fwd(struct opr_train *t, const struct tconv *p,
		    const float *x, const float *w, const float *b, float *y);

/*
 * Depthwise backward, tasks over input channels: dx (written, or added to
 * when acc_x) when dx is non-NULL, dw and db (written, or added to when
 * acc_w / acc_b) when non-NULL.
 */
void tr_conv_dw_bwd(struct opr_train *t, const struct tconv *p,
		    const float *x, const float *w, const float *dy, float *dx,
		    int acc_x, float *dw, int acc_w, float *db, int acc_b);

#endif
