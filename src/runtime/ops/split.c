/*
 * split.c - Split: cuts the input along axis into the outputs, by the
 * sizes of the constant input 1 (opset >= 13) or the split attribute, or
 * into equal parts (the last one smaller when it does not divide, as in
 * opset 18).
 */
#include <string.h>

#include "runtime/runtime.h"

/* Sizes of the parts into sz[0..n_out); returns OPR_OK or an error. */
static int split_sizes(struct opr_rt *rt, struct rt_node *rn,
		       const struct rt_val *x, int axis, int64_t *sz,
		       struct opr_err *err)
{
	int n_out = rn->n->n_out, n, k, rc;
	int64_t total = 0, dim = x->dims[axis], part;

	rc = opr_rt_const_ints(rt, rn, 1, sz, OPR_MAX_INPUTS, &n, err);
	if (rc == 0)
		rc = opr_rt_attr_ints(rt, rn, "split", sz, OPR_MAX_INPUTS, &n, err);
	if (rc < 0 || rc > 1)
		return rc;
	if (rc == 1) {
		if (n != n_out)
			return opr_rt_errf(rt, rn, err, OPR_ESHAPE, "%d sizes for %d "
				       "outputs", n, n_out);
		for (k = 0; k < n; k++) {
			if (sz[k] < 0)
				return opr_rt_errf(rt, rn, err, OPR_ESHAPE, "size %lld",
					       (long long)sz[k]);
			total += sz[k];
		}
		if (total != dim)
			return opr_rt_errf(rt, rn, err, OPR_ESHAPE, "sizes add up to "
				       "%lld, the axis has %lld", (long long)total,
				       (long long)dim);
		return OPR_OK;
	}
	part = (dim + n_out - 1) / n_out;
	for (k = 0; k < n_out; k++) {
		sz[k] = dim - total < part ? dim - total : part;
		total += sz[k];
	}
	return OPR_OK;
}

static int split_prep(struct opr_rt *rt, struct rt_node *rn, struct opr_err *err)
{
	struct rt_val *x = opr_rt_need_in(rt, rn, 0, 0, err);
	int64_t *sz, d[OPR_MAX_RANK];
	int axis, k, i, rc;

	if (!x)
		return err->code;
	if ((rc = opr_rt_axis(rt, rn, opr_node_attr_int(rn->n, "axis", 0), x->rank,
			  &axis, err)))
		return rc;
	sz = rn->param;
	if ((rc = split_sizes(rt, rn, x, axis, sz, err)))
		return rc;
	for (k = 0; k < rn->n->n_out; k++) {
		for (i = 0; i < x->rank; i++)
			d[i] = x->dims[i];
		d[axis] = sz[k];
		if ((rc = opr_rt_set_out(rt, rn, opr_rt_out(rt, rn, k), x->dtype, x->rank,
				     d, err)))
			return rc;
	}
	return OPR_OK;
}

static int split_fwd(struct opr_rt *rt, struct rt_node *rn, struct opr_err *err)
{
	struct rt_val *x = opr_rt_in(rt, rn, 0);
	const int64_t *sz = rn->param;
	size_t es = opr_dtype_size(x->dtype), row, off;
	int axis = (int)opr_node_attr_int(rn->n, "axis", 0), k;
	int64_t outer, inner, o;

	(void)err;
	if (axis < 0)
		axis += x->rank;
	outer = opr_rt_prod(x->dims, 0, axis);
	inner = opr_rt_prod(x->dims, axis + 1, x->rank);
	row = (size_t)(x->dims[axis] * inner) * es;
	for (o = 0; o < outer; o++) {
		off = 0;
		for (k = 0; k < rn->n->n_out; k++) {
			struct rt_val *y = opr_rt_out(rt, rn, k);
			size_t blk = (size_t)(sz[k] * inner) * es;

			if (y && blk)
				memcpy((unsigned char *)y->data + (size_t)o * blk,
				       (const unsigned char *)x->data + o * row + off,
				       blk);
			off += blk;
		}
	}
	return OPR_OK;
}

const struct rt_op opr_rt_op_split = {
	.param_size = sizeof(int64_t) * OPR_MAX_INPUTS,
	.prep = split_prep, .fwd = split_fwd
};
