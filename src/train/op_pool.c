/*
 * op_pool.c - pools for training: MaxPool (the index of each window's
 * first maximum is saved, and the backward adds dy there), AveragePool
 * (count_include_pad counts the padded positions inside the padded
 * input), GlobalAveragePool and GlobalMaxPool.  1-D or 2-D; tasks are
 * (image, channel) planes, whose gradients are disjoint.
 */
#include <math.h>
#include <string.h>

#include "train/tr_internal.h"
#include "train/tkern.h"

enum pool_kind { P_MAX, P_AVG, P_GAVG, P_GMAX };

struct tpool {
	struct opr_window gm;	/* windows (global: one window per plane) */
	int kind;		/* enum pool_kind */
	int count_pad;		/* AveragePool count_include_pad */
	int64_t planes;		/* n * c */
	int64_t hw, p;		/* input and output positions per plane */
};

static int setup_kind(struct opr_train *t, struct tr_node *tn, int kind,
		      struct opr_err *err)
{
	struct tpool *p = tn->p;
	struct tr_val *x = tr_need_in(t, tn, 0, err);
	int64_t d[OPR_MAX_RANK];
	int rc, i;

	if (!x)
		return err->code;
	if (x->rank < 3)
		return tr_errf(t, tn, err, OPR_ESHAPE, "input rank %d < 3", x->rank);
	if (tn->n->n_out > 1 && tn->n->out[1] >= 0)
		return tr_errf(t, tn, err, OPR_EUNSUPPORTED, "the Indices output "
			       "is not computed");
	p->kind = kind;
	p->planes = x->dims[0] * x->dims[1];
	p->hw = tr_prod(x->dims, 2, x->rank);
	memcpy(d, x->dims, sizeof(d));
	if (kind == P_GAVG || kind == P_GMAX) {
		for (i = 2; i < x->rank; i++)
			d[i] = 1;
		p->p = 1;
	} else {
		if ((rc = tr_geom_read(t, tn, x, NULL, 1, &p->gm, err)))
			return rc;
		p->count_pad = opr_node_attr_int(tn->n, "count_include_pad", 0) != 0;
		d[2] = p->gm.out[2 - p->gm.ns];
		d[x->rank - 1] = p->gm.out[1];
		p->p = p->gm.out[0] * p->gm.out[1];
	}
	if (kind == P_MAX || kind == P_GMAX)
		tn->save = (size_t)(p->planes * p->p);
	return tr_set_out(t, tn, 0, x->rank, d, err);
}

static int max_setup(struct opr_train *t, struct tr_node *tn, struct opr_err *err)
{
	return setup_kind(t, tn, P_MAX, err);
}

static int avg_setup(struct opr_train *t, struct tr_node *tn, struct opr_err *err)
{
	return setup_kind(t, tn, P_AVG, err);
}

static int gavg_setup(struct opr_train *t, struct tr_node *tn, struct opr_err *err)
{
	return setup_kind(t, tn, P_GAVG, err);
}

static int gmax_setup(struct opr_train *t, struct tr_node *tn, struct opr_err *err)
{
	return setup_kind(t, tn, P_GMAX, err);
}

struct pool_job {
	const struct tpool *p;
	const float *x, *dy;
	float *y, *dx;
	int32_t *arg;		/* saved argmax, one per output */
	int acc;		/* backward: add to dx */
};

/* Valid input rows (or columns) [*lo, *hi) of a window starting at i0. */
static void span(int64_t i0, int64_t k, int64_t d, int64_t n, int64_t *lo,
		 int64_t *hi)
{
	*lo = i0 < 0 ? (-i0 + d - 1) / d : 0;
	*hi = (n - 1 - i0) >= 0 ? (n - 1 - i0) / d + 1 : 0;
	*hi = *hi > k ? k : *hi;
}

/* Divisor of the AveragePool window at (oh, ow). */
static float avg_div(const struct tpool *p, int64_t ih0, int64_t iw0,
		     int64_t nh, int64_t nw)
{
	const struct opr_window *g = &p->gm;
	int64_t a, b, e;

	if (!p->count_pad)
		return (float)(nh * nw);
	e = ih0 + (g->k[0] - 1) * g->d[0] + 1;
	a = (e < g->in[0] + g->pe[0] ? e : g->in[0] + g->pe[0]) - ih0;
	e = iw0 + (g->k[1] - 1) * g->d[1] + 1;
	b = (e < g->in[1] + g->pe[1] ? e : g->in[1] + g->pe[1]) - iw0;
	return (float)(((a + g->d[0] - 1) / g->d[0]) * ((b + g->d[1] - 1) / g->d[1]));
}

/*
 * One plane of a windowed pool: forward (dx NULL) writes y (and arg), the
 * backward adds dy into dx.
 */
