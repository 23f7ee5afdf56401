/*
 * add.c - Add: y = a + b with numpy broadcasting.
 * The kernel is shared with the other element-wise ops (broadcast.c).
 */
#include "runtime/runtime.h"

static int add_prep(struct opr_rt *rt, struct rt_node *rn, struct opr_err *err)
{
	return opr_rt_binary_prep(rt, rn, 0, err);
}

static int add_fwd(struct opr_rt *rt, struct rt_node *rn, struct opr_err *err)
{
	return opr_rt_binary_fwd(rt, rn, RT_ADD, err);
}

const struct rt_op opr_rt_op_add = { .prep = add_prep, .fwd = add_fwd };
