/*
 * op_gemm.c - Gemm (transA, transB, alpha, beta, C broadcast onto
 * [M, N]) and MatMul (rank >= 2; B of rank 2 or without batch, folded
 * into the rows of A, or the same batch dims as A) for training, through
 * OpenBLAS.  Every product is split into row blocks of its output over
 * the threads, each block one sgemm over the whole reduction, so the
 * result does not depend on the thread count.
 *
 *   Y  = alpha op(A) op(B) + beta C
 *   dA = alpha dY op(B)^T  (transposed back when transA)
 *   dB = alpha op(A)^T dY  (transposed back when transB)
 *   dC = beta dY summed over C's broadcast axes
 */
#include <string.h>

#include <cblas.h>

#include "train/tr_internal.h"
#include "train/tkern.h"

struct tgemm {
	int64_t nb;		/* batches (MatMul with batched B), else 1 */
	int64_t M, N, K;	/* op(A) is M x K, op(B) K x N */
	int ta, tb;		/* transA, transB */
	float alpha, beta;	/* Gemm's factors */
	int64_t sa, sb, sy;	/* batch strides of A, B, Y (elements) */
	int has_c;		/* Gemm with C */
	struct rt_bcast pl;	/* C onto [M, N] */
	int c_full;		/* C is M x N */
};

static int gemm_setup(struct opr_train *t, struct tr_node *tn,
		      struct opr_err *err)
{
	struct tgemm *p = tn->p;
	struct tr_val *a = tr_need_in(t, tn, 0, err);
	struct tr_val *b = a ? tr_need_in(t, tn, 1, err) : NULL;
	struct tr_val *c = tr_in(t, tn, 2);
	int64_t d[2], kb;
	int r;

	if (!b)
		return err->code;
	if (a->rank != 2 || b->rank != 2)
		return tr_errf(t, tn, err, OPR_ESHAPE, "A and B must be 2-D");
	p->ta = opr_node_attr_int(tn->n, "transA", 0) != 0;
	p->tb = opr_node_attr_int(tn->n, "transB", 0) != 0;
	p->alpha = opr_node_attr_float(tn->n, "alpha", 1.0f);
	p->beta = opr_node_attr_float(tn->n, "beta", 1.0f);
	p->M = a->dims[p->ta];
	p->K = a->dims[!p->ta];
	kb = b->dims[p->tb];
	p->N = b->dims[!p->tb];
	if (kb != p->K)
		return tr_errf(t, tn, err, OPR_ESHAPE, "inner dims %lld and %lld",
			       (long long)p->K, (long long)kb);
	p->nb = 1;
	p->sa = p->sb = p->sy = 0;
	d[0] = p->M;
	d[1] = p->N;
	p->has_c = c != NULL;
	if (c) {
		int64_t od[OPR_MAX_RANK];

		if (c->dtype != OPR_DT_FLOAT ||
		    opr_rt_bcast_shape(c->rank, c->dims, 2, d, &r, od) || r != 2 ||
		    od[0] != p->M || od[1] != p->N)
			return tr_errf(t, tn, err, OPR_ESHAPE, "C does not "
				       "broadcast to [%lld, %lld]", (long long)p->M,
				       (long long)p->N);
		opr_rt_bcast_plan(&p->pl, 2, d, c->rank, c->dims, -1, NULL);
		p->c_full = c->numel == p->M * p->N;
	}
	return tr_set_out(t, tn, 0, 2, d, err);
}

static int matmul_setup(struct opr_train *t, struct tr_node *tn,
			struct opr_err *err)
{
	struct tgemm *p = tn->p;
	struct tr_val *a = tr_need_in(t, tn, 0, err);
	struct tr_val *b = a ? tr_need_in(t, tn, 1, err) : NULL;
	int64_t d[OPR_MAX_RANK], ba, bb;
	int i;

	if (!b)
		return err->code;
	if (a->rank < 2 || b->rank < 2)
		return tr_errf(t, tn, err, OPR_EUNSUPPORTED, "1-D operands");
	memset(p, 0, sizeof(*p));
	p->alpha = 1;
	p->M = a->dims[a->rank - 2];
	p->K = a->dims[a->rank - 1];
	p->N = b->dims[b->rank - 1];
	if (b->dims[b->rank - 2] != p->K)
		return tr_errf(t, tn, err, OPR_ESHAPE, "inner dims %lld and %lld",
			       (long long)p->K, (long long)b->dims[b->rank - 2]);
	ba = tr_prod(a->dims, 0, a->rank - 2);
	bb = tr_prod(b->dims, 0, b->rank - 2);
	memcpy(d, a->dims, sizeof(d));
	d[a->rank - 1] = p->N;
	if (bb == 1 && b->rank <= a->rank) {
		p->nb = 1;
		p->M *= ba;	/* B shared: the batch joins A's rows */
	} else if (a->rank == b->rank && !memcmp(a->dims, b->dims,
			(size_t)(a->rank - 2) * sizeof(int64_t))) {
		p->nb = ba;
		p->sa = p->M * p->K;
		p->sb = p->K * p->N;
		p->sy = p->M * p->N;
	} else {
		return tr_errf(t, tn, err, OPR_EUNSUPPORTED, "batch broadcast of "
			       "A and B");
	}
	for (i = 0; i < a->rank; i++)
		if (d[i] < 0)
			return tr_errf(t, tn, err, OPR_ESHAPE, "bad dims");
	return tr_set_out(t, tn, 0, a->rank, d, err);
}

