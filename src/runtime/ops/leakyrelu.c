/*
 * leakyrelu.c - LeakyRelu: y = x for x >= 0, alpha * x otherwise (alpha 0.01).
 */
#include <math.h>

#include "runtime/runtime.h"

static void leaky_map(const float *x, float *y, int64_t n, const float *ctx)
{
	float a = ctx[0];
	int64_t i;

	for (i = 0; i < n; i++)
		y[i] = x[i] >= 0 ? x[i] : a * x[i];
}

static int leaky_fwd(struct opr_rt *rt, struct rt_node *rn, struct opr_err *err)
{
	float ctx[1] = { opr_node_attr_float(rn->n, "alpha", 0.01f) };

	return opr_rt_unary_fwd(rt, rn, leaky_map, ctx, err);
}

const struct rt_op opr_rt_op_leakyrelu = { .prep = opr_rt_unary_prep, .fwd = leaky_fwd };
