/*
 * globalaveragepool.c - GlobalAveragePool: the mean over all spatial positions of each (n, c).
 */
#include <math.h>

#include "runtime/runtime.h"

static int gap_prep(struct opr_rt *rt, struct rt_node *rn, struct opr_err *err)
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

struct gap_job {
	const float *x;
	float *y;
	int64_t len;
};

static void gap_rows(void *arg, int64_t r0, int64_t r1, int tid)
{
	const struct gap_job *j = arg;
	int64_t r, i;

	(void)tid;
	for (r = r0; r < r1; r++) {
		const float *x = j->x + r * j->len;
		float s = 0;

		for (i = 0; i < j->len; i++)
			s += x[i];
		j->y[r] = j->len ? s / (float)j->len : NAN;
	}
}

static int gap_fwd(struct opr_rt *rt, struct rt_node *rn, struct opr_err *err)
{
	struct rt_val *x = opr_rt_in(rt, rn, 0), *y = opr_rt_out(rt, rn, 0);
	struct gap_job j = { x->data, y->data, opr_rt_prod(x->dims, 2, x->rank) };

	(void)err;
	opr_rt_parallel_range(rt, y->numel, 4096 / (j.len + 1) + 1, gap_rows, &j);
	return OPR_OK;
}

const struct rt_op opr_rt_op_globalaveragepool = { .prep = gap_prep, .fwd = gap_fwd };
