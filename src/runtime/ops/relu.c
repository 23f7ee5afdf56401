/*
 * relu.c - Relu: y = max(x, 0).
 */
#include <string.h>

#include "runtime/runtime.h"

static void relu_map(const float *x, float *y, int64_t n, const float *ctx)
{
	int64_t i;

	(void)ctx;
	/* Branch-free (signs are random: a branch mispredicts half the
	 * time): clear the bits of values whose sign bit is set. */
	for (i = 0; i < n; i++) {
		uint32_t u;

		memcpy(&u, &x[i], sizeof(u));
		u &= (u >> 31) - 1u;
		memcpy(&y[i], &u, sizeof(u));
	}
}

static int relu_fwd(struct opr_rt *rt, struct rt_node *rn, struct opr_err *err)
{
	return opr_rt_unary_fwd(rt, rn, relu_map, NULL, err);
}

const struct rt_op opr_rt_op_relu = { .prep = opr_rt_unary_prep, .fwd = relu_fwd };
