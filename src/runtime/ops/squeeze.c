/*
 * squeeze.c - Squeeze: a view of the input without the given size-1 axes
 * (attribute axes before opset 13, constant input 1 after), or without
 * every size-1 axis when none is given.
 */
#include "runtime/runtime.h"

static int squeeze_prep(struct opr_rt *rt, struct rt_node *rn,
			struct opr_err *err)
{
	struct rt_val *x = opr_rt_need_in(rt, rn, 0, 0, err);
	int64_t axes[OPR_MAX_RANK], d[OPR_MAX_RANK];
	int drop[OPR_MAX_RANK] = { 0 };
	int n, i, a, r = 0, rc;

	if (!x)
		return err->code;
	rc = opr_rt_const_ints(rt, rn, 1, axes, OPR_MAX_RANK, &n, err);
	if (rc == 0)
		rc = opr_rt_attr_ints(rt, rn, "axes", axes, OPR_MAX_RANK, &n, err);
	if (rc < 0 || rc > 1)
		return rc;
	if (n == 0)
		for (i = 0; i < x->rank; i++)
			drop[i] = x->dims[i] == 1;
	for (i = 0; i < n; i++) {
		if ((rc = opr_rt_axis(rt, rn, axes[i], x->rank, &a, err)))
			return rc;
		if (x->dims[a] != 1)
			return opr_rt_errf(rt, rn, err, OPR_ESHAPE, "axis %d has size "
				       "%lld, not 1", a, (long long)x->dims[a]);
		drop[a] = 1;
	}
	for (i = 0; i < x->rank; i++)
		if (!drop[i])
			d[r++] = x->dims[i];
	return opr_rt_set_out(rt, rn, opr_rt_out(rt, rn, 0), x->dtype, r, d, err);
}

const struct rt_op opr_rt_op_squeeze = { .flags = RT_F_VIEW, .prep = squeeze_prep };
