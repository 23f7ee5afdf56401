/*
 * clip.c - Clip: y = min(max(x, lo), hi).  lo and hi come from the min/max
 * attributes (opset < 11) or the optional inputs 1 and 2 (which may be
 * computed at run time); absent bounds are -inf / +inf.
 */
#include <math.h>

#include "runtime/runtime.h"

static void clip_map(const float *x, float *y, int64_t n, const float *ctx)
{
	float lo = ctx[0], hi = ctx[1];
	int64_t i;

	for (i = 0; i < n; i++) {
		float v = x[i] < lo ? lo : x[i];

		y[i] = v > hi ? hi : v;
	}
}

static int clip_prep(struct opr_rt *rt, struct rt_node *rn, struct opr_err *err)
{
	int k;

	for (k = 1; k <= 2; k++) {
		struct rt_val *b = opr_rt_in(rt, rn, k);

		if (b && (b->dtype != OPR_DT_FLOAT || b->numel != 1))
			return opr_rt_errf(rt, rn, err, OPR_ESHAPE, "bound %d must be "
				       "one float", k);
	}
	return opr_rt_unary_prep(rt, rn, err);
}

static int clip_fwd(struct opr_rt *rt, struct rt_node *rn, struct opr_err *err)
{
	struct rt_val *lo = opr_rt_in(rt, rn, 1), *hi = opr_rt_in(rt, rn, 2);
	float ctx[2];

	ctx[0] = opr_node_attr_float(rn->n, "min", -INFINITY);
	ctx[1] = opr_node_attr_float(rn->n, "max", INFINITY);
	if (lo)
		ctx[0] = *(const float *)lo->data;
	if (hi)
		ctx[1] = *(const float *)hi->data;
	return opr_rt_unary_fwd(rt, rn, clip_map, ctx, err);
}

const struct rt_op opr_rt_op_clip = { .prep = clip_prep, .fwd = clip_fwd };