static void window_plane(const struct pool_job *j, const float *x, float *y,
			 int32_t *arg, const float *dy, float *dx)
{
	const struct tpool *p = j->p;
	const struct opr_window *g = &p->gm;
	int64_t oh, ow, a, b, a0, a1, b0, b1;

	for (oh = 0; oh < g->out[0]; oh++)
		for (ow = 0; ow < g->out[1]; ow++) {
			int64_t ih0 = oh * g->s[0] - g->pb[0], iw0 = ow * g->s[1] - g->pb[1];
			int64_t q = oh * g->out[1] + ow, best = -1;
			float m = -INFINITY, s = 0, div;

			span(ih0, g->k[0], g->d[0], g->in[0], &a0, &a1);
			span(iw0, g->k[1], g->d[1], g->in[1], &b0, &b1);
			if (p->kind == P_MAX && dx) {
				if (arg[q] >= 0)
					dx[arg[q]] += dy[q];
				continue;
			}
			div = p->kind == P_AVG ? avg_div(p, ih0, iw0, a1 - a0 > 0 ?
					a1 - a0 : 0, b1 - b0 > 0 ? b1 - b0 : 0) : 1;
			for (a = a0; a < a1; a++)
				for (b = b0; b < b1; b++) {
					int64_t i = (ih0 + a * g->d[0]) * g->in[1] +
						    iw0 + b * g->d[1];

					if (dx)
						dx[i] += dy[q] / div;
					else if (p->kind == P_AVG)
						s += x[i];
					else if (x[i] > m || best < 0) {
						m = x[i];
						best = i;
					}
				}
			if (dx)
				continue;
			if (p->kind == P_MAX) {
				y[q] = m;
				arg[q] = (int32_t)best;
			} else {
				y[q] = div > 0 ? s / div : 0;
			}
		}
}

static void fwd_planes(void *arg, int64_t r0, int64_t r1, int tid)
{
	const struct pool_job *j = arg;
	const struct tpool *p = j->p;
	int64_t r, i;

	(void)tid;
	for (r = r0; r < r1; r++) {
		const float *x = j->x + r * p->hw;
		float *y = j->y + r * p->p;

		if (p->kind == P_GAVG) {
			y[0] = p->hw ? (float)(tk_sum(x, p->hw) / (double)p->hw) : 0;
		} else if (p->kind == P_GMAX) {
			int64_t best = 0;

			for (i = 1; i < p->hw; i++)
				if (x[i] > x[best])
					best = i;
			y[0] = p->hw ? x[best] : -INFINITY;
			j->arg[r] = p->hw ? (int32_t)best : -1;
		} else {
			window_plane(j, x, y, j->arg ? j->arg + r * p->p : NULL,
				     NULL, NULL);
		}
	}
}

static void bwd_planes(void *arg, int64_t r0, int64_t r1, int tid)
{
	const struct pool_job *j = arg;
	const struct tpool *p = j->p;
	int64_t r, i;

	(void)tid;
	for (r = r0; r < r1; r++) {
		float *dx = j->dx + r * p->hw;
		const float *dy = j->dy + r * p->p;

		if (p->kind == P_GAVG) {
			float v = dy[0] / (float)p->hw;

			if (j->acc)
				for (i = 0; i < p->hw; i++)
					dx[i] += v;
			else
				for (i = 0; i < p->hw; i++)
					dx[i] = v;
			continue;
		}
		if (!j->acc)
			memset(dx, 0, (size_t)p->hw * sizeof(float));
		if (p->kind == P_GMAX) {
			if (j->arg[r] >= 0)
				dx[j->arg[r]] += dy[0];
		} else {
			window_plane(j, NULL, NULL, j->arg ? j->arg + r * p->p : NULL,
				     dy, dx);
		}
	}
}

static void pool_fwd(struct opr_train *t, struct tr_node *tn)
{
	const struct tpool *p = tn->p;
	struct pool_job j = { p, tr_in(t, tn, 0)->data, NULL,
			      tr_out(t, tn, 0)->data, NULL, NULL, 0 };

	j.arg = tn->save ? (int32_t *)tn->saved : NULL;
	tr_range(t, p->planes, 4096 / (p->hw + 1) + 1, fwd_planes, &j);
}

static void pool_bwd(struct opr_train *t, struct tr_node *tn)
{
	const struct tpool *p = tn->p;
	struct tr_val *x = tr_in(t, tn, 0), *y = tr_out(t, tn, 0);
	struct pool_job j = { p, NULL, y->grad, NULL, x->grad, NULL, tn->acc[0] };

	if (!y->grad)
		return;
	j.arg = tn->save ? (int32_t *)tn->saved : NULL;
	tr_range(t, p->planes, 4096 / (p->hw + 1) + 1, bwd_planes, &j);
}

#define POOL(name, fn)							\
	const struct tr_op name = {					\
		.param_size = sizeof(struct tpool),			\
		.setup = fn, .fwd = pool_fwd, .bwd = pool_bwd		\
	}

POOL(tr_op_maxpool, max_setup);
POOL(tr_op_averagepool, avg_setup);
POOL(tr_op_globalaveragepool, gavg_setup);
POOL(tr_op_globalmaxpool, gmax_setup);
