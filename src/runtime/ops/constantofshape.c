/*
 * constantofshape.c - ConstantOfShape: a tensor of the shape given by the
 * constant input, filled with the one-element value attribute (float 0 by
 * default).
 */
#include <string.h>

#include "runtime/runtime.h"

static int cos_prep(struct opr_rt *rt, struct rt_node *rn, struct opr_err *err)
{
	const struct opr_attr *a = opr_node_attr(rn->n, "value");
	int64_t d[OPR_MAX_RANK];
	int n, rc, dt = OPR_DT_FLOAT;

	rc = opr_rt_const_ints(rt, rn, 0, d, OPR_MAX_RANK, &n, err);
	if (rc != 1)
		return rc ? rc : opr_rt_errf(rt, rn, err, OPR_ESHAPE, "no shape");
	if (a) {
		if (a->type != OPR_AT_TENSOR || !a->t || a->t->nbytes !=
		    opr_dtype_size(a->t->dtype) || !a->t->nbytes)
			return opr_rt_errf(rt, rn, err, OPR_ESHAPE, "value must be a "
				       "one-element tensor");
		dt = a->t->dtype;
	}
	return opr_rt_set_out(rt, rn, opr_rt_out(rt, rn, 0), dt, n, d, err);
}

static int cos_fwd(struct opr_rt *rt, struct rt_node *rn, struct opr_err *err)
{
	const struct opr_attr *a = opr_node_attr(rn->n, "value");
	struct rt_val *y = opr_rt_out(rt, rn, 0);
	size_t es = opr_dtype_size(y->dtype);
	unsigned char zero[16] = { 0 };
	const void *v = a ? a->t->data : zero;
	int64_t i;

	(void)err;
	for (i = 0; i < y->numel; i++)
		memcpy((unsigned char *)y->data + (size_t)i * es, v, es);
	return OPR_OK;
}

const struct rt_op opr_rt_op_constantofshape = { .prep = cos_prep, .fwd = cos_fwd };
