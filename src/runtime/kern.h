/*
 * kern.h - the runtime's compute kernels: a row-major sgemm with a fused
 * epilogue (bias, residual, clamp) and the pieces of the Winograd
 * F(4x4, 3x3) convolution (packing, input and output transforms).
 *
 * Each kernel has two implementations behind one table: kern_avx512.c
 * (AVX-512F intrinsics, built with a function target attribute, so the
 * rest of the build needs no -m flags) and kern_ref.c (portable C, the
 * GEMMs through OpenBLAS).  opr_rt_kern() picks the AVX-512 table when the
 * CPU has AVX-512F and OPR_RT_ISA is not "generic"; the choice is made once
 * per process.  Both tables compute the same thing; they differ in rounding
 * only (FMA and summation order).
 */
#ifndef OPR_RT_KERN_H
#define OPR_RT_KERN_H

#include <stdint.h>

#define RT_VEC 16		/* floats per vector block (channels, columns) */
#define RT_WINO_A 6		/* Winograd F(4x4, 3x3) input tile: 6 x 6 */
#define RT_WINO_M 4		/* ... output tile: 4 x 4 */
#define RT_WINO_XI 36		/* transformed points per tile */

/* What is applied to each output element y as it is stored. */
struct rt_epi {
	const float *bias;	/* added per row (sgemm) / channel (wino), or NULL */
	const float *res;	/* added elementwise, laid out like y, or NULL */
	int64_t ldr;		/* row stride of res (sgemm) */
	float lo, hi;		/* then clamped to [lo, hi] (+-inf: no clamp) */
};

/* One output band of a Winograd conv: tile rows of one image. */
struct rt_wino_out {
	float *y;		/* first element of the image's output */
	const float *res;	/* same for the residual, or NULL */
	const float *bias;	/* Mp channel biases (zero padded) */
	int64_t m;		/* output channels */
	int64_t oh, ow;		/* output plane */
	int64_t oh0;		/* first output row of the band */
	float lo, hi;		/* clamp */
};

/* The kernel table. */
struct rt_kern {
	const char *name;	/* "avx512" or "generic" */
	/*
	 * C[i][j] = epi(sum_k A[i][k] B[k][j]) for i < M, j < N (row-major,
	 * leading dimensions lda, ldb, ldc); e may be NULL (plain product).
	 */
	void (*sgemm)(int64_t M, int64_t N, int64_t K, const float *A,
		      int64_t lda, const float *B, int64_t ldb, float *C,
		      int64_t ldc, const struct rt_epi *e);
	/*
	 * Rows [ih0, ih0 + nrows) of the c planes of x (h x w; rows outside
	 * [0, h) are zeros) into P laid out [nrows][pw][cp]: P column q holds
	 * input column q - pl (zeros outside [0, w)), channels >= c are zeros.
	 */
	void (*wino_pack)(const float *x, int64_t c, int64_t h, int64_t w,
			  int64_t ih0, int64_t nrows, int64_t pl, int64_t pw,
			  int64_t cp, float *P);
	/*
	 * Input transform of the ntr x tc tiles of a packed band P (tile
	 * (r, q) reads P rows 4r..4r+5, columns 4q..4q+5): V[xi][t][cp] for
	 * t = r * tc + q, xi planes vs floats apart.
	 */
	void (*wino_in)(const float *P, int64_t pw, int64_t cp, int64_t ntr,
			int64_t tc, float *V, int64_t vs);
	/*
	 * Output transform of the ntr x tc tiles of O[xi][t][mp] (xi planes
	 * os floats apart) into the band described by o.
	 */
	void (*wino_out)(const float *O, int64_t os, int64_t mp, int64_t ntr,
			 int64_t tc, const struct rt_wino_out *o);
	/*
	 * One depthwise plane, dilation 1, stride s (1 or 2): y[i][j] =
	 * clamp(bias + res[i][j] + sum k[a][b] x[i s - pt + a][j s - pl + b])
	 * over a kh x kw window, x taken as 0 outside its h x w plane; res
	 * may be NULL.
	 */
	void (*dw_plane)(const float *x, int64_t h, int64_t w, const float *k,
			 int64_t kh, int64_t kw, int64_t s, int64_t pt,
			 int64_t pl, float *y, int64_t oh, int64_t ow,
			 float bias, const float *res, float lo, float hi);
};

/* The table this process uses (see above). */
const struct rt_kern *opr_rt_kern(void);

/* The two tables; the AVX-512 one only where the CPU has AVX-512F. */
extern const struct rt_kern opr_rt_kern_generic;
extern const struct rt_kern opr_rt_kern_avx512;

/*
 * Forces the generic table (1) or the CPU's choice (0) from now on, for
 * tests that compare the two.  Not thread-safe; call before opr_rt_new().
 */
void opr_rt_kern_force_generic(int on);

/*
 * Winograd F(4x4, 3x3) weight transform of one 3x3 filter g (row-major)
 * into u[xi * stride] for the 36 points xi, computed in double.
 */
void opr_rt_wino_weight(const double *g, float *u, int64_t stride);

#endif
