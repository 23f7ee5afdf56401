/*
 * op_conv_wino.c - Winograd F(4x4, 3x3) for the training engine's 3x3
 * stride-1 convs, with the runtime's kernels (kern.h: pack, input
 * transform, sgemm, output transform; opr_rt_wino_weight) and the
 * runtime's plan (conv_wino.c): a task is a run of tile rows, packed and
 * transformed into V[36][tiles][cp], multiplied by U[36][cp][mp], and
 * transformed back into the NCHW planes.
 *
 * The forward uses it as the runtime does.  The input gradient of a
 * stride-1 3x3 conv is itself one: dX = conv(dY, W~) with W~[c][m] =
 * rot180(W[m][c]) and pads 2 - pt, 2 - pl, so the backward uses it too,
 * adding into dX through the output transform's residual (which reads
 * each element before it writes it).  The weights change every step, so
 * U is made at every call, into the shared scratch, spread over the
 * threads by output channel.
 */
#include <math.h>

#include "train/op_conv.h"
#include "train/tkern.h"

#define WINO_BYTES (448 * 1024)	/* V + O of one task, at most */
#define MIN_CHANNELS 8		/* fewer input channels: the shifted path */
#define MIN_TILES 12		/* tiles per task at least, where there are */

static int64_t round16(int64_t x)
{
	return (x + 15) / 16 * 16;
}

int tr_wino_ok(int64_t cin, int64_t oh, int64_t ow)
{
	return cin >= MIN_CHANNELS && oh >= 2 && ow >= 4;
}

size_t tr_wino_plan(struct twino *w, int64_t n, int64_t cin, int64_t cout,
		    int64_t oh, int64_t ow, int threads)
{
	int64_t units, per_unit, upt, cap;

	w->cp = round16(cin);
	w->mp = round16(cout);
	w->tr = (oh + 3) / 4;
	w->tc = (ow + 3) / 4;
	units = n * w->tr;
	per_unit = 36 * w->tc * (w->cp + w->mp) * (int64_t)sizeof(float);
	upt = WINO_BYTES / per_unit;
	cap = (units + 2 * threads - 1) / (2 * threads);
	if (cap * w->tc < MIN_TILES)
		cap = (MIN_TILES + w->tc - 1) / w->tc;
	upt = upt > cap ? cap : upt;
	w->upt = upt < 1 ? 1 : upt;
	w->ntask = (units + w->upt - 1) / w->upt;
	w->tmax = w->upt * w->tc;
	w->pw = 4 * w->tc + 2;
	w->prows = 4 * (w->upt < w->tr ? w->upt : w->tr) + 2;
	w->vs = w->tmax * w->cp + 16;
	w->os = w->tmax * w->mp + 16;
	w->off_v = (size_t)round16(w->prows * w->pw * w->cp);
	w->off_o = w->off_v + (size_t)(36 * w->vs);
	return w->off_o + (size_t)(36 * w->os);
}

size_t tr_wino_ufloats(const struct twino *w)
{
	return (size_t)(36 * w->cp * w->mp + w->mp);
}

/* What the weight transform's tasks share. */
struct u_job {
	struct opr_train *t;
	const struct twino *w;
	const float *W;
	int64_t m, c;
	int flip;
	float *u;
};

/*
 * U for input channels [b0, b1) of the transformed conv, all its output
 * channels at once (tkern.h), the filters gathered in the thread's
 * scratch (free between the jobs of a conv; the Winograd plan gives it
 * 36 cp + 36 mp floats at least, more than the 9 + 36 nout used here).
 */
static void u_range(void *arg, int64_t b0, int64_t b1, int tid)
{
	const struct u_job *j = arg;
	const struct twino *w = j->w;
	int64_t a, b, k, xi, nin = j->flip ? j->m : j->c, nout = j->flip ? j->c : j->m;
	float *gt = tr_scratch(j->t, tid);
	double *tmp = (double *)(void *)(gt + (9 * nout + TR_ALIGN - 1) /
					 TR_ALIGN * TR_ALIGN);

	for (b = b0; b < b1; b++) {
		if (b >= nin) {		/* padded input channels */
			for (xi = 0; xi < 36; xi++)
				for (a = 0; a < nout; a++)
					j->u[xi * w->cp * w->mp + b * w->mp + a] = 0;
			continue;
		}
		for (a = 0; a < nout; a++) {
			const float *f = j->flip ? j->W + (b * j->c + a) * 9 :
					 j->W + (a * j->c + b) * 9;

			for (k = 0; k < 9; k++)
				gt[k * nout + a] = f[j->flip ? 8 - k : k];
		}
		tk_wino_u(gt, nout, j->u + b * w->mp, w->cp * w->mp, tmp);
	}
}

