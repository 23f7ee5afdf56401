/*
 * conv.h - what conv.c and its depthwise kernel (conv_dw.c) share.
 */
#ifndef OPR_RT_CONV_H
#define OPR_RT_CONV_H

#include "runtime/runtime.h"

/* How a Conv runs. */
enum conv_kind {
	CONV_GEMM,	/* 1x1, stride 1, no pads: sgemm on the input itself */
	CONV_IM2COL,	/* im2col of a block of output columns, then sgemm */
	CONV_DW		/* one input channel per group: direct kernel */
};

/* The geometry and plan of one Conv, set by prep. */
struct conv_param {
	struct rt_geom gm;	/* windows; 1-D runs as H = 1 */
	int kind;		/* enum conv_kind */
	int64_t n, c, m;	/* batch, input and output channels */
	int64_t group;		/* groups */
	int64_t cg, mg;		/* input and output channels per group */
	int64_t kk;		/* cg * kh * kw: the sgemm K */
	int64_t hw, p;		/* input and output positions per plane */
	int64_t blk, nblk;	/* output columns per task and tasks per plane */
};

/*
 * Depthwise convolution (cg = 1) of x into y, planes of (n, m) spread over
 * the pool; b may be NULL.
 */
void opr_rt_conv_dw(struct opr_rt *rt, const struct conv_param *p, const float *x,
		const float *w, const float *b, float *y);

#endif
