/*
 * neg.c - Neg: y = -x, for float and (shape arithmetic) int64/int32.
 */
#include "runtime/runtime.h"

static void neg_map(const float *x, float *y, int64_t n, const float *ctx)
{
	int64_t i;

	(void)ctx;
	for (i = 0; i < n; i++)
		y[i] = -x[i];
}

static int neg_prep(struct opr_rt *rt, struct rt_node *rn, struct opr_err *err)
{
	struct rt_val *x = opr_rt_need_in(rt, rn, 0, 0, err);

	if (!x)
		return err->code;
	if (x->dtype != OPR_DT_FLOAT && x->dtype != OPR_DT_INT64 &&
	    x->dtype != OPR_DT_INT32)
		return opr_rt_errf(rt, rn, err, OPR_EUNSUPPORTED, "type %s",
			       opr_dtype_name(x->dtype));
	return opr_rt_same_shape(rt, rn, 0, x, err);
}

static int neg_fwd(struct opr_rt *rt, struct rt_node *rn, struct opr_err *err)
{
	struct rt_val *x = opr_rt_in(rt, rn, 0), *y = opr_rt_out(rt, rn, 0);
	int64_t i;

	if (x->dtype == OPR_DT_FLOAT)
		return opr_rt_unary_fwd(rt, rn, neg_map, NULL, err);
	for (i = 0; i < x->numel; i++) {
		if (x->dtype == OPR_DT_INT64)
			((int64_t *)y->data)[i] = -((const int64_t *)x->data)[i];
		else
			((int32_t *)y->data)[i] = -((const int32_t *)x->data)[i];
	}
	return OPR_OK;
}

const struct rt_op opr_rt_op_neg = { .prep = neg_prep, .fwd = neg_fwd };
