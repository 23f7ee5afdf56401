/*
 * op_conv.c - Conv for training, 1-D or 2-D, with groups, strides, pads,
 * dilations and auto_pad.  Forward: per (image, group, block of output
 * columns) an im2col of the block into the thread's scratch, then the
 * runtime's sgemm (kern.h) with the bias in its epilogue; a 1x1 stride-1
 * unpadded conv multiplies the input itself.  Backward, tasks over
 * images (tr_split): per block, dW += dY . col^T (tgemm.h's nt, with the
 * rows of col, or of x itself for 1x1, given by pointers; accumulated in
 * the task's own accumulator, reduced in task order afterwards, so the
 * sum does not depend on which thread ran what), dcol = W^T . dY (on a
 * transposed copy of W made once per backward) and col2im of dcol into
 * dX; db is the sum of dY.  A stride-1 conv skips im2col altogether
 * (op_conv_shift.c), and a 3x3 one runs its forward and dX as Winograd
 * F(4x4, 3x3) (op_conv_wino.c); one input channel per group (depthwise)
 * runs direct loops (op_conv_dw.c).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "train/op_conv.h"
#include "train/tkern.h"

#define COL_FLOATS (64 * 1024)	/* target im2col block per thread */

static void plan_blocks(struct tconv *p)
{
	int64_t maxblk = COL_FLOATS / (p->kk ? p->kk : 1);

	if (maxblk < 64)
		maxblk = 64;
	p->nblk = (p->p + maxblk - 1) / maxblk;
	if (p->nblk < 1)
		p->nblk = 1;
	p->blk = (p->p + p->nblk - 1) / p->nblk;
}

/*
 * Plans w for the batch of p, cin -> cout channels, oh x ow outputs, and
 * grows tn's scratch and shared floats to what it needs.
 */
static void plan_wino_dir(struct opr_train *t, struct tr_node *tn,
			  const struct tconv *p, struct rt_wino_plan *w,
			  int64_t cin, int64_t cout, int64_t oh, int64_t ow)
{
	size_t s = opr_rt_wino_plan(w, p->n, cin, cout, oh, ow, t->pool.n);

	tn->scratch = s > tn->scratch ? s : tn->scratch;
	s = tr_wino_ufloats(w);
	tn->shared = s > tn->shared ? s : tn->shared;
}

/*
 * Winograd for the forward and for dX of a 3x3 stride-1 single-group conv
 * on the shifted path, where the channels and planes suit it; more
 * scratch when it needs more.
 */
static void plan_wino(struct opr_train *t, struct tr_node *tn, struct tconv *p)
{
	const struct opr_window *g = &p->gm;

	p->wino_f = p->wino_b = 0;
	if (p->kind != TC_SHIFT || p->group != 1 || g->ns != 2 || g->k[0] != 3 ||
	    g->k[1] != 3 || g->d[0] != 1 || g->d[1] != 1 ||
	    getenv("OPR_TRAIN_NO_WINOGRAD"))
		return;
	if (opr_rt_wino_fits(p->c, g->out[0], g->out[1])) {
		p->wino_f = 1;
		plan_wino_dir(t, tn, p, &p->wf, p->c, p->m, g->out[0], g->out[1]);
	}
	if (opr_rt_wino_fits(p->m, g->in[0], g->in[1]) && g->pb[0] <= 2 &&
	    g->pb[1] <= 2) {
		p->wino_b = 1;
		plan_wino_dir(t, tn, p, &p->wb, p->m, p->c, g->in[0], g->in[1]);
	}
}

static int plan_kind(struct opr_train *t, struct tr_node *tn, struct tconv *p,
		     struct opr_err *err);

static int conv_setup(struct opr_train *t, struct tr_node *tn,
		      struct opr_err *err)
{
	struct tconv *p = tn->p;
	struct opr_window *g = &p->gm;
	struct tr_val *x = tr_need_in(t, tn, 0, err);
	struct tr_val *w = x ? tr_need_in(t, tn, 1, err) : NULL;
	struct tr_val *b = tr_in(t, tn, 2);
	int64_t d[4];
	char why[160];
	int rc;

