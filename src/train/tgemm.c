/*
 * tgemm.c - the portable GEMMs of tgemm.h and the choice between them and
 * the AVX-512 ones.  Plain loops, blocked so the inner one runs over
 * contiguous memory.
 */
#include <stdlib.h>
#include <string.h>

#include "train/tgemm.h"

static void nn(int64_t M, int64_t N, int64_t K, const float *A, int64_t lda,
	       const float *const *Bk, int64_t off, float *C, int64_t ldc,
	       int acc)
{
	int64_t i, j, k;

	for (i = 0; i < M; i++) {
		float *c = C + i * ldc;

		if (!acc)
			memset(c, 0, (size_t)N * sizeof(float));
		for (k = 0; k < K; k++) {
			const float *b = Bk[k] + off;
			float a = A[i * lda + k];

			for (j = 0; j < N; j++)
				c[j] += a * b[j];
		}
	}
}

static void nt(int64_t M, int64_t N, int64_t L, const float *A, int64_t lda,
	       const float *const *Bk, float *C, int64_t ldc, int acc)
{
	int64_t i, n, l;

	for (i = 0; i < M; i++)
		for (n = 0; n < N; n++) {
			const float *a = A + i * lda, *b = Bk[n];
			float s[8] = { 0 };

			for (l = 0; l + 8 <= L; l += 8) {
				int q;

				for (q = 0; q < 8; q++)
					s[q] += a[l + q] * b[l + q];
			}
			for (; l < L; l++)
				s[0] += a[l] * b[l];
			s[0] += s[1] + s[2] + s[3] + s[4] + s[5] + s[6] + s[7];
			C[i * ldc + n] = (acc ? C[i * ldc + n] : 0.0f) + s[0];
		}
}

const struct tr_gemm tr_gemm_generic = { "generic", nn, nt };

const struct tr_gemm *tr_gemm(void)
{
	static const struct tr_gemm *pick;

	if (!pick) {
		const char *isa = getenv("OPR_RT_ISA");

		pick = &tr_gemm_generic;
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
		if (tr_gemm_avx512.name && !(isa && !strcmp(isa, "generic")) &&
		    __builtin_cpu_supports("avx512f"))
			pick = &tr_gemm_avx512;
#else
		(void)isa;
#endif
	}
	return pick;
}
