/*
 * transpose.c - Transpose: output axis k is input axis perm[k] (reversed
 * axes by default).
 */
#include "runtime/runtime.h"

/* Reads perm (or the reversal) into p; checks it is a permutation. */
static int read_perm(struct opr_rt *rt, struct rt_node *rn, int rank,
		     int64_t *p, struct opr_err *err)
{
	int seen[OPR_MAX_RANK] = { 0 };
	int n, i, rc = opr_rt_attr_ints(rt, rn, "perm", p, OPR_MAX_RANK, &n, err);

	if (rc < 0 || rc > 1)
		return rc;
	if (rc == 0) {
		for (i = 0; i < rank; i++)
			p[i] = rank - 1 - i;
		return OPR_OK;
	}
	if (n != rank)
		return opr_rt_errf(rt, rn, err, OPR_ESHAPE, "perm has %d entries for "
			       "rank %d", n, rank);
	for (i = 0; i < n; i++) {
		if (p[i] < 0 || p[i] >= rank || seen[p[i]]++)
			return opr_rt_errf(rt, rn, err, OPR_ESHAPE, "perm is not a "
				       "permutation");
	}
	return OPR_OK;
}

static int transpose_prep(struct opr_rt *rt, struct rt_node *rn,
			  struct opr_err *err)
{
	struct rt_val *x = opr_rt_need_in(rt, rn, 0, 0, err);
	int64_t p[OPR_MAX_RANK], d[OPR_MAX_RANK];
	int i, rc;

	if (!x)
		return err->code;
	if ((rc = read_perm(rt, rn, x->rank, p, err)))
		return rc;
	for (i = 0; i < x->rank; i++)
		d[i] = x->dims[p[i]];
	return opr_rt_set_out(rt, rn, opr_rt_out(rt, rn, 0), x->dtype, x->rank, d, err);
}

static int transpose_fwd(struct opr_rt *rt, struct rt_node *rn,
			 struct opr_err *err)
{
	struct rt_val *x = opr_rt_in(rt, rn, 0), *y = opr_rt_out(rt, rn, 0);
	int64_t p[OPR_MAX_RANK], xs[OPR_MAX_RANK], s[OPR_MAX_RANK];
	int i, rc;

	if ((rc = read_perm(rt, rn, x->rank, p, err)))
		return rc;
	opr_rt_strides(x->dims, x->rank, xs);
	for (i = 0; i < x->rank; i++)
		s[i] = xs[p[i]];
	opr_rt_strided_copy(rt, y->rank, y->dims, s, 0, x->data, y->data,
			opr_dtype_size(x->dtype));
	return OPR_OK;
}

const struct rt_op opr_rt_op_transpose = {
	.prep = transpose_prep, .fwd = transpose_fwd
};