	if (!w)
		return err->code;
	if (x->rank < 3 || x->rank > 4 || w->rank != x->rank)
		return tr_errf(t, tn, err, OPR_ESHAPE, "input rank %d, weight "
			       "rank %d", x->rank, w->rank);
	if ((rc = opr_conv_read(tn->n, x->rank, x->dims, w->dims,
				b ? b->dtype : 0, b ? b->numel : -1, g,
				&p->group, why, sizeof(why))))
		return tr_errf(t, tn, err, rc, "%s", why);
	p->n = x->dims[0];
	p->c = x->dims[1];
	p->m = w->dims[0];
	p->cg = p->c / p->group;
	p->mg = p->m / p->group;
	p->kk = p->cg * g->k[0] * g->k[1];
	p->hw = g->in[0] * g->in[1];
	p->p = g->out[0] * g->out[1];
	if ((rc = plan_kind(t, tn, p, err)))
		return rc;
	d[0] = p->n;
	d[1] = p->m;
	d[2] = g->out[2 - g->ns];
	d[3] = g->out[1];
	return tr_set_out(t, tn, 0, x->rank, d, err);
}

/* The path of the conv of p and its scratch, accumulators, shared floats. */
static int plan_kind(struct opr_train *t, struct tr_node *tn, struct tconv *p,
		     struct opr_err *err)
{
	const struct opr_window *g = &p->gm;

	p->kern = opr_rt_kern();
	p->gemm = tr_gemm();
	if (p->cg == 1 && p->group > 1)
		p->kind = TC_DW;
	else if (g->k[0] == 1 && g->k[1] == 1 && g->s[0] == 1 && g->s[1] == 1 &&
		 !g->pb[0] && !g->pb[1] && !g->pe[0] && !g->pe[1])
		p->kind = TC_GEMM;
	else if (g->s[0] == 1 && g->s[1] == 1 && !getenv("OPR_TRAIN_NO_SHIFT"))
		p->kind = TC_SHIFT;
	else
		p->kind = TC_IM2COL;
	if (p->kind == TC_DW && g->k[0] * g->k[1] > 64)
		return tr_errf(t, tn, err, OPR_EUNSUPPORTED, "depthwise kernel "
			       "of %lld taps; training handles up to 64",
			       (long long)(g->k[0] * g->k[1]));
	plan_blocks(p);
	if (p->kind == TC_IM2COL || p->kind == TC_GEMM)	/* + pointers */
		tn->scratch = (size_t)((p->kind == TC_IM2COL ? 2 * p->kk * p->blk : 0) +
				       TR_ALIGN + 2 * (p->kk > p->mg ? p->kk : p->mg));
	if (p->kind == TC_SHIFT)
		tn->scratch = tr_conv_shift_plan(p);
	if (p->kind == TC_DW && g->s[0] == 1 && g->s[1] == 1) {
		tr_conv_shift_plan(p);	/* the planes of the stride-1 backward */
		tn->scratch = (size_t)((p->hp * p->wp + p->hq * p->wq +
					g->in[0] * p->wq) + 3 * TR_ALIGN);
	}
	if (p->kind != TC_DW) {
		tn->accum = (size_t)(p->m * p->kk + p->m);
		tn->shared = (size_t)(p->m * p->kk);
	}
	plan_wino(t, tn, p);
	return OPR_OK;
}

/*
 * dst[i] = x row at iw = (ow0 + i) * s + off for i < n, 0 where iw falls
 * outside [0, w).
 */
