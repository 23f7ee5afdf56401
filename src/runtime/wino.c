/*
 * wino.c - the plan and the tasks of a Winograd F(4x4, 3x3) convolution
 * over a batch (see wino.h).
 */
#include "runtime/wino.h"

#define WINO_BYTES (448 * 1024)	/* V + O of one task, at most */
#define MIN_CHANNELS 8		/* fewer input channels: other paths win */
#define MIN_TILES 12		/* tiles per task at least, where there are */

static int64_t round16(int64_t x)
{
	return (x + 15) / 16 * 16;
}

int opr_rt_wino_fits(int64_t cin, int64_t oh, int64_t ow)
{
	return cin >= MIN_CHANNELS && oh >= 2 && ow >= 4;
}

size_t opr_rt_wino_plan(struct rt_wino_plan *w, int64_t n, int64_t cin,
			int64_t cout, int64_t oh, int64_t ow, int threads)
{
	int64_t units, per_unit, upt, cap;

	w->cp = round16(cin);
	w->mp = round16(cout);
	w->tr = (oh + 3) / 4;
	w->tc = (ow + 3) / 4;
	units = n * w->tr;
	per_unit = 36 * w->tc * (w->cp + w->mp) * (int64_t)sizeof(float);
	upt = WINO_BYTES / per_unit;
	/* at least two tasks per thread where there is work for them, but
	 * no fewer than MIN_TILES tiles a task (the sgemm's rows) */
	cap = (units + 2 * threads - 1) / (2 * threads);
	if (cap * w->tc < MIN_TILES)
		cap = (MIN_TILES + w->tc - 1) / w->tc;
	if (upt > cap)
		upt = cap;
	if (upt < 1)
		upt = 1;
	w->upt = upt;
	w->ntask = (units + upt - 1) / upt;
	w->tmax = upt * w->tc;
	w->pw = 4 * w->tc + 2;
	w->prows = 4 * (upt < w->tr ? upt : w->tr) + 2;
	w->vs = w->tmax * w->cp + 16;
	w->os = w->tmax * w->mp + 16;
	w->off_v = (size_t)round16(w->prows * w->pw * w->cp);
	w->off_o = w->off_v + (size_t)(36 * w->vs);
	return w->off_o + (size_t)(36 * w->os);
}

/* Bands of a task: image n, tile rows [r0, r0 + nr), first unit u. */
struct band {
	int64_t n, r0, nr, u;
};

/* The next band of the task's units [u, u1); 0 when none is left. */
static int next_band(const struct rt_wino_plan *w, int64_t u1, struct band *b)
{
	b->u += b->nr;
	if (b->u >= u1)
		return 0;
	b->n = b->u / w->tr;
	b->r0 = b->u % w->tr;
	b->nr = w->tr - b->r0 < u1 - b->u ? w->tr - b->r0 : u1 - b->u;
	return 1;
}

void opr_rt_wino_task(const struct rt_wino_conv *c, int64_t t, float *s)
{
	const struct rt_wino_plan *w = c->w;
	const struct rt_kern *k = c->k;
	float *P = s, *V = s + w->off_v, *O = s + w->off_o;
	int64_t u0 = t * w->upt, u1 = u0 + w->upt, tiles, xi;
	int64_t plane_in = c->cin * c->h * c->wd;
	int64_t plane_out = c->cout * c->oh * c->ow;
	struct band b;

	if (u1 > c->n * w->tr)
		u1 = c->n * w->tr;
	tiles = (u1 - u0) * w->tc;
	for (b.u = u0, b.nr = 0; next_band(w, u1, &b);) {
		k->wino_pack(c->x + b.n * plane_in, c->cin, c->h, c->wd,
			     4 * b.r0 - c->pt, 4 * b.nr + 2, c->pl, w->pw, w->cp,
			     P);
		k->wino_in(P, w->pw, w->cp, b.nr, w->tc,
			   V + (b.u - u0) * w->tc * w->cp, w->vs);
	}
	for (xi = 0; xi < 36; xi++)
		k->sgemm(tiles, w->mp, w->cp, V + xi * w->vs, w->cp,
			 c->u + xi * w->cp * w->mp, w->mp, O + xi * w->os, w->mp,
			 NULL);
	for (b.u = u0, b.nr = 0; next_band(w, u1, &b);) {
		struct rt_wino_out o;

		o.y = c->y + b.n * plane_out;
		o.res = c->res ? c->res + b.n * plane_out : NULL;
		o.bias = c->bias;
		o.m = c->cout;
		o.oh = c->oh;
		o.ow = c->ow;
		o.oh0 = 4 * b.r0;
		o.lo = c->lo;
		o.hi = c->hi;
		k->wino_out(O + (b.u - u0) * w->tc * w->mp, w->os, w->mp, b.nr,
			    w->tc, &o);
	}
}
