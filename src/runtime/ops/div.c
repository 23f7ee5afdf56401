/*
 * div.c - Div: y = a / b with numpy broadcasting (integer division truncates).
 * The kernel is shared with the other element-wise ops (broadcast.c).
 */
#include "runtime/runtime.h"

static int div_prep(struct opr_rt *rt, struct rt_node *rn, struct opr_err *err)
{
	return opr_rt_binary_prep(rt, rn, 0, err);
}

static int div_fwd(struct opr_rt *rt, struct rt_node *rn, struct opr_err *err)
{
	return opr_rt_binary_fwd(rt, rn, RT_DIV, err);
}

const struct rt_op opr_rt_op_div = { .prep = div_prep, .fwd = div_fwd };
