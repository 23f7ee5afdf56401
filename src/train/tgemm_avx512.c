/*
 * tgemm_avx512.c - the AVX-512F GEMMs of tgemm.h.
 *
 * nn: register blocks of MR <= 6 rows by NV <= 4 vectors of 16 columns
 * (24 accumulators); per k one B row segment is loaded (the last vector
 * masked) and each A element broadcast.  nt: blocks of MR <= 4 rows of A
 * by NR <= 6 rows of B, each accumulator a vector of 16 partial dot
 * products over l, reduced once at the end.  Every function carries a
 * target attribute, so the file builds without -m flags; the table is
 * used only where the CPU has AVX-512F (tgemm.c).
 */
#include <stddef.h>

#include "train/tgemm.h"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))

#include <immintrin.h>

#define TGT __attribute__((target("avx512f,avx512vl,avx512dq,avx2,fma")))
#define INL static inline __attribute__((always_inline)) TGT

INL void nn_mk(const int MR, const int NV, int64_t K, const float *A,
	       int64_t lda, const float *const *Bk, int64_t off, float *C,
	       int64_t ldc, __mmask16 ml, int acc)
{
	__m512 c[6][4], b[4];
	int64_t k;
	int i, v;

#pragma GCC unroll 6
	for (i = 0; i < MR; i++)
#pragma GCC unroll 4
		for (v = 0; v < NV; v++)
			c[i][v] = _mm512_setzero_ps();
	for (k = 0; k < K; k++) {
		const float *bp = Bk[k] + off;

#pragma GCC unroll 4
		for (v = 0; v < NV; v++)
			b[v] = v == NV - 1 ? _mm512_maskz_loadu_ps(ml, bp + 16 * v) :
			       _mm512_loadu_ps(bp + 16 * v);
#pragma GCC unroll 6
		for (i = 0; i < MR; i++) {
			__m512 a = _mm512_set1_ps(A[i * lda + k]);

#pragma GCC unroll 4
			for (v = 0; v < NV; v++)
				c[i][v] = _mm512_fmadd_ps(a, b[v], c[i][v]);
		}
	}
#pragma GCC unroll 6
	for (i = 0; i < MR; i++)
#pragma GCC unroll 4
		for (v = 0; v < NV; v++) {
			__mmask16 m = v == NV - 1 ? ml : 0xffff;
			float *cp = C + i * ldc + 16 * v;

			if (acc)
				c[i][v] = _mm512_add_ps(c[i][v],
							_mm512_maskz_loadu_ps(m, cp));
			_mm512_mask_storeu_ps(cp, m, c[i][v]);
		}
}

typedef void (*nn_fn)(int64_t K, const float *A, int64_t lda,
		      const float *const *Bk, int64_t off, float *C, int64_t ldc,
		      __mmask16 ml, int acc);

#define NN(R, V)							\
	static TGT void nn_##R##_##V(int64_t K, const float *A, int64_t lda, \
				     const float *const *Bk, int64_t off,  \
				     float *C, int64_t ldc, __mmask16 ml, int acc) \
	{								\
		nn_mk(R, V, K, A, lda, Bk, off, C, ldc, ml, acc);	\
	}
#define NN_ROWS(V) NN(1, V) NN(2, V) NN(3, V) NN(4, V) NN(5, V) NN(6, V)
NN_ROWS(1)
NN_ROWS(2)
NN_ROWS(3)
NN_ROWS(4)

#define NN_TAB(V) { NULL, nn_1_##V, nn_2_##V, nn_3_##V, nn_4_##V, nn_5_##V, nn_6_##V }
static const nn_fn nn_tab[5][7] = {
	{ NULL }, NN_TAB(1), NN_TAB(2), NN_TAB(3), NN_TAB(4)
};

static TGT void nn(int64_t M, int64_t N, int64_t K, const float *A,
		   int64_t lda, const float *const *Bk, int64_t off, float *C,
		   int64_t ldc, int acc)
{
	int64_t i, j;

	for (j = 0; j < N; j += 64) {
		int64_t n = N - j < 64 ? N - j : 64;
		int nv = (int)((n + 15) / 16);
		__mmask16 ml = n % 16 ? (__mmask16)((1u << (n % 16)) - 1) : 0xffff;

		for (i = 0; i < M; i += 6) {
			int r = M - i < 6 ? (int)(M - i) : 6;

			nn_tab[nv][r](K, A + i * lda, lda, Bk, off + j,
				      C + i * ldc + j, ldc, ml, acc);
		}
	}
}

