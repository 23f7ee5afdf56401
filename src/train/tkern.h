/*
 * tkern.h - the training engine's element-wise and reduction loops, the
 * ones every step runs over every activation (BatchNormalization, the
 * activations, residual Adds, gradient sums).  Plain C loops in one file
 * (tkern.c) built at -O3 with one clone per ISA (AVX-512, AVX2, baseline)
 * picked by the loader, so they vectorise without -m flags on the rest of
 * the build.  Sums are kept in TK_LANES independent float lanes, folded
 * into double every few thousand elements in a fixed order, so a result
 * does not depend on the clone.
 */
#ifndef OPR_TKERN_H
#define OPR_TKERN_H

#include <stdint.h>

#define TK_LANES 16		/* partial sums per reduction */

/*
 * Over rows r < rows of n elements, ld apart: *s += sum (x - sh),
 * *s2 += sum (x - sh)^2.
 */
void tk_sum2(const float *x, int64_t rows, int64_t n, int64_t ld, float sh,
	     double *s, double *s2);

/* The same rows: *s += sum dy, *sx += sum dy * (x - mean). */
void tk_dot2(const float *dy, const float *x, int64_t rows, int64_t n,
	     int64_t ld, float mean, double *s, double *sx);

/* Sum of x[0..n). */
double tk_sum(const float *x, int64_t n);

/* sum a[i] * b[i] over i < n. */
double tk_dot(const float *a, const float *b, int64_t n);

/* y[i] += a * x[i] (i < n). */
void tk_axpy(float *y, const float *x, int64_t n, float a);

/* y[i] = min(max(x[i] * a + b, lo), hi). */
void tk_affine(const float *x, float *y, int64_t n, float a, float b,
	       float lo, float hi);

/* dx[i] (=, or += when acc) dy[i] * k1 + (x[i] - mean) * k2 + k3. */
void tk_bn_dx(const float *dy, const float *x, float *dx, int64_t n,
	      float mean, float k1, float k2, float k3, int acc);

/* y[i] = min(max(x[i], lo), hi). */
void tk_clamp(const float *x, float *y, int64_t n, float lo, float hi);

/*
 * dx[i] (=, or += when acc) dy[i] where lo < r[i] < hi (r the input or,
 * for Relu, the output), else 0 (or nothing added).
 */
void tk_clamp_bwd(const float *r, const float *dy, float *dx, int64_t n,
		  float lo, float hi, int acc);

/* y[i] = a[i] + b[i]. */
void tk_add(const float *a, const float *b, float *y, int64_t n);

/* y[i] = min(max(a[i] + b[i], lo), hi). */
void tk_add_clamp(const float *a, const float *b, float *y, int64_t n,
		  float lo, float hi);

/*
 * Winograd F(4x4, 3x3) weight transform of n 3x3 filters at once (as the
 * runtime's opr_rt_wino_weight, computed in double): filter j is
 * gt[k * n + j] (k < 9, row-major 3x3), and u[xi * stride + j] =
 * (G g G^T)[xi] for the 36 points xi.  tmp holds 18 n doubles.
 */
void tk_wino_u(const float *gt, int64_t n, float *u, int64_t stride,
	       double *tmp);

/* y[i] (=, or += when acc) x[i] * s. */
void tk_scale(const float *x, float *y, int64_t n, float s, int acc);

#endif
