/*
 * matmul.c - MatMul with numpy semantics: the last two axes multiply, the
 * leading ones broadcast; a 1-D A is a row and a 1-D B a column, whose
 * axis is dropped from the output.  One sgemm per (batch item, row block).
 */
#include <cblas.h>

#include "runtime/runtime.h"

/* The product's sizes and the broadcast of the batch axes. */
struct matmul_param {
	int64_t m, n, k;		/* per item */
	int64_t items;			/* batch items */
	int64_t rows;			/* rows of A per task */
	struct rt_bcast bat;		/* batch axes of A and B onto Y's */
};

static int matmul_prep(struct opr_rt *rt, struct rt_node *rn,
		       struct opr_err *err)
{
	struct matmul_param *p = rn->param;
	struct rt_val *a = opr_rt_need_in(rt, rn, 0, OPR_DT_FLOAT, err);
	struct rt_val *b = a ? opr_rt_need_in(rt, rn, 1, OPR_DT_FLOAT, err) : NULL;
	int64_t ab[OPR_MAX_RANK], bb[OPR_MAX_RANK], d[OPR_MAX_RANK];
	int ra, rb, r, i;

	if (!b)
		return err->code;
	if (a->rank < 1 || b->rank < 1)
		return opr_rt_errf(rt, rn, err, OPR_ESHAPE, "scalar operand");
	p->m = a->rank == 1 ? 1 : a->dims[a->rank - 2];
	p->k = a->dims[a->rank - 1];
	p->n = b->rank == 1 ? 1 : b->dims[b->rank - 1];
	if ((b->rank == 1 ? b->dims[0] : b->dims[b->rank - 2]) != p->k)
		return opr_rt_errf(rt, rn, err, OPR_ESHAPE, "inner dims %lld and %lld",
			       (long long)p->k, (long long)(b->rank == 1 ?
			       b->dims[0] : b->dims[b->rank - 2]));
	ra = a->rank > 2 ? a->rank - 2 : 0;
	rb = b->rank > 2 ? b->rank - 2 : 0;
	for (i = 0; i < ra; i++)
		ab[i] = a->dims[i];
	for (i = 0; i < rb; i++)
		bb[i] = b->dims[i];
	if (opr_rt_bcast_shape(ra, ab, rb, bb, &r, d))
		return opr_rt_errf(rt, rn, err, OPR_ESHAPE, "batch axes do not "
			       "broadcast");
	opr_rt_bcast_plan(&p->bat, r, d, ra, ab, rb, bb);
	p->items = opr_rt_prod(d, 0, r);
	if (a->rank > 1)
		d[r++] = p->m;
	if (b->rank > 1)
		d[r++] = p->n;
	p->rows = p->m;
	while (p->items * ((p->m + p->rows - 1) / p->rows) < rt->pool.n &&
	       p->rows > 16)
		p->rows = (p->rows + 1) / 2;
	return opr_rt_set_out(rt, rn, opr_rt_out(rt, rn, 0), OPR_DT_FLOAT, r, d, err);
}

struct matmul_job {
	const struct matmul_param *p;
	const float *a, *b;
	float *y;
};

static void matmul_task(void *arg, int64_t t, int tid)
{
	const struct matmul_job *j = arg;
	const struct matmul_param *p = j->p;
	int64_t nblk = (p->m + p->rows - 1) / p->rows;
	int64_t item = t / nblk, r0 = (t % nblk) * p->rows, oa, ob, c, rows;
	const struct rt_bcast *bt = &p->bat;

	(void)tid;
	rows = p->m - r0 < p->rows ? p->m - r0 : p->rows;
	opr_rt_bcast_row(bt, item / bt->inner, &oa, &ob);
	c = item % bt->inner;
	oa += c * bt->sa[bt->rank - 1];
	ob += c * bt->sb[bt->rank - 1];
	cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)rows,
		    (int)p->n, (int)p->k, 1.0f,
		    j->a + oa * p->m * p->k + r0 * p->k, (int)p->k,
		    j->b + ob * p->k * p->n, (int)p->n, 0.0f,
		    j->y + item * p->m * p->n + r0 * p->n, (int)p->n);
}

static int matmul_fwd(struct opr_rt *rt, struct rt_node *rn, struct opr_err *err)
{
	const struct matmul_param *p = rn->param;
	struct rt_val *y = opr_rt_out(rt, rn, 0);
	struct matmul_job j = { p, opr_rt_in(rt, rn, 0)->data, opr_rt_in(rt, rn, 1)->data,
				y->data };
	int64_t i;

	(void)err;
	if (!y->numel)
		return OPR_OK;
	if (!p->k) {
		for (i = 0; i < y->numel; i++)
			j.y[i] = 0;
		return OPR_OK;
	}
	opr_rt_pool_run(&rt->pool, p->items * ((p->m + p->rows - 1) / p->rows),
		    matmul_task, &j);
	return OPR_OK;
}

const struct rt_op opr_rt_op_matmul = {
	.param_size = sizeof(struct matmul_param),
	.prep = matmul_prep, .fwd = matmul_fwd
};