static inline void im2col_seg(float *dst, const float *xr, int64_t w,
			      int64_t ow0, int64_t n, int64_t s, int64_t off)
{
	int64_t lo = -off - ow0 * s, hi = w - 1 - off - ow0 * s, i;

	lo = lo > 0 ? (lo + s - 1) / s : 0;
	hi = hi >= 0 ? hi / s + 1 : 0;
	hi = hi > n ? n : hi;
	lo = lo > hi ? hi : lo;
	for (i = 0; i < lo; i++)
		dst[i] = 0;
	if (s == 1 && lo < hi)
		memcpy(dst + lo, xr + ow0 + lo + off, (size_t)(hi - lo) * sizeof(float));
	else
		for (i = lo; i < hi; i++)
			dst[i] = xr[(ow0 + i) * s + off];
	for (i = hi; i < n; i++)
		dst[i] = 0;
}

/* The inverse: xr at iw = (ow0 + i) * s + off += src[i] where iw is inside. */
static inline void col2im_seg(const float *src, float *xr, int64_t w,
			      int64_t ow0, int64_t n, int64_t s, int64_t off)
{
	int64_t lo = -off - ow0 * s, hi = w - 1 - off - ow0 * s, i;

	lo = lo > 0 ? (lo + s - 1) / s : 0;
	hi = hi >= 0 ? hi / s + 1 : 0;
	hi = hi > n ? n : hi;
	if (s == 1 && lo < hi) {
		float *d = xr + ow0 + lo + off;

		for (i = 0; i < hi - lo; i++)
			d[i] += src[lo + i];
	} else {
		for (i = lo; i < hi; i++)
			xr[(ow0 + i) * s + off] += src[i];
	}
}

/*
 * im2col of output columns [q0, q0 + len) of one group of one image
 * (rows (c, ki, kj), len columns), or with back set its inverse: col
 * added into x.
 */
static void im2col(const struct tconv *p, float *x, int64_t q0, int64_t len,
		   float *col, int back)
{
	const struct opr_window *g = &p->gm;
	int64_t H = g->in[0], W = g->in[1], OW = g->out[1];
	int64_t c, ki, kj;

	for (c = 0; c < p->cg; c++)
		for (ki = 0; ki < g->k[0]; ki++)
			for (kj = 0; kj < g->k[1]; kj++) {
				float *cr = col + ((c * g->k[0] + ki) * g->k[1] + kj) * len;
				float *xc = x + c * p->hw;
				int64_t q = q0, end = q0 + len, oh = q0 / OW, ow = q0 % OW;
				int64_t off = kj * g->d[1] - g->pb[1];

				while (q < end) {
					int64_t ih = oh * g->s[0] - g->pb[0] + ki * g->d[0];
					int64_t n = OW - ow < end - q ? OW - ow : end - q;

					if (ih >= 0 && ih < H && back)
						col2im_seg(cr, xc + ih * W, W, ow, n,
							   g->s[1], off);
					else if (ih >= 0 && ih < H)
						im2col_seg(cr, xc + ih * W, W, ow, n,
							   g->s[1], off);
					else if (!back)
						memset(cr, 0, (size_t)n * sizeof(float));
					cr += n;
					q += n;
					ow = 0;
					oh++;
				}
			}
}

static void fwd_task(void *arg, int64_t k, int tid)
{
	const struct conv_job *j = arg;
	const struct tconv *p = j->p;
	int64_t blk = k % p->nblk, gi = (k / p->nblk) % p->group;
	int64_t n = k / p->nblk / p->group, q0 = blk * p->blk, len, ldb;
	const float *x = j->x + (n * p->c + gi * p->cg) * p->hw, *bm;
	int64_t yoff = (n * p->m + gi * p->mg) * p->p + q0;
	struct rt_epi e = { NULL, NULL, 0, -INFINITY, INFINITY };

	len = p->p - q0 < p->blk ? p->p - q0 : p->blk;
	if (len <= 0)
		return;
	e.bias = j->b ? j->b + gi * p->mg : NULL;
	if (p->kind == TC_GEMM) {
		bm = x + q0;
		ldb = p->hw;
	} else {
		float *col = tr_scratch(j->t, tid);

		if (p->kk)
			im2col(p, (float *)x, q0, len, col, 0);
		bm = col;
		ldb = len;
	}
	p->kern->sgemm(p->mg, len, p->kk, j->w + gi * p->mg * p->kk, p->kk, bm,
		       ldb, j->y + yoff, p->p, &e);
}