/* One product of the op, on a block of output rows. */
struct mm_job {
	const struct tgemm *p;
	int what;		/* 0: Y, 1: dA, 2: dB */
	const float *a, *b, *dy;
	float *out;
	float beta;		/* 0 write, 1 add (or Y's C term) */
	int64_t rows;		/* rows of out per batch */
	int64_t blk;		/* rows per task */
};

static void mm_task(void *arg, int64_t k, int tid)
{
	const struct mm_job *j = arg;
	const struct tgemm *p = j->p;
	int64_t per = (j->rows + j->blk - 1) / j->blk, nb = k / per;
	int64_t r0 = (k % per) * j->blk, n = j->rows - r0 < j->blk ? j->rows - r0 : j->blk;
	const float *a = j->a ? j->a + nb * p->sa : NULL, *b = j->b ? j->b + nb * p->sb : NULL;
	const float *dy = j->dy ? j->dy + nb * p->sy : NULL;
	int lda = (int)(p->ta ? p->M : p->K), ldb = (int)(p->tb ? p->K : p->N);
	int M = (int)p->M, N = (int)p->N, K = (int)p->K, r = (int)r0, nr = (int)n;

	(void)tid;
	if (n <= 0)
		return;
	if (j->what == 0)		/* Y rows r0.. = op(A) rows . op(B) */
		cblas_sgemm(CblasRowMajor, p->ta ? CblasTrans : CblasNoTrans,
			    p->tb ? CblasTrans : CblasNoTrans, nr, N, K, p->alpha,
			    p->ta ? a + r : a + r0 * K, lda, b, ldb, j->beta,
			    j->out + nb * p->sy + r0 * N, N);
	else if (j->what == 1 && !p->ta)	/* dA rows (M x K) */
		cblas_sgemm(CblasRowMajor, CblasNoTrans,
			    p->tb ? CblasNoTrans : CblasTrans, nr, K, N, p->alpha,
			    dy + r0 * N, N, b, ldb, j->beta,
			    j->out + nb * p->sa + r0 * K, K);
	else if (j->what == 1)		/* dA = (alpha dY op(B)^T)^T, rows of K */
		cblas_sgemm(CblasRowMajor, p->tb ? CblasTrans : CblasNoTrans,
			    CblasTrans, nr, M, N, p->alpha,
			    p->tb ? b + r : b + r0 * N, ldb, dy, N, j->beta,
			    j->out + nb * p->sa + r0 * M, M);
	else if (!p->tb)		/* dB rows (K x N) = op(A)^T rows . dY */
		cblas_sgemm(CblasRowMajor, p->ta ? CblasNoTrans : CblasTrans,
			    CblasNoTrans, nr, N, M, p->alpha,
			    p->ta ? a + r0 * M : a + r, lda, dy, N, j->beta,
			    j->out + nb * p->sb + r0 * N, N);
	else				/* dB (N x K) rows = dY^T rows . op(A) */
		cblas_sgemm(CblasRowMajor, CblasTrans,
			    p->ta ? CblasTrans : CblasNoTrans, nr, K, M, p->alpha,
			    dy + r, N, a, lda, j->beta,
			    j->out + nb * p->sb + r0 * K, K);
}

/* Runs the product j->what over row blocks of rows rows per batch. */
static void mm_run(struct opr_train *t, struct mm_job *j, int64_t rows)
{
	const struct tgemm *p = j->p;
	int64_t cols = j->what == 0 ? p->N : j->what == 1 ? (p->ta ? p->M : p->K) :
		       (p->tb ? p->K : p->N), red = j->what == 0 ? p->K :
		       j->what == 1 ? p->N : p->M;
	int64_t want = (int64_t)t->pool.n, min_rows;

	j->rows = rows;
	min_rows = 262144 / ((cols * red) + 1) + 1;	/* enough work per task */
	j->blk = (rows + want - 1) / want;
	j->blk = j->blk < min_rows ? min_rows : j->blk;
	j->blk = j->blk < 1 ? 1 : j->blk;
	if (rows <= 0 || cols <= 0)
		return;
	tr_run(t, p->nb * ((rows + j->blk - 1) / j->blk), mm_task, j);
}