/* Zeroes the padded output channels [nout, mp) of U. */
static void u_pad(const struct twino *w, int64_t nout, float *u)
{
	int64_t xi, b, a;

	for (xi = 0; xi < 36; xi++)
		for (b = 0; b < w->cp; b++)
			for (a = nout; a < w->mp; a++)
				u[xi * w->cp * w->mp + b * w->mp + a] = 0;
}

void tr_wino_weights(struct opr_train *t, const struct twino *w,
		     const float *W, int64_t m, int64_t c, int flip,
		     const float *bias, float *u)
{
	struct u_job j = { t, w, W, m, c, flip, u };
	int64_t nout = flip ? c : m, a;

	u_pad(w, nout, u);
	for (a = 0; a < w->mp; a++)
		u[36 * w->cp * w->mp + a] = bias && a < nout ? bias[a] : 0.0f;
	tr_range(t, w->cp, 1, u_range, &j);
}

/* Bands of a task: image n, tile rows [r0, r0 + nr), first unit u. */
struct band {
	int64_t n, r0, nr, u;
};

static int next_band(const struct twino *w, int64_t u1, struct band *b)
{
	b->u += b->nr;
	if (b->u >= u1)
		return 0;
	b->n = b->u / w->tr;
	b->r0 = b->u % w->tr;
	b->nr = w->tr - b->r0 < u1 - b->u ? w->tr - b->r0 : u1 - b->u;
	return 1;
}

static void wino_task(void *arg, int64_t t, int tid)
{
	const struct tr_wino_conv *j = arg;
	const struct twino *w = j->w;
	const struct rt_kern *k = j->k;
	float *s = tr_scratch(j->t, tid);
	float *P = s, *V = s + w->off_v, *O = s + w->off_o;
	int64_t u0 = t * w->upt, u1 = u0 + w->upt, tiles, xi;
	int64_t plane_in = j->cin * j->h * j->wd, plane_out = j->cout * j->oh * j->ow;
	struct band b;

	if (u1 > j->n * w->tr)
		u1 = j->n * w->tr;
	tiles = 0;
	for (b.u = u0, b.nr = 0; next_band(w, u1, &b);) {
		k->wino_pack(j->x + b.n * plane_in, j->cin, j->h, j->wd,
			     4 * b.r0 - j->pt, 4 * b.nr + 2, j->pl, w->pw, w->cp, P);
		k->wino_in(P, w->pw, w->cp, b.nr, w->tc,
			   V + (b.u - u0) * w->tc * w->cp, w->vs);
		tiles += b.nr * w->tc;
	}
	for (xi = 0; xi < 36; xi++)
		k->sgemm(tiles, w->mp, w->cp, V + xi * w->vs, w->cp,
			 j->u + xi * w->cp * w->mp, w->mp, O + xi * w->os, w->mp,
			 NULL);
	for (b.u = u0, b.nr = 0; next_band(w, u1, &b);) {
		struct rt_wino_out o;

		o.y = j->y + b.n * plane_out;
		o.res = j->res ? j->res + b.n * plane_out : NULL;
		o.bias = j->u + 36 * w->cp * w->mp;
		o.m = j->cout;
		o.oh = j->oh;
		o.ow = j->ow;
		o.oh0 = 4 * b.r0;
		o.lo = -INFINITY;
		o.hi = INFINITY;
		k->wino_out(O + (b.u - u0) * w->tc * w->mp, w->os, w->mp, b.nr,
			    w->tc, &o);
	}
}

void tr_wino_run(const struct tr_wino_conv *c)
{
	tr_run(c->t, c->w->ntask, wino_task, (void *)c);
}