static void shift_task(void *arg, int64_t k, int tid)
{
	const struct conv_job *j = arg;

	tr_conv_shift_fwd(j, k / j->p->group, k % j->p->group, tid);
}

static void wino_fwd(struct opr_train *t, const struct tconv *p,
		     const struct conv_job *j)
{
	const struct opr_window *g = &p->gm;
	const float *u = t->shared;
	struct rt_wino_conv c = { &p->wf, p->kern, p->n, j->x, p->c, g->in[0],
				  g->in[1], g->pb[0], g->pb[1], u,
				  u + 36 * p->wf.cp * p->wf.mp, j->y, NULL, p->m,
				  g->out[0], g->out[1], -INFINITY, INFINITY };

	tr_wino_weights(t, &p->wf, j->w, p->m, p->c, 0, j->b, t->shared);
	tr_wino_run(t, &c);
}

/* dX of a Winograd-planned conv: conv(dY, W~) with pads 2 - p (see there). */
static void wino_dx(struct opr_train *t, const struct tconv *p,
		    const struct conv_job *j)
{
	const struct opr_window *g = &p->gm;
	const float *u = t->shared;
	struct rt_wino_conv c = { &p->wb, p->kern, p->n, j->dy, p->m, g->out[0],
				  g->out[1], 2 - g->pb[0], 2 - g->pb[1], u,
				  u + 36 * p->wb.cp * p->wb.mp, j->dx,
				  j->acc_x ? j->dx : NULL, p->c, g->in[0],
				  g->in[1], -INFINITY, INFINITY };

	tr_wino_weights(t, &p->wb, j->w, p->m, p->c, 1, NULL, t->shared);
	tr_wino_run(t, &c);
}

static void conv_fwd(struct opr_train *t, struct tr_node *tn)
{
	const struct tconv *p = tn->p;
	struct tr_val *b = tr_in(t, tn, 2);
	struct conv_job j = { 0 };

	j.t = t;
	j.p = p;
	j.x = tr_in(t, tn, 0)->data;
	j.w = tr_in(t, tn, 1)->data;
	j.b = b ? b->data : NULL;
	j.y = tr_out(t, tn, 0)->data;
	if (!p->p || !p->n || !p->m)
		return;
	if (p->kind == TC_DW)
		tr_conv_dw_fwd(t, p, j.x, j.w, j.b, j.y);
	else if (p->wino_f)
		wino_fwd(t, p, &j);
	else if (p->kind == TC_SHIFT)
		tr_run(t, p->n * p->group, shift_task, &j);
	else
		tr_run(t, p->n * p->group * p->nblk, fwd_task, &j);
}

/* The pointer table in thread tid's scratch (after the im2col blocks). */
static const float **ptr_table(const struct conv_job *j, int tid)
{
	const struct tconv *p = j->p;
	size_t off = p->kind == TC_IM2COL ? (size_t)(2 * p->kk * p->blk) : 0;

	off = (off + TR_ALIGN - 1) / TR_ALIGN * TR_ALIGN;
	return (const float **)(void *)(tr_scratch(j->t, tid) + off);
}

/*
 * Backward of output columns [q0, q0 + len) of one group through im2col:
 * dW += dY . col^T, dcol = W^T . dY, col2im of dcol into dx.
 */
