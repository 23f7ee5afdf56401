/*
 * strided.c - copies of a strided view into a contiguous tensor, the body
 * of Slice and Transpose.  Axes that stay contiguous are merged first, so
 * a slice of whole rows or a transpose that keeps the last axis copies
 * long runs with memcpy.
 */
#include <string.h>

#include "runtime/runtime.h"

void opr_rt_strides(const int64_t *dims, int rank, int64_t *s)
{
	int64_t acc = 1;
	int i;

	for (i = rank - 1; i >= 0; i--) {
		s[i] = acc;
		acc *= dims[i];
	}
}

struct strided_job {
	int r;				/* collapsed rank >= 1 */
	int64_t d[OPR_MAX_RANK];	/* collapsed dims */
	int64_t s[OPR_MAX_RANK];	/* source strides */
	int64_t base;
	const unsigned char *src;
	unsigned char *dst;
	size_t es;
};

static void strided_rows(void *arg, int64_t r0, int64_t r1, int tid)
{
	const struct strided_job *j = arg;
	int64_t inner = j->d[j->r - 1], sl = j->s[j->r - 1], row, i;
	size_t es = j->es;

	(void)tid;
	for (row = r0; row < r1; row++) {
		int64_t q = row, off = j->base;
		unsigned char *o = j->dst + (size_t)(row * inner) * es;
		const unsigned char *p;
		int k;

		for (k = j->r - 2; k >= 0; k--) {
			off += (q % j->d[k]) * j->s[k];
			q /= j->d[k];
		}
		p = j->src + off * (int64_t)es;
		if (sl == 1) {
			memcpy(o, p, (size_t)inner * es);
		} else if (es == 4) {
			for (i = 0; i < inner; i++)
				memcpy(o + 4 * i, p + sl * i * 4, 4);
		} else {
			for (i = 0; i < inner; i++)
				memcpy(o + i * (int64_t)es, p + sl * i * (int64_t)es,
				       es);
		}
	}
}

void opr_rt_strided_copy(struct opr_rt *rt, int r, const int64_t *d,
		     const int64_t *s, int64_t base, const void *src,
		     void *dst, size_t es)
{
	struct strided_job j;
	int i;

	j.r = 0;
	for (i = 0; i < r; i++) {
		if (d[i] == 0)
			return;
		if (d[i] == 1)
			continue;
		if (j.r > 0 && j.s[j.r - 1] == s[i] * d[i]) {
			j.d[j.r - 1] *= d[i];
			j.s[j.r - 1] = s[i];
			continue;
		}
		j.d[j.r] = d[i];
		j.s[j.r] = s[i];
		j.r++;
	}
	if (j.r == 0) {
		j.d[0] = 1;
		j.s[0] = 1;
		j.r = 1;
	}
	j.base = base;
	j.src = src;
	j.dst = dst;
	j.es = es;
	opr_rt_parallel_range(rt, opr_rt_prod(j.d, 0, j.r - 1),
			  16384 / (j.d[j.r - 1] + 1) + 1, strided_rows, &j);
}
