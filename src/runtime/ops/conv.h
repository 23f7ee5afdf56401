/*
 * conv.h - what conv.c and its depthwise kernel (conv_dw.c) share.
 */
#ifndef OPR_RT_CONV_H
#define OPR_RT_CONV_H

#include "runtime/runtime.h"
#include "runtime/kern.h"
#include "runtime/wino.h"

/* How a Conv runs. */
enum conv_kind {
	CONV_GEMM,	/* 1x1, stride 1, no pads: sgemm on the input itself */
	CONV_IM2COL,	/* im2col of a block of output columns, then sgemm */
	CONV_DW,	/* one input channel per group: direct kernel */
	CONV_WINO	/* 3x3 stride 1: Winograd F(4x4, 3x3) (conv_wino.c) */
};

/* The Winograd plan of a Conv (conv_wino.c). */
struct conv_wino {
	struct rt_wino_plan pl;	/* tasks and scratch (wino.h) */
	float *u;		/* [36][cp][mp] transformed weights (rn->own) */
	float *ub;		/* [mp] bias, zero padded (rn->own) */
};

/* The geometry and plan of one Conv, set by prep. */
struct conv_param {
	struct opr_window gm;	/* windows; 1-D runs as H = 1 */
	int kind;		/* enum conv_kind */
	int64_t n, c, m;	/* batch, input and output channels */
	int64_t group;		/* groups */
	int64_t cg, mg;		/* input and output channels per group */
	int64_t kk;		/* cg * kh * kw: the sgemm K */
	int64_t hw, p;		/* input and output positions per plane */
	int64_t blk, nblk;	/* output columns per task and tasks per plane */
	const struct rt_kern *kern;	/* the kernels (kern.h) */
	const float *wf, *bf;	/* weights and bias with a fused
				   BatchNormalization folded in (rn->own), or
				   NULL: the inputs' own */
	float lo, hi;		/* output clamp (fused Relu / Clip) */
	struct conv_wino wp;	/* CONV_WINO */
};

/* What a Conv's fwd hands its kernels. */
struct conv_job {
	struct opr_rt *rt;
	const struct conv_param *p;
	const float *x, *w, *b;	/* input, weights, bias (or NULL) */
	const float *res;	/* fused residual, laid out like y, or NULL */
	float *y;		/* output */
};

/*
 * Depthwise convolution (cg = 1): j->y = clamp(conv(j->x) + b + res),
 * planes of (n, m) spread over the pool.
 */
void opr_rt_conv_dw(const struct conv_job *j);

/* 1 when the Conv of p (geometry and channels set) runs as Winograd. */
int opr_rt_conv_wino_ok(const struct conv_param *p);

/*
 * Plans the Winograd tasks of p for the current batch and thread count;
 * returns the per-thread scratch bytes.
 */
size_t opr_rt_conv_wino_plan(struct opr_rt *rt, struct conv_param *p);

/*
 * Transforms the weights w ([m][c][3][3]) scaled per output channel by
 * a (NULL: 1) and the bias b (NULL: 0) into p->wp.u and p->wp.ub, which
 * must hold 36 * cp * mp and mp floats.
 */
void opr_rt_conv_wino_weights(struct conv_param *p, const float *w,
			  const double *a, const double *b);

/* Bytes of p->wp.u and p->wp.ub together (64-byte aligned parts). */
size_t opr_rt_conv_wino_wbytes(const struct conv_param *p);

/* Runs the Winograd conv of j. */
void opr_rt_conv_wino(const struct conv_job *j);

#endif
