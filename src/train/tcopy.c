/*
 * tcopy.c - strided copies for the engine's data-movement ops (Slice, Pad,
 * Transpose, Concat, Split, both directions): a box of indices mapped to
 * a source and a destination by element strides, copied or added row by
 * row (the last axis is the inner loop), rows spread over the threads.
 */
#include <string.h>

#include "train/tr_internal.h"

struct strided_job {
	int r;				/* rank of the box */
	const int64_t *d;		/* its dims */
	const float *src;
	const int64_t *ss;		/* source strides */
	int64_t sbase;
	float *dst;
	const int64_t *ds;		/* destination strides */
	int64_t dbase;
	int add;			/* 1: +=, 0: = */
};

static void strided_rows(void *arg, int64_t r0, int64_t r1, int tid)
{
	const struct strided_job *j = arg;
	int64_t inner = j->d[j->r - 1], si = j->ss[j->r - 1], di = j->ds[j->r - 1];
	int64_t row, i;
	int a;

	(void)tid;
	for (row = r0; row < r1; row++) {
		int64_t so = j->sbase, doff = j->dbase, q = row;
		const float *s;
		float *o;

		for (a = j->r - 2; a >= 0; a--) {
			int64_t ia = q % j->d[a];

			q /= j->d[a];
			so += ia * j->ss[a];
			doff += ia * j->ds[a];
		}
		s = j->src + so;
		o = j->dst + doff;
		if (si == 1 && di == 1) {
			if (j->add)
				for (i = 0; i < inner; i++)
					o[i] += s[i];
			else
				memcpy(o, s, (size_t)inner * sizeof(float));
		} else if (j->add) {
			for (i = 0; i < inner; i++)
				o[i * di] += s[i * si];
		} else {
			for (i = 0; i < inner; i++)
				o[i * di] = s[i * si];
		}
	}
}

void tr_strided(struct opr_train *t, int r, const int64_t *d,
		const float *src, int64_t sbase, const int64_t *ss,
		float *dst, int64_t dbase, const int64_t *ds, int add)
{
	static const int64_t one = 1;
	struct strided_job j = { r, d, src, ss, sbase, dst, ds, dbase, add };
	int64_t rows, inner;

	if (r == 0) {		/* a scalar */
		j.r = 1;
		j.d = j.ss = j.ds = &one;
	}
	rows = tr_prod(j.d, 0, j.r - 1);
	inner = j.d[j.r - 1];
	if (rows <= 0 || inner <= 0)
		return;
	if (t)
		tr_range(t, rows, 16384 / inner + 1, strided_rows, &j);
	else
		strided_rows(&j, 0, rows, 0);
}

void tr_strides(const int64_t *dims, int rank, int64_t *s)
{
	int64_t acc = 1;
	int i;

	for (i = rank - 1; i >= 0; i--) {
		s[i] = acc;
		acc *= dims[i];
	}
}

static void zero_range(void *arg, int64_t b, int64_t e, int tid)
{
	(void)tid;
	memset((float *)arg + b, 0, (size_t)(e - b) * sizeof(float));
}

void tr_zero(struct opr_train *t, float *dst, int64_t n)
{
	tr_range(t, n, 65536, zero_range, dst);
}
