/*
 * kern_ref.c - the portable kernels of kern.h (plain C; the GEMMs through
 * OpenBLAS), the choice between them and the AVX-512 ones, and the
 * Winograd weight transform.
 *
 * Winograd F(4x4, 3x3) (Lavin and Gray 2016, points 0, +-1, +-2, inf):
 *   Y = A^T [(G g G^T) .* (B^T d B)] A
 * with the 6 x 6 input tile d, the 3 x 3 filter g and
 *   B^T = [4  0 -5  0 1 0;  0 -4 -4  1 1 0;  0 4 -4 -1 1 0;
 *          0 -2 -1  2 1 0;  0  2 -1 -2 1 0;  0 4  0 -5 0 1]
 *   G   = [1/4 0 0; -1/6 -1/6 -1/6; -1/6 1/6 -1/6;
 *          1/24 1/12 1/6; 1/24 -1/12 1/6; 0 0 1]
 *   A^T = [1 1 1 1 1 0; 0 1 -1 2 -2 0; 0 1 1 4 4 0; 0 1 -1 8 -8 1]
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cblas.h>

#include "runtime/kern.h"

static void sgemm(int64_t M, int64_t N, int64_t K, const float *A,
		  int64_t lda, const float *B, int64_t ldb, float *C,
		  int64_t ldc, const struct rt_epi *e)
{
	int64_t i, j;

	if (M <= 0 || N <= 0)
		return;
	if (K > 0)
		cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)M,
			    (int)N, (int)K, 1.0f, A, (int)lda, B, (int)ldb, 0.0f,
			    C, (int)ldc);
	else
		for (i = 0; i < M; i++)
			memset(C + i * ldc, 0, (size_t)N * sizeof(float));
	if (!e)
		return;
	for (i = 0; i < M; i++) {
		float *c = C + i * ldc, b = e->bias ? e->bias[i] : 0.0f;
		const float *r = e->res ? e->res + i * e->ldr : NULL;

		for (j = 0; j < N; j++) {
			float v = c[j] + b + (r ? r[j] : 0.0f);

			c[j] = v < e->lo ? e->lo : v > e->hi ? e->hi : v;
		}
	}
}

static void wino_pack(const float *x, int64_t c, int64_t h, int64_t w,
		      int64_t ih0, int64_t nrows, int64_t pl, int64_t pw,
		      int64_t cp, float *P)
{
	int64_t r, q, k;

	for (r = 0; r < nrows; r++) {
		int64_t ih = ih0 + r;
		float *pr = P + r * pw * cp;

		memset(pr, 0, (size_t)(pw * cp) * sizeof(float));
		if (ih < 0 || ih >= h)
			continue;
		for (k = 0; k < c; k++) {
			const float *xr = x + (k * h + ih) * w;

			for (q = 0; q < w; q++)
				pr[(pl + q) * cp + k] = xr[q];
		}
	}
}

/* B^T d over 16 lanes: d[i] is at d0 + i * ds. */
static void bt6(const float *d0, int64_t ds, float o[6][16])
{
	int l;

	for (l = 0; l < 16; l++) {
		float d[6], t0, t1, t2, t3;
		int i;

		for (i = 0; i < 6; i++)
			d[i] = d0[i * ds + l];
		t0 = d[4] - 4 * d[2];
		t1 = d[3] - 4 * d[1];
		t2 = d[4] - d[2];
		t3 = 2 * (d[3] - d[1]);
		o[0][l] = 4 * d[0] - 5 * d[2] + d[4];
		o[1][l] = t0 + t1;
		o[2][l] = t0 - t1;
		o[3][l] = t2 + t3;
		o[4][l] = t2 - t3;
		o[5][l] = 4 * d[1] - 5 * d[3] + d[5];
	}
}

static void wino_in(const float *P, int64_t pw, int64_t cp, int64_t ntr,
		    int64_t tc, float *V, int64_t vs)
{
	float w[6][6][16], o[6][16];
	int64_t r, q, cb;
	int i, j;

	for (r = 0; r < ntr; r++)
		for (q = 0; q < tc; q++)
			for (cb = 0; cb < cp; cb += 16) {
				const float *d = P + (4 * r * pw + 4 * q) * cp + cb;
				float *v = V + (r * tc + q) * cp + cb;

				for (j = 0; j < 6; j++) {
					bt6(d + j * cp, pw * cp, o);
					for (i = 0; i < 6; i++)
						memcpy(w[i][j], o[i], sizeof(o[i]));
				}
				for (i = 0; i < 6; i++) {
					bt6(&w[i][0][0], 16, o);
					for (j = 0; j < 6; j++)
						memcpy(v + (i * 6 + j) * vs, o[j], sizeof(o[j]));
				}
			}
}

