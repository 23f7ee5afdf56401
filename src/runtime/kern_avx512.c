/*
 * kern_avx512.c - the AVX-512F kernels of kern.h: a register-blocked
 * sgemm micro-kernel (MR rows x NV vectors of 16 columns, A broadcast, B
 * loaded, the epilogue applied as the block is stored) and the Winograd
 * F(4x4, 3x3) pack / input transform / output transform, vectorised over
 * 16 channels with 16 x 16 in-register transposes between the NCHW planes
 * and the channel-interleaved tiles.
 *
 * Every function carries a target attribute instead of the build using
 * -mavx512f, so the file builds everywhere; the table is only used where
 * __builtin_cpu_supports("avx512f") says so (kern_ref.c).
 */
#include <string.h>

#include "runtime/kern.h"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))

#include <immintrin.h>

#define TGT __attribute__((target("avx512f,avx512vl,avx512dq,avx2,fma")))
#define INL static inline __attribute__((always_inline)) TGT

#define MR_MAX 12		/* most rows of a micro-kernel */
#define NV_MAX 4		/* most 16-column vectors of a micro-kernel */

/* Rows per micro-kernel for nv vectors: 24 accumulators or fewer. */
static const int mr_for[NV_MAX + 1] = { 0, 12, 12, 8, 6 };

/*
 * The MR x NV micro-kernel over all of K.  The last vector uses mask ml
 * (columns past N are neither read nor written).
 */
INL void mk(const int MR, const int NV, int64_t K, const float *A, int64_t lda,
	    const float *B, int64_t ldb, float *C, int64_t ldc, __mmask16 ml,
	    const struct rt_epi *e, const float *res)
{
	__m512 acc[MR_MAX][NV_MAX], b[NV_MAX], lo, hi;
	int i, v;
	int64_t k;

#pragma GCC unroll 12
	for (i = 0; i < MR; i++)
#pragma GCC unroll 4
		for (v = 0; v < NV; v++)
			acc[i][v] = _mm512_setzero_ps();
	for (k = 0; k < K; k++) {
#pragma GCC unroll 4
		for (v = 0; v < NV; v++)
			b[v] = v == NV - 1 ?
			       _mm512_maskz_loadu_ps(ml, B + k * ldb + 16 * v) :
			       _mm512_loadu_ps(B + k * ldb + 16 * v);
#pragma GCC unroll 12
		for (i = 0; i < MR; i++) {
			__m512 a = _mm512_set1_ps(A[i * lda + k]);

#pragma GCC unroll 4
			for (v = 0; v < NV; v++)
				acc[i][v] = _mm512_fmadd_ps(a, b[v], acc[i][v]);
		}
	}
	if (e) {
		lo = _mm512_set1_ps(e->lo);
		hi = _mm512_set1_ps(e->hi);
#pragma GCC unroll 12
		for (i = 0; i < MR; i++) {
			__m512 bi = _mm512_set1_ps(e->bias ? e->bias[i] : 0.0f);

#pragma GCC unroll 4
			for (v = 0; v < NV; v++) {
				__m512 r = _mm512_add_ps(acc[i][v], bi);
				__mmask16 m = v == NV - 1 ? ml : 0xffff;

				if (res)
					r = _mm512_add_ps(r, _mm512_maskz_loadu_ps(m,
						res + i * e->ldr + 16 * v));
				acc[i][v] = _mm512_min_ps(_mm512_max_ps(r, lo), hi);
			}
		}
	}
#pragma GCC unroll 12
	for (i = 0; i < MR; i++)
#pragma GCC unroll 4
		for (v = 0; v < NV; v++) {
			if (v == NV - 1)
				_mm512_mask_storeu_ps(C + i * ldc + 16 * v, ml, acc[i][v]);
			else
				_mm512_storeu_ps(C + i * ldc + 16 * v, acc[i][v]);
		}
}

typedef void (*mk_fn)(int64_t K, const float *A, int64_t lda, const float *B,
		      int64_t ldb, float *C, int64_t ldc, __mmask16 ml,
		      const struct rt_epi *e, const float *res);

