/*
 * tref_internal.h - what the two files of the training tests' double
 * reference (tref.c, tref_layers.c) share: the reference's state, its
 * index helpers and the layer ops.
 */
#ifndef OPR_TESTS_TREF_INTERNAL_H
#define OPR_TESTS_TREF_INTERNAL_H

#include "tcheck.h"

struct tref {
	const struct opr_graph *g;
	int n;				/* batch */
	int training;			/* BN with batch statistics */
	double **v;			/* per value, NULL when not float */
	int64_t *numel;			/* per value */
	int64_t (*dims)[OPR_MAX_RANK];	/* per value, batch resolved */
};

#define IN(k) (nd->in[k])
#define OUT(k) (nd->out[k])

/* Rank of value v. */
int tref_rank(const struct tref *r, int v);

/* Multi-index of flat index i in dims d, and back. */
void tref_unravel(int64_t i, int rank, const int64_t *d, int64_t *idx);
int64_t tref_ravel(int rank, const int64_t *d, const int64_t *idx);

/*
 * Int values of initializer v (int64 or int32) into out[0..max); the
 * count (0 when v < 0).  Dies (TC_DIE) when v is not such an initializer
 * or holds more than max values.
 */
int tref_ints(const struct tref *r, int v, int64_t *out, int max);

/*
 * INTS attribute name into out[0..max); its count (0 when absent).  Dies
 * when it is another type or longer than max.
 */
int tref_attr_ints(const struct opr_node *nd, const char *name, int64_t *out,
		   int max);

/* Index into a (rank ra, dims da) broadcast onto output index oi (rank ro). */
int64_t tref_bidx(int ra, const int64_t *da, int ro, const int64_t *oi);

/* The layer ops (tref_layers.c): compute node nd's output. */
void tref_conv(struct tref *r, const struct opr_node *nd);
void tref_batchnorm(struct tref *r, const struct opr_node *nd);
void tref_pool(struct tref *r, const struct opr_node *nd);
void tref_reduce(struct tref *r, const struct opr_node *nd);
void tref_gemm(struct tref *r, const struct opr_node *nd);
void tref_matmul(struct tref *r, const struct opr_node *nd);

#endif
