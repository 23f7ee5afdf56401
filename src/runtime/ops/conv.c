/*
 * conv.c - Conv over 1-D or 2-D inputs with groups, strides, pads,
 * dilations and auto_pad.  Four paths: a 3x3 stride-1 conv with constant
 * weights runs as Winograd F(4x4, 3x3) (conv_wino.c); a 1x1 stride-1
 * unpadded conv is one sgemm per (image, group, column block) straight on
 * the input; the general case copies a block of output columns into an
 * im2col buffer in the thread's scratch and multiplies it by the group's
 * weights; a conv with one input channel per group (depthwise) runs a
 * direct kernel (conv_dw.c).  Tasks are (image, group, column block), so
 * one image is still spread over the threads.
 *
 * A chain fused by fuse.c (struct rt_fuse) is handled here: the
 * BatchNormalization is folded into a copy of the weights and bias at
 * plan time (in double), and the residual and clamp are applied by the
 * kernels as they store the output.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/ops/conv.h"

#define COL_BYTES (256 * 1024)	/* target im2col block per thread */

/* Splits the p output columns of a plane into blocks. */
static void plan_blocks(struct opr_rt *rt, struct conv_param *p)
{
	int64_t maxblk = COL_BYTES / 4 / (p->kk ? p->kk : 1), planes;

	if (maxblk < 32)
		maxblk = 32;
	p->nblk = (p->p + maxblk - 1) / maxblk;
	planes = p->n * p->group;
	while (planes * p->nblk < rt->pool.n && p->p / (p->nblk + 1) >= 64)
		p->nblk++;
	if (p->nblk < 1)
		p->nblk = 1;
	p->blk = (p->p + p->nblk - 1) / p->nblk;
}

/* Per-channel scale a and bias b of the conv with its fused BN, in double. */
static int fold_params(struct opr_rt *rt, struct rt_node *rn,
		       const struct conv_param *p, double *a, double *b)
{
	const struct rt_val *bv = opr_rt_in(rt, rn, 2);
	int64_t k;

	for (k = 0; k < p->m; k++) {
		a[k] = 1;
		b[k] = bv ? ((const float *)bv->data)[k] : 0;
	}
	if (rn->fuse.on && rn->fuse.bn >= 0) {
		const struct opr_node *bn = &rt->g->nodes[rn->fuse.bn];
		const float *s = rt->vals[bn->in[1]].data, *bb = rt->vals[bn->in[2]].data;
		const float *mean = rt->vals[bn->in[3]].data;
		const float *var = rt->vals[bn->in[4]].data;
		double eps = opr_node_attr_float(bn, "epsilon", 1e-5f);

		for (k = 0; k < p->m; k++) {
			a[k] = s[k] / sqrt((double)var[k] + eps);
			b[k] = (b[k] - mean[k]) * a[k] + bb[k];
		}
	}
	return OPR_OK;
}

/*
 * At plan time: the weights the kernels read, in rn->own: Winograd's
 * transformed ones, or a copy with the fused BatchNormalization folded in.
 * Nothing when the inputs can be used as they are.
 */
static int plan_weights(struct opr_rt *rt, struct rt_node *rn,
			struct conv_param *p, struct opr_err *err)
{
	const struct rt_val *w = opr_rt_in(rt, rn, 1);
	int bn = rn->fuse.on && rn->fuse.bn >= 0;
	double *a = NULL, *b = NULL;
	size_t bytes;
	void *own = NULL;
	int64_t k, i;

	free(rn->own);
	rn->own = NULL;
	p->wf = p->bf = NULL;
	p->wp.u = p->wp.ub = NULL;
	if (p->kind != CONV_WINO && !bn)
		return OPR_OK;
	if (rt->parent) {	/* a lane: the parent's are the same */
		const struct rt_node *pn = &rt->parent->nodes[rn - rt->nodes];
		const struct conv_param *pp = pn->param;

		if (pn->op == rn->op && pp && pp->kind == p->kind && pn->own &&
		    pn->fuse.on == rn->fuse.on) {
			p->wf = pp->wf;
			p->bf = pp->bf;
			p->wp.u = pp->wp.u;
			p->wp.ub = pp->wp.ub;
			return OPR_OK;
		}
	}
	bytes = p->kind == CONV_WINO ? opr_rt_conv_wino_wbytes(p) :
		(size_t)(p->m * p->kk + p->m) * sizeof(float);
	a = malloc((size_t)p->m * sizeof(double));
	b = malloc((size_t)p->m * sizeof(double));
	if (!a || !b || posix_memalign(&own, RT_ALIGN, bytes)) {
		free(a);
		free(b);
		return opr_rt_errf(rt, rn, err, OPR_ENOMEM, "out of memory");
	}
	rn->own = own;
	fold_params(rt, rn, p, a, b);
	if (p->kind == CONV_WINO) {
		p->wp.u = own;
		p->wp.ub = p->wp.u + 36 * p->wp.pl.cp * p->wp.pl.mp;
		opr_rt_conv_wino_weights(p, w->data, a, b);
	} else {
		float *wf = own;

		for (k = 0; k < p->m; k++)
			for (i = 0; i < p->kk; i++)
				wf[k * p->kk + i] = (float)(((const float *)w->data)
							    [k * p->kk + i] * a[k]);
		p->wf = wf;
		p->bf = wf + p->m * p->kk;
		for (k = 0; k < p->m; k++)
			((float *)p->bf)[k] = (float)b[k];
	}
	free(a);
	free(b);
	return OPR_OK;
}