struct c_job {
	const struct tgemm *p;
	const float *c, *dy;
	float *y, *dc;
};

/* Y = beta * C broadcast, rows [r0, r1). */
static void c_rows(void *arg, int64_t r0, int64_t r1, int tid)
{
	const struct c_job *j = arg;
	const struct rt_bcast *pl = &j->p->pl;
	int64_t ic = pl->sa[pl->rank - 1], r, i, oc, ob;

	(void)tid;
	for (r = r0; r < r1; r++) {
		float *y = j->y + r * pl->inner;

		opr_rt_bcast_row(pl, r, &oc, &ob);
		for (i = 0; i < pl->inner; i++)
			y[i] = j->p->beta * j->c[oc + i * ic];
	}
}

static void gemm_fwd(struct opr_train *t, struct tr_node *tn)
{
	const struct tgemm *p = tn->p;
	struct tr_val *c = tr_in(t, tn, 2);
	struct mm_job j = { p, 0, tr_in(t, tn, 0)->data, tr_in(t, tn, 1)->data,
			    NULL, tr_out(t, tn, 0)->data, 0, 0, 0 };

	if (c && p->beta != 0) {
		struct c_job cj = { p, c->data, NULL, j.out, NULL };

		tr_range(t, p->pl.rows, 4096 / (p->pl.inner + 1) + 1, c_rows, &cj);
		j.beta = 1;
	}
	if (p->K == 0 && j.beta == 0)
		memset(j.out, 0, (size_t)(p->nb * p->M * p->N) * sizeof(float));
	else
		mm_run(t, &j, p->M);
}

/* dC += beta * dY over C's broadcast axes (one thread, row order). */
static void grad_c(const struct tgemm *p, const float *dy, float *dc,
		   int64_t numel, int acc)
{
	const struct rt_bcast *pl = &p->pl;
	int64_t ic = pl->sa[pl->rank - 1], r, i, oc, ob;

	if (p->c_full) {
		tk_scale(dy, dc, numel, p->beta, acc);
		return;
	}
	if (!acc)
		memset(dc, 0, (size_t)numel * sizeof(float));
	for (r = 0; r < pl->rows; r++) {
		const float *g = dy + r * pl->inner;

		opr_rt_bcast_row(pl, r, &oc, &ob);
		if (ic)
			for (i = 0; i < pl->inner; i++)
				dc[oc + i] += p->beta * g[i];
		else
			dc[oc] += (float)(p->beta * tk_sum(g, pl->inner));
	}
}

static void gemm_bwd(struct opr_train *t, struct tr_node *tn)
{
	const struct tgemm *p = tn->p;
	struct tr_val *a = tr_in(t, tn, 0), *b = tr_in(t, tn, 1);
	struct tr_val *c = tr_in(t, tn, 2), *y = tr_out(t, tn, 0);
	struct mm_job j = { p, 1, a->data, b->data, y->grad, NULL, 0, 0, 0 };

	if (!y->grad)
		return;
	if (a->need_grad) {
		j.what = 1;
		j.out = a->grad;
		j.beta = tn->acc[0] ? 1.0f : 0.0f;
		if (p->N == 0 && !tn->acc[0])
			memset(a->grad, 0, (size_t)a->numel * sizeof(float));
		else
			mm_run(t, &j, p->ta ? p->K : p->M);
	}
	if (b->need_grad) {
		j.what = 2;
		j.out = b->grad;
		j.beta = tn->acc[1] ? 1.0f : 0.0f;
		if (p->M == 0 && !tn->acc[1])
			memset(b->grad, 0, (size_t)b->numel * sizeof(float));
		else
			mm_run(t, &j, p->tb ? p->N : p->K);
	}
	if (c && c->need_grad)
		grad_c(p, y->grad, c->grad, c->numel, tn->acc[2]);
}

const struct tr_op tr_op_gemm = {
	.param_size = sizeof(struct tgemm), .flags = TR_F_KEEP_IN0 | TR_F_KEEP_IN1,
	.setup = gemm_setup, .fwd = gemm_fwd, .bwd = gemm_bwd
};
const struct tr_op tr_op_matmul = {
	.param_size = sizeof(struct tgemm), .flags = TR_F_KEEP_IN0 | TR_F_KEEP_IN1,
	.setup = matmul_setup, .fwd = gemm_fwd, .bwd = gemm_bwd
};
