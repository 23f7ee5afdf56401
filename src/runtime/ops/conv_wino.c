/*
 * conv_wino.c - Conv 3x3, stride 1, dilation 1, one group, as Winograd
 * F(4x4, 3x3): each 4 x 4 output tile costs 36 products per channel pair
 * instead of 144.  The weights are transformed once at plan time (in
 * double, BatchNormalization folded in) into U[36][cp][mp]; the tasks
 * (packing, transforms, 36 sgemms, the output transform with the bias,
 * the fused residual and clamp) are wino.c's, spread over the thread
 * pool.
 */
#include "runtime/ops/conv.h"

int opr_rt_conv_wino_ok(const struct conv_param *p)
{
	const struct opr_window *g = &p->gm;

	return g->ns == 2 && p->group == 1 && g->k[0] == 3 && g->k[1] == 3 &&
	       g->s[0] == 1 && g->s[1] == 1 && g->d[0] == 1 && g->d[1] == 1 &&
	       opr_rt_wino_fits(p->c, g->out[0], g->out[1]);
}

size_t opr_rt_conv_wino_plan(struct opr_rt *rt, struct conv_param *p)
{
	return opr_rt_wino_plan(&p->wp.pl, p->n, p->c, p->m, p->gm.out[0],
				p->gm.out[1], rt->pool.n) * sizeof(float);
}

size_t opr_rt_conv_wino_wbytes(const struct conv_param *p)
{
	const struct rt_wino_plan *w = &p->wp.pl;

	return (size_t)(36 * w->cp * w->mp + w->mp) * sizeof(float);
}

void opr_rt_conv_wino_weights(struct conv_param *p, const float *w,
			  const double *a, const double *b)
{
	const struct conv_wino *wp = &p->wp;
	int64_t m, c, k, cp = wp->pl.cp, mp = wp->pl.mp;
	double g[9];

	for (k = 0; k < 36 * cp * mp + mp; k++)
		wp->u[k] = 0;
	for (m = 0; m < p->m; m++) {
		for (c = 0; c < p->c; c++) {
			for (k = 0; k < 9; k++)
				g[k] = (double)w[(m * p->c + c) * 9 + k] * (a ? a[m] : 1);
			opr_rt_wino_weight(g, wp->u + c * mp + m, cp * mp);
		}
		wp->ub[m] = b ? (float)b[m] : 0;
	}
}

/* What the tasks of one run share. */
struct wino_job {
	struct opr_rt *rt;
	struct rt_wino_conv c;
};

static void wino_task(void *arg, int64_t t, int tid)
{
	const struct wino_job *j = arg;

	opr_rt_wino_task(&j->c, t, opr_rt_scratch(j->rt, tid));
}

void opr_rt_conv_wino(const struct conv_job *j)
{
	const struct conv_param *p = j->p;
	const struct opr_window *g = &p->gm;
	struct wino_job wj = { j->rt, { &p->wp.pl, p->kern, p->n, j->x, p->c,
		g->in[0], g->in[1], g->pb[0], g->pb[1], p->wp.u, p->wp.ub, j->y,
		j->res, p->m, g->out[0], g->out[1], p->lo, p->hi } };

	/* 36 products per 16 outputs instead of 144: a quarter of the MACs */
	opr_rt_pool_run_work(j->rt, p->wp.pl.ntask, wino_task, &wj,
			     (double)p->n * (double)p->m * (double)p->p *
			     (double)p->kk / 4);
}