/* Picks the path of the conv of p. */
static int pick_kind(const struct opr_rt *rt, const struct rt_node *rn,
		     const struct conv_param *p)
{
	const struct opr_window *g = &p->gm;
	const struct rt_val *b = opr_rt_in((struct opr_rt *)rt, rn, 2);

	if (p->cg == 1 && p->group > 1)
		return CONV_DW;
	if (opr_rt_in((struct opr_rt *)rt, rn, 1)->kind == RT_CONST &&
	    (!b || b->kind == RT_CONST) && opr_rt_conv_wino_ok(p) &&
	    !getenv("OPR_RT_NO_WINOGRAD"))
		return CONV_WINO;
	if (g->k[0] == 1 && g->k[1] == 1 && g->s[0] == 1 && g->s[1] == 1 &&
	    !g->pb[0] && !g->pb[1] && !g->pe[0] && !g->pe[1])
		return CONV_GEMM;
	return CONV_IM2COL;
}

static int conv_prep(struct opr_rt *rt, struct rt_node *rn, struct opr_err *err)
{
	struct conv_param *p = rn->param;
	struct opr_window *g = &p->gm;
	struct rt_val *x = opr_rt_need_in(rt, rn, 0, OPR_DT_FLOAT, err);
	struct rt_val *w = x ? opr_rt_need_in(rt, rn, 1, OPR_DT_FLOAT, err) : NULL;
	struct rt_val *b = opr_rt_in(rt, rn, 2);
	int64_t d[4];
	size_t ws = 0;
	char why[160];
	int rc, kind;

	if (!w)
		return err->code;
	if (x->rank < 3 || w->rank != x->rank)
		return opr_rt_errf(rt, rn, err, OPR_ESHAPE, "input rank %d, weight "
			       "rank %d", x->rank, w->rank);
	if ((rc = opr_conv_read(rn->n, x->rank, x->dims, w->dims,
				b ? b->dtype : 0, b ? b->numel : -1, g,
				&p->group, why, sizeof(why))))
		return opr_rt_errf(rt, rn, err, rc, "%s", why);
	p->n = x->dims[0];
	p->c = x->dims[1];
	p->m = w->dims[0];
	p->cg = p->c / p->group;
	p->mg = p->m / p->group;
	p->kk = p->cg * g->k[0] * g->k[1];
	p->hw = g->in[0] * g->in[1];
	p->p = g->out[0] * g->out[1];
	p->kern = opr_rt_kern();
	p->lo = rn->fuse.on ? rn->fuse.lo : -INFINITY;
	p->hi = rn->fuse.on ? rn->fuse.hi : INFINITY;
	kind = pick_kind(rt, rn, p);
	if (rt->planning)
		p->kind = kind;
	else if (kind != p->kind)	/* the plan's weights are for p->kind */
		return opr_rt_errf(rt, rn, err, OPR_EINTERNAL, "conv path changed "
			       "with the batch");
	if (p->kind == CONV_WINO)
		ws = opr_rt_conv_wino_plan(rt, p);
	plan_blocks(rt, p);
	if (p->kind == CONV_IM2COL)
		ws = (size_t)(p->kk * p->blk) * sizeof(float);
	rn->scratch = ws;
	if (rt->planning && (rc = plan_weights(rt, rn, p, err)))
		return rc;
	d[0] = p->n;
	d[1] = p->m;
	d[2] = g->out[2 - g->ns];
	d[3] = g->out[1];
	return opr_rt_set_out(rt, rn, opr_rt_out(rt, rn, 0), OPR_DT_FLOAT, x->rank, d, err);
}

/*
 * One output row segment of im2col: dst[i] = x row at iw = (ow0 + i) * s +
 * off for i < n, 0 where iw falls outside [0, w).  The valid middle is a
 * memcpy (stride 1) or a plain strided loop.
 */
