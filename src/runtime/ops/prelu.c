/*
 * prelu.c - PRelu: y = x for x >= 0, slope * x otherwise; slope broadcasts to x.
 * The kernel is shared with the other element-wise ops (broadcast.c).
 */
#include "runtime/runtime.h"

static int prelu_prep(struct opr_rt *rt, struct rt_node *rn, struct opr_err *err)
{
	return opr_rt_binary_prep(rt, rn, 1, err);
}

static int prelu_fwd(struct opr_rt *rt, struct rt_node *rn, struct opr_err *err)
{
	return opr_rt_binary_fwd(rt, rn, RT_PRELU, err);
}

const struct rt_op opr_rt_op_prelu = { .prep = prelu_prep, .fwd = prelu_fwd };
