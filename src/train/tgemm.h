/*
 * tgemm.h - the training engine's two GEMMs with indirect operands, the
 * core of its convolutions without im2col (op_conv.c, "shifted" path):
 * the rows of one operand are given by a table of pointers, so row (c,
 * ki, kj) of a convolution's im2col matrix is just a pointer into the
 * zero-padded input plane, shifted by the tap.
 *
 *   nn:  C[i][j] (=, or += when acc) sum_k A[i][k] * Bk[k][off + j]
 *   nt:  C[i][n] (=, or += when acc) sum_l A[i][l] * Bk[n][l]
 *
 * Two implementations behind one table, as the runtime's kern.h: AVX-512F
 * (tgemm_avx512.c, target attributes) and portable C (tgemm.c), chosen
 * once: AVX-512 where the CPU has it and OPR_RT_ISA is not "generic".
 * Masked loads never touch memory past the last column, but a row may be
 * read up to its last needed element only.
 */
#ifndef OPR_TGEMM_H
#define OPR_TGEMM_H

#include <stdint.h>

struct tr_gemm {
	const char *name;	/* "avx512" or "generic" */
	/* i < M, j < N, k < K; A row-major with lda; C with ldc */
	void (*nn)(int64_t M, int64_t N, int64_t K, const float *A, int64_t lda,
		   const float *const *Bk, int64_t off, float *C, int64_t ldc,
		   int acc);
	/* i < M, n < N, l < L; A row-major with lda; C with ldc */
	void (*nt)(int64_t M, int64_t N, int64_t L, const float *A, int64_t lda,
		   const float *const *Bk, float *C, int64_t ldc, int acc);
};

/* The table this process uses. */
const struct tr_gemm *tr_gemm(void);

/* The two tables (the AVX-512 one has name NULL where it is not built). */
extern const struct tr_gemm tr_gemm_generic;
extern const struct tr_gemm tr_gemm_avx512;

#endif