/* A^T m over 16 lanes: m[i] is at m0 + i * ms. */
static void at6(const float *m0, int64_t ms, float o[4][16])
{
	int l;

	for (l = 0; l < 16; l++) {
		float m[6], s1, d1, s2, d2;
		int i;

		for (i = 0; i < 6; i++)
			m[i] = m0[i * ms + l];
		s1 = m[1] + m[2];
		d1 = m[1] - m[2];
		s2 = m[3] + m[4];
		d2 = m[3] - m[4];
		o[0][l] = m[0] + s1 + s2;
		o[1][l] = d1 + 2 * d2;
		o[2][l] = s1 + 4 * s2;
		o[3][l] = d1 + 8 * d2 + m[5];
	}
}

/* One 4 x 4 tile of channels mb..mb+15 (p[pos][lane]) into the band. */
static void store_tile(float p[16][16], const struct rt_wino_out *o,
		       int64_t mb, int64_t oh, int64_t ow)
{
	int64_t k, plane = o->oh * o->ow;
	int i, j;

	for (k = 0; k < 16 && mb + k < o->m; k++)
		for (i = 0; i < 4 && oh + i < o->oh; i++)
			for (j = 0; j < 4 && ow + j < o->ow; j++) {
				int64_t off = (mb + k) * plane + (oh + i) * o->ow + ow + j;
				float v = p[i * 4 + j][k] + o->bias[mb + k];

				if (o->res)
					v += o->res[off];
				o->y[off] = v < o->lo ? o->lo : v > o->hi ? o->hi : v;
			}
}

static void wino_out(const float *O, int64_t os, int64_t mp, int64_t ntr,
		     int64_t tc, const struct rt_wino_out *o)
{
	float w[4][6][16], t[4][16], p[16][16];
	int64_t r, q, mb;
	int i, j;

	for (r = 0; r < ntr; r++)
		for (q = 0; q < tc; q++)
			for (mb = 0; mb < mp; mb += 16) {
				const float *s = O + (r * tc + q) * mp + mb;

				for (j = 0; j < 6; j++) {
					at6(s + j * os, 6 * os, t);
					for (i = 0; i < 4; i++)
						memcpy(w[i][j], t[i], sizeof(t[i]));
				}
				for (i = 0; i < 4; i++) {
					at6(&w[i][0][0], 16, t);
					for (j = 0; j < 4; j++)
						memcpy(p[i * 4 + j], t[j], sizeof(t[j]));
				}
				store_tile(p, o, mb, o->oh0 + 4 * r, 4 * q);
			}
}

static void dw_plane(const float *x, int64_t h, int64_t w, const float *k,
		     int64_t kh, int64_t kw, int64_t s, int64_t pt, int64_t pl,
		     float *y, int64_t oh, int64_t ow, float bias,
		     const float *res, float lo, float hi)
{
	int64_t i, j, a, b;

	for (i = 0; i < oh; i++)
		for (j = 0; j < ow; j++) {
			float acc = bias;

			for (a = 0; a < kh; a++) {
				int64_t r = i * s - pt + a;

				if (r < 0 || r >= h)
					continue;
				for (b = 0; b < kw; b++) {
					int64_t c = j * s - pl + b;

					if (c >= 0 && c < w)
						acc += k[a * kw + b] * x[r * w + c];
				}
			}
			if (res)
				acc += res[i * ow + j];
			y[i * ow + j] = acc < lo ? lo : acc > hi ? hi : acc;
		}
}

const struct rt_kern opr_rt_kern_generic = {
	.name = "generic", .sgemm = sgemm, .wino_pack = wino_pack,
	.wino_in = wino_in, .wino_out = wino_out, .dw_plane = dw_plane
};

static int force_generic = -1;	/* -1: not decided yet */

void opr_rt_kern_force_generic(int on)
{
	force_generic = on ? 1 : 0;
}

const struct rt_kern *opr_rt_kern(void)
{
	if (force_generic < 0) {
		const char *isa = getenv("OPR_RT_ISA");

		force_generic = isa && strcmp(isa, "generic") == 0;
	}
	if (force_generic || !opr_rt_kern_avx512.name)
		return &opr_rt_kern_generic;
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
	if (__builtin_cpu_supports("avx512f"))
		return &opr_rt_kern_avx512;
#endif
	return &opr_rt_kern_generic;
}

void opr_rt_wino_weight(const double *g, float *u, int64_t stride)
{
	static const double G[6][3] = {
		{ 1.0 / 4, 0, 0 }, { -1.0 / 6, -1.0 / 6, -1.0 / 6 },
		{ -1.0 / 6, 1.0 / 6, -1.0 / 6 }, { 1.0 / 24, 1.0 / 12, 1.0 / 6 },
		{ 1.0 / 24, -1.0 / 12, 1.0 / 6 }, { 0, 0, 1 }
	};
	double t[6][3];
	int i, j, k;

	for (i = 0; i < 6; i++)
		for (j = 0; j < 3; j++) {
			t[i][j] = 0;
			for (k = 0; k < 3; k++)
				t[i][j] += G[i][k] * g[k * 3 + j];
		}
	for (i = 0; i < 6; i++)
		for (j = 0; j < 6; j++) {
			double s = 0;

			for (k = 0; k < 3; k++)
				s += t[i][k] * G[j][k];
			u[(i * 6 + j) * stride] = (float)s;
		}
}