static inline void im2col_seg(float *dst, const float *xr, int64_t w,
			      int64_t ow0, int64_t n, int64_t s, int64_t off)
{
	int64_t lo, hi, i;

	/* valid i: 0 <= (ow0 + i) * s + off < w (no division for s <= 2) */
	lo = -off - ow0 * s;
	hi = w - 1 - off - ow0 * s;
	if (s == 1) {
		lo = lo > 0 ? lo : 0;
		hi = hi >= 0 ? hi + 1 : 0;
	} else if (s == 2) {
		lo = lo > 0 ? (lo + 1) >> 1 : 0;
		hi = hi >= 0 ? (hi >> 1) + 1 : 0;
	} else {
		lo = lo > 0 ? (lo + s - 1) / s : 0;
		hi = hi >= 0 ? hi / s + 1 : 0;
	}
	if (hi > n)
		hi = n;
	if (lo > hi)
		lo = hi;
	for (i = 0; i < lo; i++)
		dst[i] = 0;
	if (s == 1) {
		memcpy(dst + lo, xr + ow0 + lo + off,
		       (size_t)(hi - lo) * sizeof(float));
	} else if (s == 2) {	/* constant stride: the compiler vectorises */
		const float *src = xr + ow0 * 2 + off;

		for (i = lo; i < hi; i++)
			dst[i] = src[2 * i];
	} else
		for (i = lo; i < hi; i++)
			dst[i] = xr[(ow0 + i) * s + off];
	for (i = hi; i < n; i++)
		dst[i] = 0;
}

/* im2col of output columns [q0, q0 + len) of one group of one image. */
static void im2col(const struct conv_param *p, const float *x, int64_t q0,
		   int64_t len, float *col)
{
	const struct opr_window *g = &p->gm;
	int64_t H = g->in[0], W = g->in[1], OW = g->out[1];
	int64_t c, ki, kj;

	for (c = 0; c < p->cg; c++)
		for (ki = 0; ki < g->k[0]; ki++)
			for (kj = 0; kj < g->k[1]; kj++) {
				float *dst = col + ((c * g->k[0] + ki) * g->k[1] + kj) * len;
				const float *xc = x + c * p->hw;
				int64_t q = q0, end = q0 + len, oh = q0 / OW, ow = q0 % OW;
				int64_t off = kj * g->d[1] - g->pb[1];

				while (q < end) {
					int64_t ih = oh * g->s[0] - g->pb[0] + ki * g->d[0];
					int64_t n = OW - ow < end - q ? OW - ow : end - q;

					if (ih < 0 || ih >= H)
						memset(dst, 0, (size_t)n * sizeof(float));
					else
						im2col_seg(dst, xc + ih * W, W, ow, n,
							   g->s[1], off);
					dst += n;
					q += n;
					ow = 0;
					oh++;
				}
			}
}

static void conv_task(void *arg, int64_t t, int tid)
{
	const struct conv_job *j = arg;
	const struct conv_param *p = j->p;
	int64_t blk = t % p->nblk, gi = (t / p->nblk) % p->group;
	int64_t n = t / p->nblk / p->group, q0 = blk * p->blk, len;
	const float *x = j->x + (n * p->c + gi * p->cg) * p->hw;
	const float *w = j->w + gi * p->mg * p->kk;
	int64_t yoff = (n * p->m + gi * p->mg) * p->p + q0;
	struct rt_epi e;
	const float *bmat;
	int64_t ldb;

	len = p->p - q0 < p->blk ? p->p - q0 : p->blk;
	if (len <= 0)
		return;
	e.bias = j->b ? j->b + gi * p->mg : NULL;
	e.res = j->res ? j->res + yoff : NULL;
	e.ldr = p->p;
	e.lo = p->lo;
	e.hi = p->hi;
	if (p->kind == CONV_GEMM) {
		bmat = x + q0;
		ldb = p->hw;
	} else {
		float *col = opr_rt_scratch(j->rt, tid);

		if (p->kk)
			im2col(p, x, q0, len, col);
		bmat = col;
		ldb = len;
	}
	p->kern->sgemm(p->mg, len, p->kk, w, p->kk, bmat, ldb, j->y + yoff,
		       p->p, &e);
}

static int conv_fwd(struct opr_rt *rt, struct rt_node *rn, struct opr_err *err)
{
	const struct conv_param *p = rn->param;
	struct rt_val *b = opr_rt_in(rt, rn, 2);
	struct conv_job j;

	(void)err;
	j.rt = rt;
	j.p = p;
	j.x = opr_rt_in(rt, rn, 0)->data;
	j.w = p->wf ? p->wf : opr_rt_in(rt, rn, 1)->data;
	j.b = p->bf ? p->bf : b ? b->data : NULL;
	j.res = rn->fuse.on && rn->fuse.res >= 0 ? rt->vals[rn->fuse.res].data : NULL;
	j.y = opr_rt_out(rt, rn, 0)->data;
	if (!p->p || !p->n || !p->m)
		return OPR_OK;
	if (p->kind == CONV_DW)
		opr_rt_conv_dw(&j);
	else if (p->kind == CONV_WINO)
		opr_rt_conv_wino(&j);
	else
		opr_rt_pool_run_work(rt, p->n * p->group * p->nblk, conv_task, &j,
				     (double)p->n * (double)p->m * (double)p->p *
				     (double)p->kk);
	return OPR_OK;
}

const struct rt_op opr_rt_op_conv = {
	.param_size = sizeof(struct conv_param),
	.prep = conv_prep, .fwd = conv_fwd
};
