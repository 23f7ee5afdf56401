/*
 * tanh.c - Tanh: y = tanh(x).
 */
#include <math.h>

#include "runtime/runtime.h"

static void tanh_map(const float *x, float *y, int64_t n, const float *ctx)
{
	int64_t i;

	(void)ctx;
	for (i = 0; i < n; i++)
		y[i] = tanhf(x[i]);
}

static int tanh_fwd(struct opr_rt *rt, struct rt_node *rn, struct opr_err *err)
{
	return opr_rt_unary_fwd(rt, rn, tanh_map, NULL, err);
}

const struct rt_op opr_rt_op_tanh = { .prep = opr_rt_unary_prep, .fwd = tanh_fwd };
