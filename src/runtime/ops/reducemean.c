/*
 * reducemean.c - ReduceMean over the axes of the attribute (opset < 18) or
 * the constant input 1 (opset 18), all axes when none are given (unless
 * noop_with_empty_axes), keeping the reduced axes as 1 when keepdims.
 * Trailing axes reduce as rows; other patterns walk the input once.
 */
#include <string.h>

#include "runtime/runtime.h"

/* Which axes reduce, kept between prep and fwd. */
struct reduce_param {
	int red[OPR_MAX_RANK];	/* 1 for a reduced axis */
	int64_t count;		/* elements averaged per output */
};

static int reduce_prep(struct opr_rt *rt, struct rt_node *rn,
		       struct opr_err *err)
{
	struct reduce_param *p = rn->param;
	struct rt_val *x = opr_rt_need_in(rt, rn, 0, OPR_DT_FLOAT, err);
	int64_t axes[OPR_MAX_RANK], d[OPR_MAX_RANK];
	int keep = opr_node_attr_int(rn->n, "keepdims", 1) != 0;
	int noop = opr_node_attr_int(rn->n, "noop_with_empty_axes", 0) != 0;
	int n, i, a, r = 0, rc;

	if (!x)
		return err->code;
	rc = opr_rt_const_ints(rt, rn, 1, axes, OPR_MAX_RANK, &n, err);
	if (rc == 0)
		rc = opr_rt_attr_ints(rt, rn, "axes", axes, OPR_MAX_RANK, &n, err);
	if (rc < 0 || rc > 1)
		return rc;
	memset(p->red, 0, sizeof(p->red));
	for (i = 0; i < n; i++) {
		if ((rc = opr_rt_axis(rt, rn, axes[i], x->rank, &a, err)))
			return rc;
		p->red[a] = 1;
	}
	if (n == 0 && !noop)
		for (i = 0; i < x->rank; i++)
			p->red[i] = 1;
	p->count = 1;
	for (i = 0; i < x->rank; i++) {
		if (p->red[i])
			p->count *= x->dims[i];
		if (!p->red[i] || keep)
			d[r++] = p->red[i] ? 1 : x->dims[i];
	}
	return opr_rt_set_out(rt, rn, opr_rt_out(rt, rn, 0), OPR_DT_FLOAT, r, d, err);
}

struct reduce_job {
	const float *x;
	float *y;
	int64_t len;
};

static void mean_rows(void *arg, int64_t r0, int64_t r1, int tid)
{
	const struct reduce_job *j = arg;
	int64_t r, i;

	(void)tid;
	for (r = r0; r < r1; r++) {
		const float *x = j->x + r * j->len;
		double s = 0;

		for (i = 0; i < j->len; i++)
			s += x[i];
		j->y[r] = (float)(s / (double)j->len);
	}
}

static int reduce_fwd(struct opr_rt *rt, struct rt_node *rn, struct opr_err *err)
{
	const struct reduce_param *p = rn->param;
	struct rt_val *x = opr_rt_in(rt, rn, 0), *y = opr_rt_out(rt, rn, 0);
	int64_t ys[OPR_MAX_RANK], idx[OPR_MAX_RANK] = { 0 }, i, off = 0;
	int k, first = x->rank;
	float *out = y->data;
	const float *in = x->data;

	(void)err;
	while (first > 0 && p->red[first - 1])
		first--;
	for (k = 0; k < first; k++)
		if (p->red[k])
			break;
	if (k == first) {	/* reduced axes are exactly the trailing ones */
		struct reduce_job j = { in, out, opr_rt_prod(x->dims, first, x->rank) };

		if (y->numel && j.len)
			opr_rt_parallel_range(rt, y->numel, 1024 / (j.len + 1) + 1,
					  mean_rows, &j);
		return OPR_OK;
	}
	/* General pattern: output strides over the input axes (0 if reduced). */
	{
		int64_t acc = 1;

		for (k = x->rank - 1; k >= 0; k--) {
			ys[k] = p->red[k] ? 0 : acc;
			if (!p->red[k])
				acc *= x->dims[k];
		}
	}
	memset(out, 0, y->nbytes);
	for (i = 0; i < x->numel; i++) {
		out[off] += in[i];
		for (k = x->rank - 1; k >= 0; k--) {
			off += ys[k];
			if (++idx[k] < x->dims[k])
				break;
			off -= ys[k] * x->dims[k];
			idx[k] = 0;
		}
	}
	for (i = 0; i < y->numel; i++)
		out[i] /= (float)p->count;
	return OPR_OK;
}

const struct rt_op opr_rt_op_reducemean = {
	.param_size = sizeof(struct reduce_param),
	.prep = reduce_prep, .fwd = reduce_fwd
};
