/*
 * hardswish.c - HardSwish: y = x * max(0, min(1, x / 6 + 0.5)).
 */
#include <math.h>

#include "runtime/runtime.h"

static void hswish_map(const float *x, float *y, int64_t n, const float *ctx)
{
	int64_t i;

	(void)ctx;
	for (i = 0; i < n; i++) {
		float v = x[i] / 6.0f + 0.5f;

		y[i] = x[i] * (v < 0 ? 0 : v > 1 ? 1 : v);
	}
}

static int hswish_fwd(struct opr_rt *rt, struct rt_node *rn, struct opr_err *err)
{
	return opr_rt_unary_fwd(rt, rn, hswish_map, NULL, err);
}

const struct rt_op opr_rt_op_hardswish = { .prep = opr_rt_unary_prep, .fwd = hswish_fwd };
