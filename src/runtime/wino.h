/*
 * wino.h - the plan and the tasks of a Winograd F(4x4, 3x3) convolution
 * (3x3, stride 1, dilation 1, one group) over a batch, on the kernels of
 * kern.h: shared by the runtime's Conv (ops/conv_wino.c) and the training
 * engine's forward and input gradient (src/train/op_conv_wino.c).
 *
 * A task is a run of tile rows (of one or more images).  Per band (the
 * task's tile rows of one image) the input rows are packed into the
 * thread's scratch with channels innermost and the padding made explicit
 * (P), and transformed into V[36][tiles][cp]; then 36 sgemms give
 * O[xi] = V[xi] U[xi] ([tiles][mp]); the output transform adds the bias
 * and the residual, clamps and writes the NCHW planes.  Everything a task
 * touches stays in the core's L2 (WINO_BYTES in wino.c).
 */
#ifndef OPR_RT_WINO_H
#define OPR_RT_WINO_H

#include <stddef.h>
#include <stdint.h>

#include "runtime/kern.h"

/* The plan of one Winograd conv (opr_rt_wino_plan). */
struct rt_wino_plan {
	int64_t cp, mp;		/* input / output channels padded to 16 */
	int64_t tr, tc;		/* tile rows and columns of one image */
	int64_t upt;		/* tile rows per task */
	int64_t ntask;		/* tasks */
	int64_t tmax;		/* most tiles per task: upt * tc */
	int64_t pw, prows;	/* packed input band: columns, most rows */
	int64_t vs, os;		/* floats between the xi planes of V and O
				   (padded off multiples of 4 KiB, which
				   would put all 36 in one cache set) */
	size_t off_v, off_o;	/* V and O in the thread's scratch, floats */
};

/* One Winograd conv over a batch: what opr_rt_wino_task() reads and writes. */
struct rt_wino_conv {
	const struct rt_wino_plan *w;	/* its plan */
	const struct rt_kern *k;	/* the kernels */
	int64_t n;		/* images */
	const float *x;		/* input [n][cin][h][wd] */
	int64_t cin, h, wd;	/* its planes */
	int64_t pt, pl;		/* pads at the top and left */
	const float *u;		/* U [36][cp][mp] */
	const float *bias;	/* [mp] bias, zero padded */
	float *y;		/* output [n][cout][oh][ow] */
	const float *res;	/* added into y (may be y itself), or NULL */
	int64_t cout, oh, ow;	/* its planes */
	float lo, hi;		/* output clamp (+-inf: none) */
};

/*
 * 1 when a 3x3 stride-1 conv of cin input channels to oh x ow outputs is
 * worth running as Winograd (enough channels and tiles).
 */
int opr_rt_wino_fits(int64_t cin, int64_t oh, int64_t ow);

/*
 * Plans w for n images, cin -> cout channels, oh x ow outputs, on threads
 * threads; returns the per-thread scratch in floats.
 */
size_t opr_rt_wino_plan(struct rt_wino_plan *w, int64_t n, int64_t cin,
			int64_t cout, int64_t oh, int64_t ow, int threads);

/*
 * Task t (< c->w->ntask) of the conv c, in scratch (the per-thread floats
 * opr_rt_wino_plan() returned).
 */
void opr_rt_wino_task(const struct rt_wino_conv *c, int64_t t, float *scratch);

#endif
