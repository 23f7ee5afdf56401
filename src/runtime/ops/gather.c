/*
 * gather.c - Gather: out = data taken along axis at the int64/int32
 * indices (negative ones count from the end); the output shape is
 * data[:axis] + indices + data[axis+1:].  An index out of range fails
 * naming the node.
 */
#include <string.h>

#include "runtime/runtime.h"

static int gather_prep(struct opr_rt *rt, struct rt_node *rn,
		       struct opr_err *err)
{
	struct rt_val *x = opr_rt_need_in(rt, rn, 0, 0, err);
	struct rt_val *ix = x ? opr_rt_need_in(rt, rn, 1, 0, err) : NULL;
	int64_t d[OPR_MAX_RANK];
	int axis, i, r = 0, rc;

	if (!ix)
		return err->code;
	if (ix->dtype != OPR_DT_INT64 && ix->dtype != OPR_DT_INT32)
		return opr_rt_errf(rt, rn, err, OPR_ESHAPE, "indices are %s",
			       opr_dtype_name(ix->dtype));
	if ((rc = opr_rt_axis(rt, rn, opr_node_attr_int(rn->n, "axis", 0), x->rank,
			  &axis, err)))
		return rc;
	if (x->rank + ix->rank - 1 > OPR_MAX_RANK)
		return opr_rt_errf(rt, rn, err, OPR_ESHAPE, "output rank too large");
	for (i = 0; i < axis; i++)
		d[r++] = x->dims[i];
	for (i = 0; i < ix->rank; i++)
		d[r++] = ix->dims[i];
	for (i = axis + 1; i < x->rank; i++)
		d[r++] = x->dims[i];
	return opr_rt_set_out(rt, rn, opr_rt_out(rt, rn, 0), x->dtype, r, d, err);
}

static int gather_fwd(struct opr_rt *rt, struct rt_node *rn, struct opr_err *err)
{
	struct rt_val *x = opr_rt_in(rt, rn, 0), *ix = opr_rt_in(rt, rn, 1);
	struct rt_val *y = opr_rt_out(rt, rn, 0);
	size_t es = opr_dtype_size(x->dtype);
	int axis = (int)opr_node_attr_int(rn->n, "axis", 0);
	int64_t outer, inner, dim, o, j;

	if (axis < 0)
		axis += x->rank;
	outer = opr_rt_prod(x->dims, 0, axis);
	inner = opr_rt_prod(x->dims, axis + 1, x->rank);
	dim = x->dims[axis];
	for (j = 0; j < ix->numel; j++) {
		int64_t k = opr_rt_load_i(ix->data, ix->dtype, j);

		if (k < -dim || k >= dim)
			return opr_rt_errf(rt, rn, err, OPR_EINVAL, "index %lld out of "
				       "range for a dim of %lld", (long long)k,
				       (long long)dim);
	}
	for (o = 0; o < outer; o++)
		for (j = 0; j < ix->numel; j++) {
			int64_t k = opr_rt_load_i(ix->data, ix->dtype, j);

			if (k < 0)
				k += dim;
			memcpy((unsigned char *)y->data +
			       (size_t)((o * ix->numel + j) * inner) * es,
			       (const unsigned char *)x->data +
			       (size_t)((o * dim + k) * inner) * es,
			       (size_t)inner * es);
		}
	return OPR_OK;
}

const struct rt_op opr_rt_op_gather = { .prep = gather_prep, .fwd = gather_fwd };