static void bwd_block_col(const struct conv_job *j, int64_t gi,
			  const float *x, const float *dyb, float *dx, float *dw,
			  int64_t q0, int64_t len, int tid)
{
	const struct tconv *p = j->p;
	float *col = tr_scratch(j->t, tid), *dcol = col + p->kk * p->blk;
	const float **ptr = ptr_table(j, tid);
	int64_t q;

	if (j->dw) {
		im2col(p, (float *)x, q0, len, col, 0);
		for (q = 0; q < p->kk; q++)
			ptr[q] = col + q * len;
		p->gemm->nt(p->mg, p->kk, len, dyb, p->p, ptr, dw, p->kk, 1);
	}
	if (dx) {
		p->kern->sgemm(p->kk, len, p->mg, j->wt + gi * p->kk * p->mg, p->mg,
			       dyb, p->p, dcol, len, NULL);
		im2col(p, dx, q0, len, dcol, 1);
	}
}

/* The same for a 1x1 stride-1 unpadded conv: x itself is the col matrix. */
static void bwd_block_1x1(const struct conv_job *j, int64_t gi,
			  const float *x, const float *dyb, float *dx, float *dw,
			  int64_t q0, int64_t len, int tid)
{
	const struct tconv *p = j->p;
	const float **ptr = ptr_table(j, tid);
	int64_t q;

	if (j->dw) {
		for (q = 0; q < p->kk; q++)
			ptr[q] = x + q * p->hw + q0;
		p->gemm->nt(p->mg, p->kk, len, dyb, p->p, ptr, dw, p->kk, 1);
	}
	if (dx) {
		for (q = 0; q < p->mg; q++)
			ptr[q] = dyb + q * p->p;
		p->gemm->nn(p->kk, len, p->mg, j->wt + gi * p->kk * p->mg, p->mg, ptr,
			    0, dx + q0, p->hw, j->acc_x);
	}
}

/* Backward of one image: dX of it, dW and db into acc. */
static void bwd_image(const struct conv_job *j, int64_t n, float *acc, int tid)
{
	const struct tconv *p = j->p;
	int64_t gi, blk, i;

	for (gi = 0; gi < p->group; gi++) {
		const float *x = j->x + (n * p->c + gi * p->cg) * p->hw;
		const float *dy = j->dy + (n * p->m + gi * p->mg) * p->p;
		float *dx = j->dx ? j->dx + (n * p->c + gi * p->cg) * p->hw : NULL;
		float *dw = acc + gi * p->mg * p->kk, *db = acc + p->m * p->kk + gi * p->mg;

		if (dx && !j->acc_x && p->kind == TC_IM2COL)
			memset(dx, 0, (size_t)(p->cg * p->hw) * sizeof(float));
		for (blk = 0; blk < p->nblk; blk++) {
			int64_t q0 = blk * p->blk, len = p->p - q0 < p->blk ? p->p - q0 : p->blk;
			const float *dyb = dy + q0;

			if (len <= 0)
				break;
			if (p->kind == TC_IM2COL)
				bwd_block_col(j, gi, x, dyb, dx, dw, q0, len, tid);
			else
				bwd_block_1x1(j, gi, x, dyb, dx, dw, q0, len, tid);
			for (i = 0; j->db && i < p->mg; i++)
				db[i] += (float)tk_sum(dyb + i * p->p, len);
		}
	}
}

static void bwd_task(void *arg, int64_t k, int tid)
{
	const struct conv_job *j = arg;
	const struct tconv *p = j->p;
	float *acc = tr_accum(j->t, (int)k);
	int64_t n, gi, i, n0 = tr_split(p->n, (int)k, j->tasks);
	int64_t n1 = tr_split(p->n, (int)k + 1, j->tasks);

	if (j->dw || j->db)
		memset(acc, 0, (size_t)(p->m * p->kk + p->m) * sizeof(float));
	if (p->kind != TC_SHIFT) {
		for (n = n0; n < n1; n++)
			bwd_image(j, n, acc, tid);
		return;
	}
	for (gi = 0; gi < p->group; gi++) {
		tr_conv_shift_bwd(j, n0, n1, gi, acc + gi * p->mg * p->kk, tid);
		for (n = n0; j->db && n < n1; n++)
			for (i = 0; i < p->mg; i++)
				acc[p->m * p->kk + gi * p->mg + i] += (float)tk_sum(
					j->dy + (n * p->m + gi * p->mg + i) * p->p, p->p);
	}
}