INL void nt_mk(const int MR, const int NR, int64_t L, const float *A,
	       int64_t lda, const float *const *Bk, float *C, int64_t ldc,
	       int acc)
{
	__m512 c[4][6], a[4], b;
	const float *bp[6];
	int64_t l;
	int i, r;

#pragma GCC unroll 6
	for (r = 0; r < NR; r++)
		bp[r] = Bk[r];
#pragma GCC unroll 4
	for (i = 0; i < MR; i++)
#pragma GCC unroll 6
		for (r = 0; r < NR; r++)
			c[i][r] = _mm512_setzero_ps();
	for (l = 0; l + 16 <= L; l += 16) {
#pragma GCC unroll 4
		for (i = 0; i < MR; i++)
			a[i] = _mm512_loadu_ps(A + i * lda + l);
#pragma GCC unroll 6
		for (r = 0; r < NR; r++) {
			b = _mm512_loadu_ps(bp[r] + l);
#pragma GCC unroll 4
			for (i = 0; i < MR; i++)
				c[i][r] = _mm512_fmadd_ps(a[i], b, c[i][r]);
		}
	}
	if (l < L) {
		__mmask16 m = (__mmask16)((1u << (L - l)) - 1);

#pragma GCC unroll 4
		for (i = 0; i < MR; i++)
			a[i] = _mm512_maskz_loadu_ps(m, A + i * lda + l);
#pragma GCC unroll 6
		for (r = 0; r < NR; r++) {
			b = _mm512_maskz_loadu_ps(m, bp[r] + l);
#pragma GCC unroll 4
			for (i = 0; i < MR; i++)
				c[i][r] = _mm512_fmadd_ps(a[i], b, c[i][r]);
		}
	}
#pragma GCC unroll 4
	for (i = 0; i < MR; i++)
#pragma GCC unroll 6
		for (r = 0; r < NR; r++) {
			float s = _mm512_reduce_add_ps(c[i][r]);

			C[i * ldc + r] = acc ? C[i * ldc + r] + s : s;
		}
}

typedef void (*nt_fn)(int64_t L, const float *A, int64_t lda,
		      const float *const *Bk, float *C, int64_t ldc, int acc);

#define NT(R, Q)							\
	static TGT void nt_##R##_##Q(int64_t L, const float *A, int64_t lda, \
				     const float *const *Bk, float *C,	\
				     int64_t ldc, int acc)		\
	{								\
		nt_mk(R, Q, L, A, lda, Bk, C, ldc, acc);		\
	}
#define NT_COLS(R) NT(R, 1) NT(R, 2) NT(R, 3) NT(R, 4) NT(R, 5) NT(R, 6)
NT_COLS(1)
NT_COLS(2)
NT_COLS(3)
NT_COLS(4)

#define NT_TAB(R) { NULL, nt_##R##_1, nt_##R##_2, nt_##R##_3, nt_##R##_4, \
		    nt_##R##_5, nt_##R##_6 }
static const nt_fn nt_tab[5][7] = {
	{ NULL }, NT_TAB(1), NT_TAB(2), NT_TAB(3), NT_TAB(4)
};

static TGT void nt(int64_t M, int64_t N, int64_t L, const float *A,
		   int64_t lda, const float *const *Bk, float *C, int64_t ldc,
		   int acc)
{
	int64_t i, n;

	for (n = 0; n < N; n += 6) {
		int q = N - n < 6 ? (int)(N - n) : 6;

		for (i = 0; i < M; i += 4) {
			int r = M - i < 4 ? (int)(M - i) : 4;

			nt_tab[r][q](L, A + i * lda, lda, Bk + n, C + i * ldc + n,
				     ldc, acc);
		}
	}
}

const struct tr_gemm tr_gemm_avx512 = { "avx512", nn, nt };

#else

const struct tr_gemm tr_gemm_avx512 = { NULL, NULL, NULL };

#endif
