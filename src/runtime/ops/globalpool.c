/*
 * globalpool.c - GlobalAveragePool and GlobalMaxPool: the mean or the
 * maximum over all spatial positions of each (n, c).
 */
#include <math.h>

#include "runtime/runtime.h"

static int gpool_prep(struct opr_rt *rt, struct rt_node *rn, struct opr_err *err)
{
	struct rt_val *x = opr_rt_need_in(rt, rn, 0, OPR_DT_FLOAT, err);
	int64_t d[OPR_MAX_RANK];
	int i;

	if (!x)
		return err->code;
	if (x->rank < 2)
		return opr_rt_errf(rt, rn, err, OPR_ESHAPE, "rank %d < 2", x->rank);
	for (i = 0; i < x->rank; i++)
		d[i] = i < 2 ? x->dims[i] : 1;
	return opr_rt_set_out(rt, rn, opr_rt_out(rt, rn, 0), OPR_DT_FLOAT, x->rank, d, err);
}

struct gpool_job {
	const float *x;
	float *y;
	int64_t len;
	int max;	/* 1: maximum, 0: mean */
};

static void gpool_rows(void *arg, int64_t r0, int64_t r1, int tid)
{
	const struct gpool_job *j = arg;
	int64_t r, i;

	(void)tid;
	for (r = r0; r < r1; r++) {
		const float *x = j->x + r * j->len;
		float s = 0, m = -INFINITY;

		if (j->max) {
			for (i = 0; i < j->len; i++)
				if (x[i] > m)
					m = x[i];
			j->y[r] = m;
			continue;
		}
		for (i = 0; i < j->len; i++)
			s += x[i];
		j->y[r] = j->len ? s / (float)j->len : NAN;
	}
}

static int gpool_fwd(struct opr_rt *rt, struct rt_node *rn, int max)
{
	struct rt_val *x = opr_rt_in(rt, rn, 0), *y = opr_rt_out(rt, rn, 0);
	struct gpool_job j = { x->data, y->data, opr_rt_prod(x->dims, 2, x->rank),
			       max };

	opr_rt_parallel_range(rt, y->numel, 4096 / (j.len + 1) + 1, gpool_rows, &j);
	return OPR_OK;
}

static int gap_fwd(struct opr_rt *rt, struct rt_node *rn, struct opr_err *err)
{
	(void)err;
	return gpool_fwd(rt, rn, 0);
}

static int gmp_fwd(struct opr_rt *rt, struct rt_node *rn, struct opr_err *err)
{
	(void)err;
	return gpool_fwd(rt, rn, 1);
}

const struct rt_op opr_rt_op_globalaveragepool = { .prep = gpool_prep, .fwd = gap_fwd };
const struct rt_op opr_rt_op_globalmaxpool = { .prep = gpool_prep, .fwd = gmp_fwd };