/* What the reduction of the task accumulators reads and writes. */
struct red_job {
	struct opr_train *t;
	int tasks;
	int64_t off;		/* first accumulator float */
	float *dst;		/* the gradient */
	int acc;		/* add to dst */
};

static void red_range(void *arg, int64_t b, int64_t e, int tid)
{
	const struct red_job *j = arg;
	int64_t i;
	int k;

	(void)tid;
	for (i = b; i < e; i++) {
		float s = j->acc ? j->dst[i] : 0.0f;

		for (k = 0; k < j->tasks; k++)
			s += tr_accum(j->t, k)[j->off + i];
		j->dst[i] = s;
	}
}

/* W^T per group into the shared scratch: wt[g][q][i] = w[g * mg + i][q]. */
static float *transpose_w(struct opr_train *t, const struct tconv *p,
			  const float *w)
{
	float *wt = t->shared;
	int64_t gi, i, q;

	for (gi = 0; gi < p->group; gi++)
		for (i = 0; i < p->mg; i++)
			for (q = 0; q < p->kk; q++)
				wt[(gi * p->kk + q) * p->mg + i] =
					w[(gi * p->mg + i) * p->kk + q];
	return wt;
}

static void conv_bwd(struct opr_train *t, struct tr_node *tn)
{
	const struct tconv *p = tn->p;
	struct tr_val *x = tr_in(t, tn, 0), *w = tr_in(t, tn, 1);
	struct tr_val *b = tr_in(t, tn, 2), *y = tr_out(t, tn, 0);
	struct conv_job j = { 0 };
	struct red_job r;

	if (!y->grad || !p->p || !p->n || !p->m)
		return;
	j.t = t;
	j.p = p;
	j.x = x->data;
	j.w = w->data;
	j.dy = y->grad;
	j.dx = x->need_grad ? x->grad : NULL;
	j.acc_x = tn->acc[0];
	if (p->kind == TC_DW) {
		tr_conv_dw_bwd(t, p, j.x, j.w, j.dy, j.dx, j.acc_x,
			       w->need_grad ? w->grad : NULL, tn->acc[1],
			       b && b->need_grad ? b->grad : NULL, tn->acc[2]);
		return;
	}
	j.dw = w->need_grad;
	j.db = b && b->need_grad;
	j.tasks = tr_tasks(t, p->n);
	if (j.dx && p->wino_b) {	/* dX first, on its own */
		wino_dx(t, p, &j);
		j.dx = NULL;
	}
	if (j.dx && p->kind == TC_SHIFT) {
		tr_conv_shift_wt(p, j.w, t->shared);
		j.wt = t->shared;
	} else if (j.dx) {
		j.wt = transpose_w(t, p, j.w);
	}
	tr_run(t, j.tasks, bwd_task, &j);
	r.t = t;
	r.tasks = j.tasks;
	if (j.dw) {
		r.off = 0;
		r.dst = w->grad;
		r.acc = tn->acc[1];
		tr_range(t, p->m * p->kk, 4096, red_range, &r);
	}
	if (j.db) {
		r.off = p->m * p->kk;
		r.dst = b->grad;
		r.acc = tn->acc[2];
		red_range(&r, 0, p->m, 0);
	}
}

const struct tr_op tr_op_conv = {
	.param_size = sizeof(struct tconv),
	.flags = TR_F_KEEP_IN0 | TR_F_KEEP_IN1,
	.setup = conv_setup, .fwd = conv_fwd, .bwd = conv_bwd
};
