/*
 * flatten.c - Flatten: a view of the input as 2-D [prod(dims[:axis]),
 * prod(dims[axis:])], axis 1 by default, negative counted from the end.
 */
#include "runtime/runtime.h"

static int flatten_prep(struct opr_rt *rt, struct rt_node *rn,
			struct opr_err *err)
{
	struct rt_val *x = opr_rt_need_in(rt, rn, 0, 0, err);
	int64_t a = opr_node_attr_int(rn->n, "axis", 1), d[2];

	if (!x)
		return err->code;
	if (a < -(int64_t)x->rank || a > x->rank)
		return opr_rt_errf(rt, rn, err, OPR_ESHAPE, "axis %lld for rank %d",
			       (long long)a, x->rank);
	if (a < 0)
		a += x->rank;
	d[0] = opr_rt_prod(x->dims, 0, (int)a);
	d[1] = opr_rt_prod(x->dims, (int)a, x->rank);
	return opr_rt_set_out(rt, rn, opr_rt_out(rt, rn, 0), x->dtype, 2, d, err);
}

const struct rt_op opr_rt_op_flatten = { .flags = RT_F_VIEW, .prep = flatten_prep };
