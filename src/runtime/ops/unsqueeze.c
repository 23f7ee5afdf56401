/*
 * unsqueeze.c - Unsqueeze: a view of the input with size-1 axes inserted
 * at the given output positions (attribute axes before opset 13, constant
 * input 1 after; negative counted from the end of the output).
 */
#include "runtime/runtime.h"

static int unsqueeze_prep(struct opr_rt *rt, struct rt_node *rn,
			  struct opr_err *err)
{
	struct rt_val *x = opr_rt_need_in(rt, rn, 0, 0, err);
	int64_t axes[OPR_MAX_RANK], d[OPR_MAX_RANK];
	int ins[OPR_MAX_RANK] = { 0 };
	int n, i, a, r, k = 0, rc;

	if (!x)
		return err->code;
	rc = opr_rt_const_ints(rt, rn, 1, axes, OPR_MAX_RANK, &n, err);
	if (rc == 0)
		rc = opr_rt_attr_ints(rt, rn, "axes", axes, OPR_MAX_RANK, &n, err);
	if (rc != 1)
		return rc ? rc : opr_rt_errf(rt, rn, err, OPR_ESHAPE, "no axes");
	r = x->rank + n;
	if (r > OPR_MAX_RANK)
		return opr_rt_errf(rt, rn, err, OPR_ESHAPE, "output rank %d", r);
	for (i = 0; i < n; i++) {
		if ((rc = opr_rt_axis(rt, rn, axes[i], r, &a, err)))
			return rc;
		if (ins[a])
			return opr_rt_errf(rt, rn, err, OPR_ESHAPE, "axis %d twice", a);
		ins[a] = 1;
	}
	for (i = 0; i < r; i++)
		d[i] = ins[i] ? 1 : x->dims[k++];
	return opr_rt_set_out(rt, rn, opr_rt_out(rt, rn, 0), x->dtype, r, d, err);
}

const struct rt_op opr_rt_op_unsqueeze = {
	.flags = RT_F_VIEW, .prep = unsqueeze_prep
};
