/*
 * softmax.c - Softmax along one axis (opset >= 13, axis -1 by default), or
 * over the input flattened to 2-D at axis (opset < 13, axis 1 by default).
 * Subtracts the maximum first, so large inputs do not overflow.
 */
#include <math.h>

#include "runtime/runtime.h"

/* outer x n x inner view of the input. */
struct softmax_param {
	int64_t outer, n, inner;
};

static int softmax_prep(struct opr_rt *rt, struct rt_node *rn,
			struct opr_err *err)
{
	struct softmax_param *p = rn->param;
	struct rt_val *x = opr_rt_need_in(rt, rn, 0, OPR_DT_FLOAT, err);
	int old = rt->opset < 13, axis, rc;

	if (!x)
		return err->code;
	if (x->rank == 0)
		return opr_rt_errf(rt, rn, err, OPR_ESHAPE, "scalar input");
	if ((rc = opr_rt_axis(rt, rn, opr_node_attr_int(rn->n, "axis", old ? 1 : -1),
			  x->rank, &axis, err)))
		return rc;
	p->outer = opr_rt_prod(x->dims, 0, axis);
	if (old) {
		p->n = opr_rt_prod(x->dims, axis, x->rank);
		p->inner = 1;
	} else {
		p->n = x->dims[axis];
		p->inner = opr_rt_prod(x->dims, axis + 1, x->rank);
	}
	return opr_rt_same_shape(rt, rn, 0, x, err);
}

struct softmax_job {
	const struct softmax_param *p;
	const float *x;
	float *y;
};

/* Rows are (outer, inner) pairs; each normalises n strided values. */
static void softmax_rows(void *arg, int64_t r0, int64_t r1, int tid)
{
	const struct softmax_job *j = arg;
	int64_t n = j->p->n, in = j->p->inner, r, i;

	(void)tid;
	for (r = r0; r < r1; r++) {
		const float *x = j->x + (r / in) * n * in + r % in;
		float *y = j->y + (r / in) * n * in + r % in;
		float m = -INFINITY, s = 0;

		for (i = 0; i < n; i++)
			if (x[i * in] > m)
				m = x[i * in];
		for (i = 0; i < n; i++) {
			y[i * in] = expf(x[i * in] - m);
			s += y[i * in];
		}
		for (i = 0; i < n; i++)
			y[i * in] /= s;
	}
}

static int softmax_fwd(struct opr_rt *rt, struct rt_node *rn,
		       struct opr_err *err)
{
	const struct softmax_param *p = rn->param;
	struct softmax_job j = { p, opr_rt_in(rt, rn, 0)->data,
				 opr_rt_out(rt, rn, 0)->data };

	(void)err;
	if (p->n)
		opr_rt_parallel_range(rt, p->outer * p->inner, 4096 / (p->n + 1) + 1,
				  softmax_rows, &j);
	return OPR_OK;
}

const struct rt_op opr_rt_op_softmax = {
	.param_size = sizeof(struct softmax_param),
	.prep = softmax_prep, .fwd = softmax_fwd
};
