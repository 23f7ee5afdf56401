/*
 * hardsigmoid.c - HardSigmoid: y = max(0, min(1, alpha * x + beta)), alpha 0.2, beta 0.5.
 */
#include <math.h>

#include "runtime/runtime.h"

static void hsig_map(const float *x, float *y, int64_t n, const float *ctx)
{
	float a = ctx[0], b = ctx[1];
	int64_t i;

	for (i = 0; i < n; i++) {
		float v = a * x[i] + b;

		y[i] = v < 0 ? 0 : v > 1 ? 1 : v;
	}
}

static int hsig_fwd(struct opr_rt *rt, struct rt_node *rn, struct opr_err *err)
{
	float ctx[2] = { opr_node_attr_float(rn->n, "alpha", 0.2f),
			 opr_node_attr_float(rn->n, "beta", 0.5f) };

	return opr_rt_unary_fwd(rt, rn, hsig_map, ctx, err);
}

const struct rt_op opr_rt_op_hardsigmoid = { .prep = opr_rt_unary_prep, .fwd = hsig_fwd };
