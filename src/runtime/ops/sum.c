/*
 * sum.c - Sum: the element-wise sum of any number of float inputs with
 * numpy broadcasting (the first two added by the shared binary kernel,
 * each further one added onto the output).
 */
#include <string.h>

#include "runtime/runtime.h"

static int sum_prep(struct opr_rt *rt, struct rt_node *rn, struct opr_err *err)
{
	int64_t d[OPR_MAX_RANK], t[OPR_MAX_RANK];
	int r = 0, k, i;

	for (k = 0; k < rn->n->n_in; k++) {
		struct rt_val *x = opr_rt_need_in(rt, rn, k, OPR_DT_FLOAT, err);

		if (!x)
			return err->code;
		if (k == 0) {
			r = x->rank;
			for (i = 0; i < r; i++)
				d[i] = x->dims[i];
			continue;
		}
		if (opr_rt_bcast_shape(r, d, x->rank, x->dims, &r, t))
			return opr_rt_errf(rt, rn, err, OPR_ESHAPE, "input %d does not "
				       "broadcast", k);
		memcpy(d, t, sizeof(d));
	}
	return opr_rt_set_out(rt, rn, opr_rt_out(rt, rn, 0), OPR_DT_FLOAT, r, d, err);
}

struct sum_job {
	struct rt_bcast p;
	const float *x;
	float *y;
};

static void sum_rows(void *arg, int64_t r0, int64_t r1, int tid)
{
	const struct sum_job *j = arg;
	int64_t r, i, oa, ob, in = j->p.inner;
	int sb = j->p.sb[j->p.rank - 1] != 0;

	(void)tid;
	for (r = r0; r < r1; r++) {
		float *y = j->y + r * in;
		const float *x;

		opr_rt_bcast_row(&j->p, r, &oa, &ob);
		x = j->x + ob;
		for (i = 0; i < in; i++)
			y[i] += x[i * sb];
	}
}

static int sum_fwd(struct opr_rt *rt, struct rt_node *rn, struct opr_err *err)
{
	struct rt_val *y = opr_rt_out(rt, rn, 0), *x0 = opr_rt_in(rt, rn, 0);
	struct sum_job j;
	int k;

	(void)err;
	if (!y->numel)
		return OPR_OK;
	opr_rt_bcast_plan(&j.p, y->rank, y->dims, x0->rank, x0->dims, -1, NULL);
	opr_rt_bcast_copy(rt, &j.p, x0->data, y->data, sizeof(float));
	for (k = 1; k < rn->n->n_in; k++) {
		struct rt_val *x = opr_rt_in(rt, rn, k);

		opr_rt_bcast_plan(&j.p, y->rank, y->dims, y->rank, y->dims, x->rank,
			      x->dims);
		j.x = x->data;
		j.y = y->data;
		opr_rt_parallel_range(rt, j.p.rows, 16384 / (j.p.inner + 1) + 1,
				  sum_rows, &j);
	}
	return OPR_OK;
}

const struct rt_op opr_rt_op_sum = { .prep = sum_prep, .fwd = sum_fwd };
