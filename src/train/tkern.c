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

/* Folds the lanes into *d and clears them. */
static inline void fold(float *a, double *d)
{
	int l;

	for (l = 0; l < TK_LANES; l++) {
		*d += a[l];
		a[l] = 0;
	}
}

TK_FN void tk_sum2(const float *x, int64_t rows, int64_t n, int64_t ld,
		   float sh, double *s, double *s2)
{
	float a[TK_LANES] = { 0 }, q[TK_LANES] = { 0 };
	int64_t r, i, since = 0, v = n / TK_LANES * TK_LANES;
	int l;

	for (r = 0; r < rows; r++) {
		const float *p = x + r * ld;

		for (i = 0; i < v; i += TK_LANES)
			for (l = 0; l < TK_LANES; l++) {
				float d = p[i + l] - sh;

				a[l] += d;
				q[l] += d * d;
			}
		for (; i < n; i++) {
			float d = p[i] - sh;

			a[i % TK_LANES] += d;
			q[i % TK_LANES] += d * d;
		}
		if ((since += n) >= BLK || r == rows - 1) {
			fold(a, s);
			fold(q, s2);
			since = 0;
		}
	}
}

TK_FN void tk_dot2(const float *dy, const float *x, int64_t rows, int64_t n,
		   int64_t ld, float mean, double *s, double *sx)
{
	float a[TK_LANES] = { 0 }, q[TK_LANES] = { 0 };
	int64_t r, i, since = 0, v = n / TK_LANES * TK_LANES;
	int l;

	for (r = 0; r < rows; r++) {
		const float *g = dy + r * ld, *p = x + r * ld;

		for (i = 0; i < v; i += TK_LANES)
			for (l = 0; l < TK_LANES; l++) {
				a[l] += g[i + l];
				q[l] += g[i + l] * (p[i + l] - mean);
			}
		for (; i < n; i++) {
			a[i % TK_LANES] += g[i];
			q[i % TK_LANES] += g[i] * (p[i] - mean);
		}
		if ((since += n) >= BLK || r == rows - 1) {
			fold(a, s);
			fold(q, sx);
			since = 0;
		}
	}
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

TK_FN double tk_dot(const float *a, const float *b, int64_t n)
{
	double d = 0;
	int64_t k, i;
	int l;

	for (k = 0; k < n; k += BLK) {
		float s[TK_LANES] = { 0 };
		int64_t e = n - k < BLK ? n - k : BLK, v = e / TK_LANES * TK_LANES;
		const float *p = a + k, *q = b + k;

		for (i = 0; i < v; i += TK_LANES)
			for (l = 0; l < TK_LANES; l++)
				s[l] += p[i + l] * q[i + l];
		for (; i < e; i++)
			s[0] += p[i] * q[i];
		for (l = 0; l < TK_LANES; l++)
			d += s[l];
	}
	return d;
}

TK_FN void tk_axpy(float *y, const float *x, int64_t n, float a)
{
	int64_t i;

	for (i = 0; i < n; i++)
		y[i] += a * x[i];
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

TK_FN void tk_wino_u(const float *gt, int64_t n, float *u, int64_t stride,
		     double *tmp)
{
	static const double G[6][3] = {
		{ 1.0 / 4, 0, 0 }, { -1.0 / 6, -1.0 / 6, -1.0 / 6 },
		{ -1.0 / 6, 1.0 / 6, -1.0 / 6 }, { 1.0 / 24, 1.0 / 12, 1.0 / 6 },
		{ 1.0 / 24, -1.0 / 12, 1.0 / 6 }, { 0, 0, 1 }
	};
	int64_t j;
	int i, k, l;

	for (i = 0; i < 6; i++)		/* tmp[i][k] = sum_a G[i][a] g[a][k] */
		for (k = 0; k < 3; k++) {
			double *d = tmp + (i * 3 + k) * n;
			const float *g0 = gt + k * n, *g1 = gt + (3 + k) * n;
			const float *g2 = gt + (6 + k) * n;

			for (j = 0; j < n; j++)
				d[j] = G[i][0] * g0[j] + G[i][1] * g1[j] + G[i][2] * g2[j];
		}
	for (i = 0; i < 6; i++)		/* u[i][l] = sum_k tmp[i][k] G[l][k] */
		for (l = 0; l < 6; l++) {
			const double *t0 = tmp + (i * 3) * n, *t1 = t0 + n, *t2 = t1 + n;
			float *d = u + (i * 6 + l) * stride;

			for (j = 0; j < n; j++)
				d[j] = (float)(t0[j] * G[l][0] + t1[j] * G[l][1] +
					       t2[j] * G[l][2]);
		}
}
