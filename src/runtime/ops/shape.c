/*
 * shape.c - Shape: the input's dims as int64, optionally sliced by the
 * start/end attributes (opset 15).  Reads only the input's shape, so it is
 * always evaluated while preparing.
 */
#include "runtime/runtime.h"

/* Clamps a start/end attribute into [0, rank]. */
static int64_t clampi(int64_t v, int rank)
{
	if (v < 0)
		v += rank;
	return v < 0 ? 0 : v > rank ? rank : v;
}

static int shape_prep(struct opr_rt *rt, struct rt_node *rn,
		      struct opr_err *err)
{
	struct rt_val *x = opr_rt_need_in(rt, rn, 0, 0, err);
	int64_t b, e, d[1];

	if (!x)
		return err->code;
	b = clampi(opr_node_attr_int(rn->n, "start", 0), x->rank);
	e = clampi(opr_node_attr_int(rn->n, "end", x->rank), x->rank);
	d[0] = e > b ? e - b : 0;
	return opr_rt_set_out(rt, rn, opr_rt_out(rt, rn, 0), OPR_DT_INT64, 1, d, err);
}

static int shape_fwd(struct opr_rt *rt, struct rt_node *rn, struct opr_err *err)
{
	struct rt_val *x = opr_rt_in(rt, rn, 0), *y = opr_rt_out(rt, rn, 0);
	int64_t b = clampi(opr_node_attr_int(rn->n, "start", 0), x->rank), i;

	(void)err;
	for (i = 0; i < y->numel; i++)
		((int64_t *)y->data)[i] = x->dims[b + i];
	return OPR_OK;
}

const struct rt_op opr_rt_op_shape = {
	.flags = RT_F_SHAPE_ONLY, .prep = shape_prep, .fwd = shape_fwd
};
