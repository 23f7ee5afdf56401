/*
 * reshape.c - Reshape: the output is a view of the input with the shape
 * given by the constant input 1 (opset >= 5) or the shape attribute;
 * 0 copies the input dim unless allowzero, one -1 takes the rest.
 */
#include "runtime/runtime.h"

static int reshape_prep(struct opr_rt *rt, struct rt_node *rn,
			struct opr_err *err)
{
	struct rt_val *x = opr_rt_need_in(rt, rn, 0, 0, err);
	int64_t s[OPR_MAX_RANK], d[OPR_MAX_RANK], known = 1;
	int allowzero = opr_node_attr_int(rn->n, "allowzero", 0) != 0;
	int n, i, neg = -1, rc;

	if (!x)
		return err->code;
	rc = opr_rt_const_ints(rt, rn, 1, s, OPR_MAX_RANK, &n, err);
	if (rc == 0)
		rc = opr_rt_attr_ints(rt, rn, "shape", s, OPR_MAX_RANK, &n, err);
	if (rc != 1)
		return rc ? rc : opr_rt_errf(rt, rn, err, OPR_ESHAPE, "no shape");
	for (i = 0; i < n; i++) {
		if (s[i] == 0 && !allowzero) {
			if (i >= x->rank)
				return opr_rt_errf(rt, rn, err, OPR_ESHAPE, "shape[%d] "
					       "= 0 copies a dim the input lacks", i);
			d[i] = x->dims[i];
		} else if (s[i] == -1) {
			if (neg >= 0)
				return opr_rt_errf(rt, rn, err, OPR_ESHAPE, "two -1 "
					       "in the shape");
			neg = i;
			d[i] = 1;
		} else if (s[i] < 0) {
			return opr_rt_errf(rt, rn, err, OPR_ESHAPE, "shape[%d] = %lld",
				       i, (long long)s[i]);
		} else {
			d[i] = s[i];
		}
		known *= d[i];
	}
	if (neg >= 0) {
		if (known == 0 || x->numel % known)
			return opr_rt_errf(rt, rn, err, OPR_ESHAPE, "cannot infer the "
				       "-1 dim: %lld elements into blocks of %lld",
				       (long long)x->numel, (long long)known);
		d[neg] = x->numel / known;
		known *= d[neg];
	}
	if (known != x->numel)
		return opr_rt_errf(rt, rn, err, OPR_ESHAPE, "%lld elements cannot "
			       "take a shape of %lld", (long long)x->numel,
			       (long long)known);
	return opr_rt_set_out(rt, rn, opr_rt_out(rt, rn, 0), x->dtype, n, d, err);
}

const struct rt_op opr_rt_op_reshape = { .flags = RT_F_VIEW, .prep = reshape_prep };
