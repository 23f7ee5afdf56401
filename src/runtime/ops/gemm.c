/*
 * gemm.c - Gemm: Y = alpha * A' * B' + beta * C, A' = transA ? A^T : A,
 * B' likewise, C (optional) broadcast to [M, N].  Y is first filled with
 * beta * C, then sgemm adds the product; row blocks run in parallel.
 */
#include <cblas.h>

#include "runtime/runtime.h"

/* Sizes of the product. */
struct gemm_param {
	int64_t m, n, k;
	int ta, tb;
};

static int gemm_prep(struct opr_rt *rt, struct rt_node *rn, struct opr_err *err)
{
	struct gemm_param *p = rn->param;
	struct rt_val *a = opr_rt_need_in(rt, rn, 0, OPR_DT_FLOAT, err);
	struct rt_val *b = a ? opr_rt_need_in(rt, rn, 1, OPR_DT_FLOAT, err) : NULL;
	struct rt_val *c = opr_rt_in(rt, rn, 2);
	int64_t d[2], t[OPR_MAX_RANK];
	int r;

	if (!b)
		return err->code;
	if (a->rank != 2 || b->rank != 2)
		return opr_rt_errf(rt, rn, err, OPR_ESHAPE, "A and B must be 2-D "
			       "(ranks %d and %d)", a->rank, b->rank);
	p->ta = opr_node_attr_int(rn->n, "transA", 0) != 0;
	p->tb = opr_node_attr_int(rn->n, "transB", 0) != 0;
	p->m = a->dims[p->ta];
	p->k = a->dims[!p->ta];
	p->n = b->dims[!p->tb];
	if (b->dims[p->tb] != p->k)
		return opr_rt_errf(rt, rn, err, OPR_ESHAPE, "A' is %lldx%lld, B' is "
			       "%lldx%lld", (long long)p->m, (long long)p->k,
			       (long long)b->dims[p->tb], (long long)p->n);
	d[0] = p->m;
	d[1] = p->n;
	if (c && (c->dtype != OPR_DT_FLOAT ||
		  opr_rt_bcast_shape(2, d, c->rank, c->dims, &r, t) || r != 2 ||
		  t[0] != d[0] || t[1] != d[1]))
		return opr_rt_errf(rt, rn, err, OPR_ESHAPE, "C does not broadcast "
			       "to %lldx%lld", (long long)d[0], (long long)d[1]);
	return opr_rt_set_out(rt, rn, opr_rt_out(rt, rn, 0), OPR_DT_FLOAT, 2, d, err);
}

struct gemm_job {
	const struct gemm_param *p;
	const float *a, *b;
	float *y;
	float alpha, beta;
};

static void gemm_rows(void *arg, int64_t r0, int64_t r1, int tid)
{
	const struct gemm_job *j = arg;
	const struct gemm_param *p = j->p;
	const float *a = p->ta ? j->a + r0 : j->a + r0 * p->k;

	(void)tid;
	cblas_sgemm(CblasRowMajor, p->ta ? CblasTrans : CblasNoTrans,
		    p->tb ? CblasTrans : CblasNoTrans, (int)(r1 - r0), (int)p->n,
		    (int)p->k, j->alpha, a, p->ta ? (int)p->m : (int)p->k, j->b,
		    p->tb ? (int)p->k : (int)p->n, j->beta, j->y + r0 * p->n,
		    (int)p->n);
}

static int gemm_fwd(struct opr_rt *rt, struct rt_node *rn, struct opr_err *err)
{
	const struct gemm_param *p = rn->param;
	struct rt_val *c = opr_rt_in(rt, rn, 2), *y = opr_rt_out(rt, rn, 0);
	float beta = opr_node_attr_float(rn->n, "beta", 1.0f);
	struct gemm_job j;
	int64_t i;

	(void)err;
	j.p = p;
	j.a = opr_rt_in(rt, rn, 0)->data;
	j.b = opr_rt_in(rt, rn, 1)->data;
	j.y = y->data;
	j.alpha = opr_node_attr_float(rn->n, "alpha", 1.0f);
	j.beta = 0;
	if (!y->numel)
		return OPR_OK;
	if (c && beta != 0) {
		struct rt_bcast bp;

		opr_rt_bcast_plan(&bp, 2, y->dims, c->rank, c->dims, -1, NULL);
		opr_rt_bcast_copy(rt, &bp, c->data, y->data, sizeof(float));
		if (beta != 1)
			for (i = 0; i < y->numel; i++)
				j.y[i] *= beta;
		j.beta = 1;
	}
	if (!p->k) {
		if (j.beta == 0)
			for (i = 0; i < y->numel; i++)
				j.y[i] = 0;
		return OPR_OK;
	}
	opr_rt_parallel_range(rt, p->m, 262144 / (p->n * p->k + 1) + 1, gemm_rows, &j);
	return OPR_OK;
}

const struct rt_op opr_rt_op_gemm = {
	.param_size = sizeof(struct gemm_param),
	.prep = gemm_prep, .fwd = gemm_fwd
};
