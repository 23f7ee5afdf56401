/*
 * mul.c - Mul: y = a * b with numpy broadcasting.
 * The kernel is shared with the other element-wise ops (broadcast.c).
 */
#include "runtime/runtime.h"

static int mul_prep(struct opr_rt *rt, struct rt_node *rn, struct opr_err *err)
{
	return opr_rt_binary_prep(rt, rn, 0, err);
}

static int mul_fwd(struct opr_rt *rt, struct rt_node *rn, struct opr_err *err)
{
	return opr_rt_binary_fwd(rt, rn, RT_MUL, err);
}

const struct rt_op opr_rt_op_mul = { .prep = mul_prep, .fwd = mul_fwd };
