/*
 * dropout.c - Dropout in inference: the output is a view of the input and
 * the optional mask is all true.  training_mode = true is refused.
 */
#include <string.h>

#include "runtime/runtime.h"

/* 1 when the optional training_mode input (2) is known and true. */
static int training(const struct rt_val *t)
{
	return t && t->data && t->numel == 1 && t->dtype == OPR_DT_BOOL &&
	       *(const unsigned char *)t->data;
}

static int dropout_prep(struct opr_rt *rt, struct rt_node *rn,
			struct opr_err *err)
{
	struct rt_val *x = opr_rt_need_in(rt, rn, 0, 0, err);
	struct rt_val *t = opr_rt_in(rt, rn, 2);
	struct rt_val *mask = opr_rt_out(rt, rn, 1);
	int rc;

	if (!x)
		return err->code;
	if (t && (t->dtype != OPR_DT_BOOL || t->numel != 1))
		return opr_rt_errf(rt, rn, err, OPR_ESHAPE, "training_mode must be "
			       "one bool");
	if (opr_rt_is_known(t) && training(t))
		return opr_rt_errf(rt, rn, err, OPR_EUNSUPPORTED, "training mode");
	if ((rc = opr_rt_same_shape(rt, rn, 0, x, err)))
		return rc;
	return opr_rt_set_out(rt, rn, mask, OPR_DT_BOOL, x->rank, x->dims, err);
}

static int dropout_fwd(struct opr_rt *rt, struct rt_node *rn,
		       struct opr_err *err)
{
	struct rt_val *mask = opr_rt_out(rt, rn, 1);

	if (training(opr_rt_in(rt, rn, 2)))
		return opr_rt_errf(rt, rn, err, OPR_EUNSUPPORTED, "training mode");
	if (mask && mask->nbytes)
		memset(mask->data, 1, mask->nbytes);
	return OPR_OK;
}

const struct rt_op opr_rt_op_dropout = {
	.flags = RT_F_VIEW, .prep = dropout_prep, .fwd = dropout_fwd
};
