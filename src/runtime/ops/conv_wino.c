/*
 * conv_wino.c - Conv 3x3, stride 1, dilation 1, one group, as Winograd
 * F(4x4, 3x3): each 4 x 4 output tile costs 36 products per channel pair
 * instead of 144.  The weights are transformed once at plan time (in
 * double, BatchNormalization folded in) into U[36][cp][mp].
 *
 * A task is a run of tile rows (of one or more images).  Per band (the
 * task's tile rows of one image) the input rows are packed into the
 * thread's scratch with channels innermost and the padding made explicit
 * (P), and transformed into V[36][tiles][cp]; then 36 sgemms give
 * O[xi] = V[xi] U[xi] ([tiles][mp]); the output transform adds the bias
 * and the fused residual, clamps and writes the NCHW planes.  Everything
 * a task touches stays in the core's L2 (WINO_BYTES), and the thread
 * pool spreads the tasks.
 */
#include "runtime/ops/conv.h"

#define WINO_BYTES (448 * 1024)	/* V + O of one task, at most */
#define MIN_CHANNELS 8		/* fewer input channels: im2col wins */
#define MIN_TILES 12		/* tiles per task at least, where there are */

static int64_t round16(int64_t x)
{
	return (x + 15) / 16 * 16;
}

int opr_rt_conv_wino_ok(const struct conv_param *p)
{
	const struct opr_window *g = &p->gm;

	return g->ns == 2 && p->group == 1 && g->k[0] == 3 && g->k[1] == 3 &&
	       g->s[0] == 1 && g->s[1] == 1 && g->d[0] == 1 && g->d[1] == 1 &&
	       p->c >= MIN_CHANNELS && g->out[0] >= 2 && g->out[1] >= 4;
}

size_t opr_rt_conv_wino_plan(struct opr_rt *rt, struct conv_param *p)
{
	struct conv_wino *wp = &p->wp;
	int64_t units, per_unit, upt, cap;

	wp->cp = round16(p->c);
	wp->mp = round16(p->m);
	wp->tr = (p->gm.out[0] + 3) / 4;
	wp->tc = (p->gm.out[1] + 3) / 4;
	units = p->n * wp->tr;
	per_unit = 36 * wp->tc * (wp->cp + wp->mp) * (int64_t)sizeof(float);
	upt = WINO_BYTES / per_unit;
	/* at least two tasks per thread where there is work for them, but
	 * no fewer than MIN_TILES tiles a task (the sgemm's rows) */
	cap = (units + 2 * rt->pool.n - 1) / (2 * rt->pool.n);
	if (cap * wp->tc < MIN_TILES)
		cap = (MIN_TILES + wp->tc - 1) / wp->tc;
	if (upt > cap)
		upt = cap;
	if (upt < 1)
		upt = 1;
	wp->upt = upt;
	wp->ntask = (units + upt - 1) / upt;
	wp->tmax = upt * wp->tc;
	wp->pw = 4 * wp->tc + 2;
	wp->prows = 4 * (upt < wp->tr ? upt : wp->tr) + 2;
	wp->vs = wp->tmax * wp->cp + 16;
	wp->os = wp->tmax * wp->mp + 16;
	wp->off_v = (size_t)round16(wp->prows * wp->pw * wp->cp);
	wp->off_o = wp->off_v + (size_t)(36 * wp->vs);
	return (wp->off_o + (size_t)(36 * wp->os)) * sizeof(float);
}

size_t opr_rt_conv_wino_wbytes(const struct conv_param *p)
{
	return (size_t)(36 * p->wp.cp * p->wp.mp + p->wp.mp) * sizeof(float);
}

void opr_rt_conv_wino_weights(struct conv_param *p, const float *w,
			  const double *a, const double *b)
{
	const struct conv_wino *wp = &p->wp;
	int64_t m, c, k;
	double g[9];

	for (k = 0; k < 36 * wp->cp * wp->mp + wp->mp; k++)
		wp->u[k] = 0;
	for (m = 0; m < p->m; m++) {
		for (c = 0; c < p->c; c++) {
			for (k = 0; k < 9; k++)
				g[k] = (double)w[(m * p->c + c) * 9 + k] * (a ? a[m] : 1);
			opr_rt_wino_weight(g, wp->u + c * wp->mp + m, wp->cp * wp->mp);
		}
		wp->ub[m] = b ? (float)b[m] : 0;
	}
}

/* Bands of a task: image n, tile rows [r0, r0 + nr), first unit u. */
struct band {
	int64_t n, r0, nr, u;
};

/* The next band of the task's units [u, u1); 0 when none is left. */
static int next_band(const struct conv_wino *wp, int64_t u1, struct band *b)
{
	b->u += b->nr;
	if (b->u >= u1)
		return 0;
	b->n = b->u / wp->tr;
	b->r0 = b->u % wp->tr;
	b->nr = wp->tr - b->r0 < u1 - b->u ? wp->tr - b->r0 : u1 - b->u;
	return 1;
}

static void wino_task(void *arg, int64_t t, int tid)
{
	const struct conv_job *j = arg;
	const struct conv_param *p = j->p;
	const struct conv_wino *wp = &p->wp;
	const struct rt_kern *k = p->kern;
	const struct opr_window *g = &p->gm;
	float *s = opr_rt_scratch(j->rt, tid);
	float *P = s, *V = s + wp->off_v, *O = s + wp->off_o;
	int64_t u0 = t * wp->upt, u1 = u0 + wp->upt, tiles, xi;
	int64_t vs = wp->vs, os = wp->os;
	int64_t plane_in = p->c * p->hw, plane_out = p->m * p->p;
	struct band b;

	if (u1 > p->n * wp->tr)
		u1 = p->n * wp->tr;
	tiles = (u1 - u0) * wp->tc;
	for (b.u = u0, b.nr = 0; next_band(wp, u1, &b);) {
		k->wino_pack(j->x + b.n * plane_in, p->c, g->in[0], g->in[1],
			     4 * b.r0 - g->pb[0], 4 * b.nr + 2, g->pb[1], wp->pw,
			     wp->cp, P);
		k->wino_in(P, wp->pw, wp->cp, b.nr, wp->tc,
			   V + (b.u - u0) * wp->tc * wp->cp, vs);
	}
	for (xi = 0; xi < 36; xi++)
		k->sgemm(tiles, wp->mp, wp->cp, V + xi * vs, wp->cp,
			 wp->u + xi * wp->cp * wp->mp, wp->mp, O + xi * os,
			 wp->mp, NULL);
	for (b.u = u0, b.nr = 0; next_band(wp, u1, &b);) {
		struct rt_wino_out o;

		o.y = j->y + b.n * plane_out;
		o.res = j->res ? j->res + b.n * plane_out : NULL;
		o.bias = wp->ub;
		o.m = p->m;
		o.oh = g->out[0];
		o.ow = g->out[1];
		o.oh0 = 4 * b.r0;
		o.lo = p->lo;
		o.hi = p->hi;
		k->wino_out(O + (b.u - u0) * wp->tc * wp->mp, os, wp->mp, b.nr,
			    wp->tc, &o);
	}
}

void opr_rt_conv_wino(const struct conv_job *j)
{
	const struct conv_param *p = j->p;

	/* 36 products per 16 outputs instead of 144: a quarter of the MACs */
	opr_rt_pool_run_work(j->rt, p->wp.ntask, wino_task, (void *)j,
			     (double)p->n * (double)p->m * (double)p->p *
			     (double)p->kk / 4);
}