#define MK(R, V)							\
	static TGT void mk_##R##_##V(int64_t K, const float *A, int64_t lda, \
				     const float *B, int64_t ldb, float *C, \
				     int64_t ldc, __mmask16 ml,		\
				     const struct rt_epi *e, const float *res) \
	{								\
		mk(R, V, K, A, lda, B, ldb, C, ldc, ml, e, res);	\
	}
#define MK_ROWS(V)							\
	MK(1, V) MK(2, V) MK(3, V) MK(4, V) MK(5, V) MK(6, V)		\
	MK(7, V) MK(8, V) MK(9, V) MK(10, V) MK(11, V) MK(12, V)
MK_ROWS(1)
MK_ROWS(2)
MK_ROWS(3)
MK_ROWS(4)

#define MK_ROW_TAB(V)							\
	{ NULL, mk_1_##V, mk_2_##V, mk_3_##V, mk_4_##V, mk_5_##V, mk_6_##V, \
	  mk_7_##V, mk_8_##V, mk_9_##V, mk_10_##V, mk_11_##V, mk_12_##V }
static const mk_fn mk_tab[NV_MAX + 1][MR_MAX + 1] = {
	{ NULL }, MK_ROW_TAB(1), MK_ROW_TAB(2), MK_ROW_TAB(3), MK_ROW_TAB(4)
};

static TGT void sgemm(int64_t M, int64_t N, int64_t K, const float *A,
		      int64_t lda, const float *B, int64_t ldb, float *C,
		      int64_t ldc, const struct rt_epi *e)
{
	struct rt_epi eb;
	int64_t i, j;

	for (j = 0; j < N; j += 16 * NV_MAX) {
		int64_t nn = N - j < 16 * NV_MAX ? N - j : 16 * NV_MAX;
		int nv = (int)((nn + 15) / 16), mr = mr_for[nv];
		__mmask16 ml = nn % 16 ? (__mmask16)((1u << (nn % 16)) - 1) : 0xffff;

		for (i = 0; i < M; i += mr) {
			int r = M - i < mr ? (int)(M - i) : mr;
			const struct rt_epi *ep = e;

			if (e) {
				eb = *e;
				eb.bias = e->bias ? e->bias + i : NULL;
				ep = &eb;
			}
			mk_tab[nv][r](K, A + i * lda, lda, B + j, ldb,
				      C + i * ldc + j, ldc, ml, ep,
				      e && e->res ? e->res + i * e->ldr + j : NULL);
		}
	}
}

/* Transposes the 16 x 16 block in r[] in place. */
INL void tr16(__m512 *r)
{
	__m512 t[16], u[16];
	int i, j;

#pragma GCC unroll 8
	for (i = 0; i < 8; i++) {
		t[2 * i] = _mm512_unpacklo_ps(r[2 * i], r[2 * i + 1]);
		t[2 * i + 1] = _mm512_unpackhi_ps(r[2 * i], r[2 * i + 1]);
	}
#pragma GCC unroll 4
	for (i = 0; i < 4; i++) {
		u[4 * i] = _mm512_shuffle_ps(t[4 * i], t[4 * i + 2], 0x44);
		u[4 * i + 1] = _mm512_shuffle_ps(t[4 * i], t[4 * i + 2], 0xee);
		u[4 * i + 2] = _mm512_shuffle_ps(t[4 * i + 1], t[4 * i + 3], 0x44);
		u[4 * i + 3] = _mm512_shuffle_ps(t[4 * i + 1], t[4 * i + 3], 0xee);
	}
#pragma GCC unroll 4
	for (j = 0; j < 4; j++) {
		__m512 v0 = _mm512_shuffle_f32x4(u[j], u[4 + j], 0x44);
		__m512 v1 = _mm512_shuffle_f32x4(u[j], u[4 + j], 0xee);
		__m512 v2 = _mm512_shuffle_f32x4(u[8 + j], u[12 + j], 0x44);
		__m512 v3 = _mm512_shuffle_f32x4(u[8 + j], u[12 + j], 0xee);

		r[j] = _mm512_shuffle_f32x4(v0, v2, 0x88);
		r[4 + j] = _mm512_shuffle_f32x4(v0, v2, 0xdd);
		r[8 + j] = _mm512_shuffle_f32x4(v1, v3, 0x88);
		r[12 + j] = _mm512_shuffle_f32x4(v1, v3, 0xdd);
	}
}

static TGT void wino_pack(const float *x, int64_t c, int64_t h, int64_t w,
			  int64_t ih0, int64_t nrows, int64_t pl, int64_t pw,
			  int64_t cp, float *P)
{
	int64_t r, cb, w0, q, k;

	for (r = 0; r < nrows; r++) {
		int64_t ih = ih0 + r;
		float *pr = P + r * pw * cp;

		if (ih < 0 || ih >= h) {
			memset(pr, 0, (size_t)(pw * cp) * sizeof(float));
			continue;
		}
		memset(pr, 0, (size_t)(pl * cp) * sizeof(float));
		memset(pr + (pl + w) * cp, 0, (size_t)((pw - pl - w) * cp) *
		       sizeof(float));
		for (cb = 0; cb < cp; cb += 16)
			for (w0 = 0; w0 < w; w0 += 16) {
				int64_t nw = w - w0 < 16 ? w - w0 : 16;
				__mmask16 m = (__mmask16)((1u << nw) - 1);
				__m512 v[16];

#pragma GCC unroll 16
				for (k = 0; k < 16; k++)
					v[k] = cb + k < c ?
					       _mm512_maskz_loadu_ps(m, x + ((cb + k) * h +
								     ih) * w + w0) :
					       _mm512_setzero_ps();
				tr16(v);
				for (q = 0; q < nw; q++)
					_mm512_storeu_ps(pr + (pl + w0 + q) * cp + cb, v[q]);
			}
	}
}

/* B^T d for one column of a tile: d[0..5] -> o[0..5]. */
INL void bt6(const __m512 *d, __m512 *o)
{
	__m512 four = _mm512_set1_ps(4.0f), five = _mm512_set1_ps(5.0f);
	__m512 two = _mm512_set1_ps(2.0f);
	__m512 t0 = _mm512_fnmadd_ps(four, d[2], d[4]);	/* d4 - 4 d2 */
	__m512 t1 = _mm512_fnmadd_ps(four, d[1], d[3]);	/* d3 - 4 d1 */
	__m512 t2 = _mm512_sub_ps(d[4], d[2]);
	__m512 t3 = _mm512_mul_ps(two, _mm512_sub_ps(d[3], d[1]));

	o[0] = _mm512_add_ps(_mm512_fnmadd_ps(five, d[2], _mm512_mul_ps(four,
								      d[0])), d[4]);
	o[1] = _mm512_add_ps(t0, t1);
	o[2] = _mm512_sub_ps(t0, t1);
	o[3] = _mm512_add_ps(t2, t3);
	o[4] = _mm512_sub_ps(t2, t3);
	o[5] = _mm512_add_ps(_mm512_fnmadd_ps(five, d[3], _mm512_mul_ps(four,
								      d[1])), d[5]);
}

static TGT void wino_in(const float *P, int64_t pw, int64_t cp, int64_t ntr,
			int64_t tc, float *V, int64_t vs)
{
	int64_t r, q, cb;
	int i, j;

	for (r = 0; r < ntr; r++)
		for (q = 0; q < tc; q++)
			for (cb = 0; cb < cp; cb += 16) {
				const float *d = P + (4 * r * pw + 4 * q) * cp + cb;
				float *v = V + (r * tc + q) * cp + cb;
				__m512 w[6][6], in[6], out[6];

#pragma GCC unroll 6
				for (j = 0; j < 6; j++) {
#pragma GCC unroll 6
					for (i = 0; i < 6; i++)
						in[i] = _mm512_loadu_ps(d + (i * pw + j) * cp);
					bt6(in, out);
#pragma GCC unroll 6
					for (i = 0; i < 6; i++)
						w[i][j] = out[i];
				}
#pragma GCC unroll 6
				for (i = 0; i < 6; i++) {
					bt6(w[i], out);
#pragma GCC unroll 6
					for (j = 0; j < 6; j++)
						_mm512_storeu_ps(v + (i * 6 + j) * vs, out[j]);
				}
			}
}

/* A^T m for one column: m[0..5] -> o[0..3]. */
INL void at6(const __m512 *m, __m512 *o)
{
	__m512 s1 = _mm512_add_ps(m[1], m[2]), d1 = _mm512_sub_ps(m[1], m[2]);
	__m512 s2 = _mm512_add_ps(m[3], m[4]), d2 = _mm512_sub_ps(m[3], m[4]);

	o[0] = _mm512_add_ps(_mm512_add_ps(m[0], s1), s2);
	o[1] = _mm512_fmadd_ps(_mm512_set1_ps(2.0f), d2, d1);
	o[2] = _mm512_fmadd_ps(_mm512_set1_ps(4.0f), s2, s1);
	o[3] = _mm512_add_ps(_mm512_fmadd_ps(_mm512_set1_ps(8.0f), d2, d1), m[5]);
}

/* Output transform of one tile (16 channels at s) plus bias into t[16]. */
INL void out_tile(const float *s, int64_t os, __m512 bias, __m512 *t)
{
	__m512 w[4][6], in[6], out[4];
	int i, j;

#pragma GCC unroll 6
	for (j = 0; j < 6; j++) {
#pragma GCC unroll 6
		for (i = 0; i < 6; i++)
			in[i] = _mm512_loadu_ps(s + (i * 6 + j) * os);
		at6(in, out);
#pragma GCC unroll 4
		for (i = 0; i < 4; i++)
			w[i][j] = out[i];
	}
#pragma GCC unroll 4
	for (i = 0; i < 4; i++) {
		at6(w[i], out);
#pragma GCC unroll 4
		for (j = 0; j < 4; j++)
			t[i * 4 + j] = _mm512_add_ps(out[j], bias);
	}
}

/*
 * Stores row i of up to four horizontally adjacent tiles (t[g][4 i + j])
 * for channels m0.. as 16-column rows at y (+ residual, clamped).
 */
INL void out_row(__m512 (*t)[16], int ng, int i, float *y, const float *res,
		 int64_t plane, int64_t nm, __mmask16 cm, __m512 lo, __m512 hi)
{
	__m512 v[16];
	int64_t k;
	int g, j;

#pragma GCC unroll 4
	for (g = 0; g < 4; g++)
#pragma GCC unroll 4
		for (j = 0; j < 4; j++)
			v[4 * g + j] = g < ng ? t[g][4 * i + j] : _mm512_setzero_ps();
	tr16(v);
	if (cm == 0xffff && nm == 16) {
#pragma GCC unroll 16
		for (k = 0; k < 16; k++) {
			__m512 r = v[k];

			if (res)
				r = _mm512_add_ps(r, _mm512_loadu_ps(res + k * plane));
			_mm512_storeu_ps(y + k * plane,
					 _mm512_min_ps(_mm512_max_ps(r, lo), hi));
		}
		return;
	}
	for (k = 0; k < nm; k++) {
		__m512 r = v[k];

		if (res)
			r = _mm512_add_ps(r, _mm512_maskz_loadu_ps(cm, res + k * plane));
		_mm512_mask_storeu_ps(y + k * plane, cm,
				      _mm512_min_ps(_mm512_max_ps(r, lo), hi));
	}
}

static TGT void wino_out(const float *O, int64_t os, int64_t mp, int64_t ntr,
			 int64_t tc, const struct rt_wino_out *o)
{
	__m512 lo = _mm512_set1_ps(o->lo), hi = _mm512_set1_ps(o->hi);
	__m512 t[4][16];
	float *y = o->y;
	const float *res = o->res, *bias = o->bias;
	int64_t m = o->m, oh = o->oh, ow = o->ow, plane = oh * ow, r, q0, mb;
	int g, i;

	for (r = 0; r < ntr; r++) {
		int64_t h = o->oh0 + 4 * r;
		int nr = oh - h < 4 ? (int)(oh - h) : 4;

		for (q0 = 0; q0 < tc; q0 += 4) {
			int ng = tc - q0 < 4 ? (int)(tc - q0) : 4;
			int64_t nc = ow - 4 * q0 < 16 ? ow - 4 * q0 : 16;
			__mmask16 cm = (__mmask16)((1u << nc) - 1);

			for (mb = 0; mb < mp; mb += 16) {
				__m512 b = _mm512_loadu_ps(bias + mb);
				int64_t nm = m - mb < 16 ? m - mb : 16;
				int64_t off = mb * plane + h * ow + 4 * q0;

				for (g = 0; g < ng; g++)
					out_tile(O + (r * tc + q0 + g) * mp + mb, os, b,
						 t[g]);
				for (i = 0; i < nr; i++)
					out_row(t, ng, i, y + off + i * ow,
						res ? res + off + i * ow : NULL, plane,
						nm, cm, lo, hi);
			}
		}
	}
}

/* Lanes i < n of a 16-lane mask whose column c0 + i lies in [0, w). */
INL __mmask16 col_mask(int64_t c0, int64_t n, int64_t w)
{
	int64_t lo = c0 < 0 ? -c0 : 0, hi = w - c0 < n ? w - c0 : n;
	uint32_t m;

	if (hi <= lo)
		return 0;
	m = (hi >= 16 ? 0xffffu : (1u << hi) - 1) & ~((1u << lo) - 1);
	return (__mmask16)m;
}

#define DW_MAX_KW 16	/* widest window dw_plane precomputes masks for */

/*
 * Output columns j0..j0+n-1 (n <= 16) of a depthwise plane: the column
 * masks of each window column b are computed once, then every output row
 * sums its taps (stride 2 loads 32 columns and keeps the even ones).
 */
INL void dw_cols(const float *x, int64_t h, int64_t w, const float *k,
		 int64_t kh, int64_t kw, int64_t s, int64_t pt, int64_t c0,
		 float *y, int64_t oh, int64_t ow, int64_t j0, int64_t n,
		 float bias, const float *res, __m512 vlo, __m512 vhi)
{
	__m512i even = _mm512_set_epi32(30, 28, 26, 24, 22, 20, 18, 16, 14, 12,
					10, 8, 6, 4, 2, 0);
	__mmask16 ma[DW_MAX_KW], mb[DW_MAX_KW];
	__mmask16 m = (__mmask16)(n == 16 ? 0xffff : (1u << n) - 1);
	int64_t i, a, b;

	for (b = 0; b < kw; b++) {
		ma[b] = col_mask(c0 + b, s == 1 ? n : n < 8 ? 2 * n : 16, w);
		mb[b] = s == 1 ? 0 : col_mask(c0 + b + 16, 2 * n - 16, w);
	}
	for (i = 0; i < oh; i++) {
		__m512 acc = _mm512_set1_ps(bias);

		for (a = 0; a < kh; a++) {
			int64_t r = i * s - pt + a;
			const float *xr = x + r * w + c0;

			if (r < 0 || r >= h)
				continue;
			if (s == 1)
				for (b = 0; b < kw; b++)
					acc = _mm512_fmadd_ps(_mm512_set1_ps(k[a * kw + b]),
						_mm512_maskz_loadu_ps(ma[b], xr + b), acc);
			else
				for (b = 0; b < kw; b++)
					acc = _mm512_fmadd_ps(_mm512_set1_ps(k[a * kw + b]),
						_mm512_permutex2var_ps(
							_mm512_maskz_loadu_ps(ma[b], xr + b), even,
							_mm512_maskz_loadu_ps(mb[b], xr + b + 16)),
						acc);
		}
		if (res)
			acc = _mm512_add_ps(acc, _mm512_maskz_loadu_ps(m, res + i * ow + j0));
		_mm512_mask_storeu_ps(y + i * ow + j0, m,
				      _mm512_min_ps(_mm512_max_ps(acc, vlo), vhi));
	}
}

/*
 * dw_cols for 3 x 3, stride 1: the three shifted loads of each input row
 * are made once and kept in registers for the three output rows that
 * read it (a rolling window of 3 rows), the 9 weights too.
 */
INL void dw33_cols(const float *x, int64_t h, int64_t w, const float *k,
		   int64_t pt, int64_t c0, float *y, int64_t oh, int64_t ow,
		   int64_t j0, int64_t n, float bias, const float *res,
		   __m512 vlo, __m512 vhi)
{
	__m512 kv[9], L[3][3], z = _mm512_setzero_ps();
	__mmask16 ma[3], m = (__mmask16)(n == 16 ? 0xffff : (1u << n) - 1);
	int64_t i, r;
	int a, b;

	for (b = 0; b < 9; b++)
		kv[b] = _mm512_set1_ps(k[b]);
	for (b = 0; b < 3; b++)
		ma[b] = col_mask(c0 + b, n, w);
	/* rows -pt and -pt + 1 before output row 0 */
	for (a = 0; a < 2; a++) {
		r = -pt + a;
		for (b = 0; b < 3; b++)
			L[a + 1][b] = r < 0 || r >= h ? z :
				      _mm512_maskz_loadu_ps(ma[b], x + r * w + c0 + b);
	}
	for (i = 0; i < oh; i++) {
		__m512 acc = _mm512_set1_ps(bias);

		r = i - pt + 2;
		for (b = 0; b < 3; b++) {
			L[0][b] = L[1][b];
			L[1][b] = L[2][b];
			L[2][b] = r < 0 || r >= h ? z :
				  _mm512_maskz_loadu_ps(ma[b], x + r * w + c0 + b);
		}
#pragma GCC unroll 3
		for (a = 0; a < 3; a++)
#pragma GCC unroll 3
			for (b = 0; b < 3; b++)
				acc = _mm512_fmadd_ps(kv[a * 3 + b], L[a][b], acc);
		if (res)
			acc = _mm512_add_ps(acc, _mm512_maskz_loadu_ps(m, res + i * ow + j0));
		_mm512_mask_storeu_ps(y + i * ow + j0, m,
				      _mm512_min_ps(_mm512_max_ps(acc, vlo), vhi));
	}
}

static TGT void dw_plane(const float *x, int64_t h, int64_t w, const float *k,
			 int64_t kh, int64_t kw, int64_t s, int64_t pt,
			 int64_t pl, float *y, int64_t oh, int64_t ow,
			 float bias, const float *res, float lo, float hi)
{
	__m512 vlo = _mm512_set1_ps(lo), vhi = _mm512_set1_ps(hi);
	int64_t j0;

	if (kw > DW_MAX_KW) {
		opr_rt_kern_generic.dw_plane(x, h, w, k, kh, kw, s, pt, pl, y, oh,
					     ow, bias, res, lo, hi);
		return;
	}
	for (j0 = 0; j0 < ow; j0 += 16) {
		int64_t n = ow - j0 < 16 ? ow - j0 : 16;

		if (s == 1 && kh == 3 && kw == 3)
			dw33_cols(x, h, w, k, pt, j0 - pl, y, oh, ow, j0, n, bias,
				  res, vlo, vhi);
		else if (s == 1)
			dw_cols(x, h, w, k, kh, kw, 1, pt, j0 - pl, y, oh, ow, j0, n,
				bias, res, vlo, vhi);
		else
			dw_cols(x, h, w, k, kh, kw, 2, pt, 2 * j0 - pl, y, oh, ow, j0,
				n, bias, res, vlo, vhi);
	}
}

const struct rt_kern opr_rt_kern_avx512 = {
	.name = "avx512", .sgemm = sgemm, .wino_pack = wino_pack,
	.wino_in = wino_in, .wino_out = wino_out, .dw_plane = dw_plane
};

#else

/* Not x86-64: the generic table stands in (never selected anyway). */
const struct rt_kern opr_rt_kern_avx512 = { .name = NULL };

#endif
