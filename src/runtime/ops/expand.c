/*
 * expand.c - Expand: broadcasts the input against the constant shape input
 * (numpy rule in both directions) and copies it out.
 */
#include "runtime/runtime.h"

static int expand_prep(struct opr_rt *rt, struct rt_node *rn,
		       struct opr_err *err)
{
	struct rt_val *x = opr_rt_need_in(rt, rn, 0, 0, err);
	int64_t s[OPR_MAX_RANK], d[OPR_MAX_RANK];
	int n, r, rc;

	if (!x)
		return err->code;
	rc = opr_rt_const_ints(rt, rn, 1, s, OPR_MAX_RANK, &n, err);
	if (rc != 1)
		return rc ? rc : opr_rt_errf(rt, rn, err, OPR_ESHAPE, "no shape");
	if (opr_rt_bcast_shape(x->rank, x->dims, n, s, &r, d))
		return opr_rt_errf(rt, rn, err, OPR_ESHAPE, "shape does not "
			       "broadcast with the input");
	return opr_rt_set_out(rt, rn, opr_rt_out(rt, rn, 0), x->dtype, r, d, err);
}

static int expand_fwd(struct opr_rt *rt, struct rt_node *rn, struct opr_err *err)
{
	struct rt_val *x = opr_rt_in(rt, rn, 0), *y = opr_rt_out(rt, rn, 0);
	struct rt_bcast p;

	(void)err;
	if (!y->numel)
		return OPR_OK;
	opr_rt_bcast_plan(&p, y->rank, y->dims, x->rank, x->dims, -1, NULL);
	opr_rt_bcast_copy(rt, &p, x->data, y->data, opr_dtype_size(x->dtype));
	return OPR_OK;
}

const struct rt_op opr_rt_op_expand = { .prep = expand_prep, .fwd = expand_fwd };
