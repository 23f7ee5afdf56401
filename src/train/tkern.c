/*
 * tkern.c - the loops of tkern.h.  CMake builds this file at -O3; on
 * x86-64 with GCC each function is cloned for AVX-512 and AVX2 next to
 * the baseline, and the loader picks the clone the CPU runs (ifunc).
 * Reductions keep TK_LANES float partial sums per block of input and fold
 * them into double once per call, so no reassociation is needed to
 * vectorise them and the result does not depend on the clone.
 */
#include "train/tkern.h"

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && \
	!defined(__SANITIZE_ADDRESS__)
#define TK_FN __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define TK_FN
#endif

#define BLK 4096		/* floats per float partial sum before double */

TK_FN void tk_sum2(const float *x, int64_t n, float sh, double *s, double *s2)
{
	double ds = 0, ds2 = 0;
	int64_t b, i;
	int l;

	for (b = 0; b < n; b += BLK) {
		float a[TK_LANES] = { 0 }, q[TK_LANES] = { 0 };
		int64_t e = n - b < BLK ? n - b : BLK, v = e / TK_LANES * TK_LANES;
		const float *p = x + b;

		for (i = 0; i < v; i += TK_LANES)
			for (l = 0; l < TK_LANES; l++) {
				float d = p[i + l] - sh;

				a[l] += d;
				q[l] += d * d;
			}
		for (; i < e; i++) {
			float d = p[i] - sh;

			a[0] += d;
			q[0] += d * d;
		}
		for (l = 0; l < TK_LANES; l++) {
			ds += a[l];
			ds2 += q[l];
		}
	}
	*s += ds;
	*s2 += ds2;
}

TK_FN void tk_dot2(const float *dy, const float *x, int64_t n, float mean,
		   double *s, double *sx)
{
	double ds = 0, dsx = 0;
	int64_t b, i;
	int l;

	for (b = 0; b < n; b += BLK) {
		float a[TK_LANES] = { 0 }, q[TK_LANES] = { 0 };
		int64_t e = n - b < BLK ? n - b : BLK, v = e / TK_LANES * TK_LANES;
		const float *g = dy + b, *p = x + b;

		for (i = 0; i < v; i += TK_LANES)
			for (l = 0; l < TK_LANES; l++) {
				a[l] += g[i + l];
				q[l] += g[i + l] * (p[i + l] - mean);
			}
		for (; i < e; i++) {
			a[0] += g[i];
			q[0] += g[i] * (p[i] - mean);
		}
		for (l = 0; l < TK_LANES; l++) {
			ds += a[l];
			dsx += q[l];
		}
	}
	*s += ds;
	*sx += dsx;
}

TK_FN double tk_sum(const float *x, int64_t n)
{
	double d = 0;
	int64_t b, i;
	int l;

	for (b = 0; b < n; b += BLK) {
		float a[TK_LANES] = { 0 };
		int64_t e = n - b < BLK ? n - b : BLK, v = e / TK_LANES * TK_LANES;
		const float *p = x + b;

		for (i = 0; i < v; i += TK_LANES)
			for (l = 0; l < TK_LANES; l++)
				a[l] += p[i + l];
		for (; i < e; i++)
			a[0] += p[i];
		for (l = 0; l < TK_LANES; l++)
			d += a[l];
	}
	return d;
}

TK_FN void tk_affine(const float *x, float *y, int64_t n, float a, float b,
		     float lo, float hi)
{
	int64_t i;

	for (i = 0; i < n; i++) {
		float v = x[i] * a + b;

		v = v < lo ? lo : v;
		y[i] = v > hi ? hi : v;
	}
}

TK_FN void tk_bn_dx(const float *dy, const float *x, float *dx, int64_t n,
		    float mean, float k1, float k2, float k3, int acc)
{
	int64_t i;

	if (acc)
		for (i = 0; i < n; i++)
			dx[i] += dy[i] * k1 + (x[i] - mean) * k2 + k3;
	else
		for (i = 0; i < n; i++)
			dx[i] = dy[i] * k1 + (x[i] - mean) * k2 + k3;
}

TK_FN void tk_clamp(const float *x, float *y, int64_t n, float lo, float hi)
{
	int64_t i;

	for (i = 0; i < n; i++) {
		float v = x[i] < lo ? lo : x[i];

		y[i] = v > hi ? hi : v;
	}
}

TK_FN void tk_clamp_bwd(const float *r, const float *dy, float *dx, int64_t n,
			float lo, float hi, int acc)
{
	int64_t i;

	if (acc)
		for (i = 0; i < n; i++)
			dx[i] += r[i] > lo && r[i] < hi ? dy[i] : 0.0f;
	else
		for (i = 0; i < n; i++)
			dx[i] = r[i] > lo && r[i] < hi ? dy[i] : 0.0f;
}

TK_FN void tk_add(const float *a, const float *b, float *y, int64_t n)
{
	int64_t i;

	for (i = 0; i < n; i++)
		y[i] = a[i] + b[i];
}

TK_FN void tk_add_clamp(const float *a, const float *b, float *y, int64_t n,
			float lo, float hi)
{
	int64_t i;

	for (i = 0; i < n; i++) {
		float v = a[i] + b[i];

		v = v < lo ? lo : v;
		y[i] = v > hi ? hi : v;
	}
}

TK_FN void tk_scale(const float *x, float *y, int64_t n, float s, int acc)
{
	int64_t i;

	if (acc)
		for (i = 0; i < n; i++)
			y[i] += x[i] * s;
	else
		for (i = 0; i < n; i++)
			y[i] = x[i] * s;
}
