/*
 * batchnorm.c - BatchNormalization in inference: per channel c (axis 1),
 * y = (x - mean) / sqrt(var + epsilon) * scale + B.  The per-channel
 * factors are computed at each run (the parameters may be inputs), into
 * scratch.  training_mode = 1 and the training outputs are refused.
 */
#include <math.h>

#include "runtime/runtime.h"

static int bn_prep(struct opr_rt *rt, struct rt_node *rn, struct opr_err *err)
{
	struct rt_val *x = opr_rt_need_in(rt, rn, 0, OPR_DT_FLOAT, err);
	int k;

	if (!x)
		return err->code;
	if (x->rank < 2)
		return opr_rt_errf(rt, rn, err, OPR_ESHAPE, "rank %d < 2", x->rank);
	if (opr_node_attr_int(rn->n, "training_mode", 0))
		return opr_rt_errf(rt, rn, err, OPR_EUNSUPPORTED, "training mode");
	for (k = 1; k < rn->n->n_out; k++)
		if (opr_rt_out(rt, rn, k))
			return opr_rt_errf(rt, rn, err, OPR_EUNSUPPORTED, "training "
				       "outputs (mean, var) are not computed");
	for (k = 1; k <= 4; k++) {
		struct rt_val *p = opr_rt_need_in(rt, rn, k, OPR_DT_FLOAT, err);

		if (!p)
			return err->code;
		if (p->numel != x->dims[1])
			return opr_rt_errf(rt, rn, err, OPR_ESHAPE, "input %d has %lld "
				       "values for %lld channels", k,
				       (long long)p->numel, (long long)x->dims[1]);
	}
	rn->scratch = 2 * sizeof(float) * (size_t)x->dims[1];
	return opr_rt_same_shape(rt, rn, 0, x, err);
}

struct bn_job {
	const float *x, *a, *b;
	float *y;
	int64_t c, inner;
};

static void bn_rows(void *arg, int64_t r0, int64_t r1, int tid)
{
	const struct bn_job *j = arg;
	int64_t r, i;

	(void)tid;
	for (r = r0; r < r1; r++) {
		const float *x = j->x + r * j->inner;
		float *y = j->y + r * j->inner;
		float a = j->a[r % j->c], b = j->b[r % j->c];

		for (i = 0; i < j->inner; i++)
			y[i] = x[i] * a + b;
	}
}

static int bn_fwd(struct opr_rt *rt, struct rt_node *rn, struct opr_err *err)
{
	struct rt_val *x = opr_rt_in(rt, rn, 0), *y = opr_rt_out(rt, rn, 0);
	const float *s = opr_rt_in(rt, rn, 1)->data, *bias = opr_rt_in(rt, rn, 2)->data;
	const float *m = opr_rt_in(rt, rn, 3)->data, *v = opr_rt_in(rt, rn, 4)->data;
	float eps = opr_node_attr_float(rn->n, "epsilon", 1e-5f);
	float *a = opr_rt_scratch(rt, 0), *b;
	struct bn_job j;
	int64_t c;

	(void)err;
	j.c = x->dims[1];
	b = a + j.c;
	for (c = 0; c < j.c; c++) {
		a[c] = s[c] / sqrtf(v[c] + eps);
		b[c] = bias[c] - m[c] * a[c];
	}
	j.x = x->data;
	j.y = y->data;
	j.a = a;
	j.b = b;
	j.inner = opr_rt_prod(x->dims, 2, x->rank);
	opr_rt_parallel_range(rt, x->numel / (j.inner ? j.inner : 1),
			  16384 / (j.inner + 1) + 1, bn_rows, &j);
	return OPR_OK;
}

const struct rt_op opr_rt_op_batchnorm = { .prep = bn_prep, .fwd = bn_fwd };
