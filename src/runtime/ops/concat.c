/*
 * concat.c - Concat: joins the inputs along axis; the other dims must
 * match.  Copies one contiguous block per input and outer index.
 */
#include <string.h>

#include "runtime/runtime.h"

static int concat_prep(struct opr_rt *rt, struct rt_node *rn,
		       struct opr_err *err)
{
	struct rt_val *x0 = opr_rt_need_in(rt, rn, 0, 0, err);
	int64_t d[OPR_MAX_RANK];
	int axis, k, i, rc;

	if (!x0)
		return err->code;
	if ((rc = opr_rt_axis(rt, rn, opr_node_attr_int(rn->n, "axis", 0), x0->rank,
			  &axis, err)))
		return rc;
	for (i = 0; i < x0->rank; i++)
		d[i] = x0->dims[i];
	d[axis] = 0;
	for (k = 0; k < rn->n->n_in; k++) {
		struct rt_val *x = opr_rt_need_in(rt, rn, k, x0->dtype, err);

		if (!x)
			return err->code;
		if (x->rank != x0->rank)
			return opr_rt_errf(rt, rn, err, OPR_ESHAPE, "input %d has rank "
				       "%d, input 0 %d", k, x->rank, x0->rank);
		for (i = 0; i < x->rank; i++)
			if (i != axis && x->dims[i] != x0->dims[i])
				return opr_rt_errf(rt, rn, err, OPR_ESHAPE, "input %d: "
					       "dim %d is %lld, input 0 has %lld", k,
					       i, (long long)x->dims[i],
					       (long long)x0->dims[i]);
		d[axis] += x->dims[axis];
	}
	return opr_rt_set_out(rt, rn, opr_rt_out(rt, rn, 0), x0->dtype, x0->rank, d, err);
}

struct concat_job {
	struct opr_rt *rt;
	const struct rt_node *rn;
	int axis;
	size_t es, out_row;	/* bytes of one output block per outer index */
};

static void concat_range(void *arg, int64_t o0, int64_t o1, int tid)
{
	const struct concat_job *j = arg;
	struct rt_val *y = opr_rt_out(j->rt, j->rn, 0);
	int64_t o;
	int k;

	(void)tid;
	for (o = o0; o < o1; o++) {
		unsigned char *dst = (unsigned char *)y->data + (size_t)o * j->out_row;

		for (k = 0; k < j->rn->n->n_in; k++) {
			struct rt_val *x = opr_rt_in(j->rt, j->rn, k);
			size_t blk = (size_t)opr_rt_prod(x->dims, j->axis, x->rank) * j->es;

			if (blk)
				memcpy(dst, (const unsigned char *)x->data +
				       (size_t)o * blk, blk);
			dst += blk;
		}
	}
}

static int concat_fwd(struct opr_rt *rt, struct rt_node *rn, struct opr_err *err)
{
	struct rt_val *y = opr_rt_out(rt, rn, 0);
	struct concat_job j;
	int64_t outer;

	(void)err;
	j.rt = rt;
	j.rn = rn;
	j.axis = (int)opr_node_attr_int(rn->n, "axis", 0);
	if (j.axis < 0)
		j.axis += y->rank;
	j.es = opr_dtype_size(y->dtype);
	j.out_row = (size_t)opr_rt_prod(y->dims, j.axis, y->rank) * j.es;
	outer = opr_rt_prod(y->dims, 0, j.axis);
	if (!y->numel)
		return OPR_OK;
	opr_rt_parallel_range(rt, outer, (int64_t)(65536 / (j.out_row + 1)) + 1,
			  concat_range, &j);
	return OPR_OK;
}

const struct rt_op opr_rt_op_concat = { .prep = concat_prep, .fwd = concat_fwd };
