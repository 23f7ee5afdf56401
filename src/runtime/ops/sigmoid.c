/*
 * sigmoid.c - Sigmoid: y = 1 / (1 + exp(-x)).
 */
#include <math.h>

#include "runtime/runtime.h"

static void sigmoid_map(const float *x, float *y, int64_t n, const float *ctx)
{
	int64_t i;

	(void)ctx;
	for (i = 0; i < n; i++)
		y[i] = 1.0f / (1.0f + expf(-x[i]));
}

static int sigmoid_fwd(struct opr_rt *rt, struct rt_node *rn, struct opr_err *err)
{
	return opr_rt_unary_fwd(rt, rn, sigmoid_map, NULL, err);
}

const struct rt_op opr_rt_op_sigmoid = { .prep = opr_rt_unary_prep, .fwd = sigmoid_fwd };
