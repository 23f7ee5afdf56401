/*
 * identity.c - Identity: the output is a view of the input (no copy).
 */
#include "runtime/runtime.h"

static int identity_prep(struct opr_rt *rt, struct rt_node *rn,
			 struct opr_err *err)
{
	struct rt_val *x = opr_rt_need_in(rt, rn, 0, 0, err);

	if (!x)
		return err->code;
	return opr_rt_same_shape(rt, rn, 0, x, err);
}

const struct rt_op opr_rt_op_identity = { .flags = RT_F_VIEW, .prep = identity_prep };
