/*
 * op_conv_dw.c - Conv with one input channel per group (depthwise, with
 * any channel multiplier mg) for training.  Forward: the runtime's
 * depthwise plane kernel where it applies (dilation 1, the same stride 1
 * or 2 on both axes), else a direct loop.  Backward: one task per input
 * channel over all images, so dW, db and dX of a channel each come from
 * one task in a fixed order (no reduction).  Stride 1 (with one output per
 * group) works on zero-padded planes, one long dot product (dW) and axpy
 * (dX) per tap; otherwise, per kernel tap and output row the valid output
 * columns are found once and the inner loops run without bounds checks.
 */
#include <math.h>
#include <string.h>

#include "train/op_conv.h"
#include "train/tkern.h"

/* Output columns [*lo, *hi) whose input column ow * s + off is in [0, w). */
static void col_range(int64_t ow_n, int64_t w, int64_t s, int64_t off,
		      int64_t *lo, int64_t *hi)
{
	int64_t l = -off, h = w - 1 - off;

	l = l > 0 ? (l + s - 1) / s : 0;
	h = h >= 0 ? h / s + 1 : 0;
	*hi = h > ow_n ? ow_n : h;
	*lo = l > *hi ? *hi : l;
}

/* Direct depthwise plane: y = b + sum over taps (x outside = 0). */
static void plane_ref(const struct opr_window *g, const float *x, const float *k,
		      float b, float *y)
{
	int64_t oh, ow, a, c, lo, hi;

	for (oh = 0; oh < g->out[0]; oh++)
		for (ow = 0; ow < g->out[1]; ow++)
			y[oh * g->out[1] + ow] = b;
	for (a = 0; a < g->k[0]; a++)
		for (c = 0; c < g->k[1]; c++) {
			float kv = k[a * g->k[1] + c];
			int64_t off = c * g->d[1] - g->pb[1];

			col_range(g->out[1], g->in[1], g->s[1], off, &lo, &hi);
			for (oh = 0; oh < g->out[0]; oh++) {
				int64_t ih = oh * g->s[0] - g->pb[0] + a * g->d[0];
				float *yr = y + oh * g->out[1];

				if (ih < 0 || ih >= g->in[0])
					continue;
				for (ow = lo; ow < hi; ow++)
					yr[ow] += kv * x[ih * g->in[1] + ow * g->s[1] + off];
			}
		}
}

struct dw_job {
	struct opr_train *t;
	const struct tconv *p;
	const float *x, *w, *b, *dy;
	float *y, *dx, *dw, *db;
	int acc_x, acc_w, acc_b;
};

static void fwd_planes(void *arg, int64_t b0, int64_t b1, int tid)
{
	const struct dw_job *j = arg;
	const struct tconv *p = j->p;
	const struct opr_window *g = &p->gm;
	int64_t kk = g->k[0] * g->k[1], q;
	int fast = g->d[0] == 1 && g->d[1] == 1 && g->s[0] == g->s[1] &&
		   g->s[0] <= 2;

	(void)tid;
	for (q = b0; q < b1; q++) {
		int64_t n = q / p->m, mo = q % p->m, c = mo / p->mg;
		const float *x = j->x + (n * p->c + c) * p->hw;
		const float *k = j->w + mo * kk;
		float bias = j->b ? j->b[mo] : 0.0f, *y = j->y + q * p->p;

		if (fast)
			p->kern->dw_plane(x, g->in[0], g->in[1], k, g->k[0], g->k[1],
					  g->s[0], g->pb[0], g->pb[1], y, g->out[0],
					  g->out[1], bias, NULL, -INFINITY, INFINITY);
		else
			plane_ref(g, x, k, bias, y);
	}
}

void tr_conv_dw_fwd(struct opr_train *t, const struct tconv *p,
		    const float *x, const float *w, const float *b, float *y)
{
	struct dw_job j = { 0 };

	j.t = t;
	j.p = p;
	j.x = x;
	j.w = w;
	j.b = b;
	j.y = y;
	tr_range(t, p->n * p->m, 1, fwd_planes, &j);
}

/*
 * One image, one output channel: sums of dy . x per tap into sw (double),
 * and dx += k (*) dy.
 */
static void bwd_plane(const struct opr_window *g, const float *x, const float *k,
		      const float *dy, float *dx, double *sw)
{
	int64_t a, c, oh, ow, lo, hi;

	for (a = 0; a < g->k[0]; a++)
		for (c = 0; c < g->k[1]; c++) {
			int64_t off = c * g->d[1] - g->pb[1], s = g->s[1];
			float kv = k[a * g->k[1] + c];
			double tap = 0;

			col_range(g->out[1], g->in[1], s, off, &lo, &hi);
			for (oh = 0; oh < g->out[0] && lo < hi; oh++) {
				int64_t ih = oh * g->s[0] - g->pb[0] + a * g->d[0];
				const float *dyr = dy + oh * g->out[1];
				float part = 0;

				if (ih < 0 || ih >= g->in[0])
					continue;
				if (sw) {
					const float *xr = x + ih * g->in[1];

					for (ow = lo; ow < hi; ow++)
						part += dyr[ow] * xr[ow * s + off];
					tap += part;
				}
				if (dx) {
					float *xr = dx + ih * g->in[1];

					for (ow = lo; ow < hi; ow++)
						xr[ow * s + off] += kv * dyr[ow];
				}
			}
			if (sw)
				sw[a * g->k[1] + c] += tap;
		}
}

/*
 * Stride 1, one input channel c over all images, on padded planes as in
 * op_conv_shift.c: per tap, dW is one long dot product of the padded dy
 * (read from its first element on: zero past OW on the pitch) with the
 * padded x shifted by the tap, and dX one long axpy of the padded dy
 * shifted by the flipped tap into a pitched dX.
 */
static void bwd_channel_s1(const struct dw_job *j, int64_t c, int tid)
{
	const struct tconv *p = j->p;
	const struct opr_window *g = &p->gm;
	int64_t kk = g->k[0] * g->k[1], H = g->in[0], W = g->in[1];
	int64_t OH = g->out[0], OW = g->out[1], P = p->wp, n, i, a, b, ih;
	int64_t ry = (g->k[0] - 1) * g->d[0], rx = (g->k[1] - 1) * g->d[1];
	float *xp = tr_scratch(j->t, tid), *dyq, *dxq;
	double sw[64] = { 0 }, sb[64] = { 0 };

	dyq = xp + (p->hp * P + TR_ALIGN - 1) / TR_ALIGN * TR_ALIGN;
	dxq = dyq + (p->hq * P + TR_ALIGN - 1) / TR_ALIGN * TR_ALIGN;
	for (i = 0; i < p->mg; i++) {
		int64_t mo = c * p->mg + i;
		const float *k = j->w + mo * kk;

		memset(sw, 0, sizeof(sw));
		for (n = 0; n < p->n; n++) {
			const float *dy = j->dy + (n * p->m + mo) * p->p;

			if (i == 0 && j->dx)
				memset(dxq, 0, (size_t)(H * P) * sizeof(float));
			tr_conv_place(dy, 1, OH, OW, ry, rx, p->hq, P, 0, dyq);
			if (j->dw)
				tr_conv_place(j->x + (n * p->c + c) * p->hw, 1, H, W,
					      g->pb[0], g->pb[1], p->hp, P, 0, xp);
			for (a = 0; a < g->k[0]; a++)
				for (b = 0; b < g->k[1]; b++) {
					if (j->dw)
						sw[a * g->k[1] + b] += tk_dot(
							dyq + ry * P + rx,
							xp + a * g->d[0] * P + b * g->d[1],
							OH * P);
					if (j->dx)
						tk_axpy(dxq, dyq + (g->pb[0] + ry - a * g->d[0]) * P +
							g->pb[1] + rx - b * g->d[1], H * P,
							k[a * g->k[1] + b]);
				}
			if (j->db)
				sb[i] += tk_sum(dy, p->p);
			if (j->dx && i == p->mg - 1)
				for (ih = 0; ih < H; ih++)
					tr_put(j->dx + ((n * p->c + c) * H + ih) * W,
					       dxq + ih * P, W, 1.0f, j->acc_x);
		}
		for (a = 0; j->dw && a < kk; a++)
			j->dw[mo * kk + a] = (float)((j->acc_w ? j->dw[mo * kk + a] : 0) +
						     sw[a]);
		if (j->db)
			j->db[mo] = (float)((j->acc_b ? j->db[mo] : 0) + sb[i]);
	}
}

/* Input channels [c0, c1): their dX over all images, their outputs' dW, db. */
static void bwd_channels(void *arg, int64_t c0, int64_t c1, int tid)
{
	const struct dw_job *j = arg;
	const struct tconv *p = j->p;
	const struct opr_window *g = &p->gm;
	int64_t kk = g->k[0] * g->k[1], c, n, i, q;
	double sw[64], sb;

	if (g->s[0] == 1 && g->s[1] == 1 && p->mg == 1) {
		for (c = c0; c < c1; c++)
			bwd_channel_s1(j, c, tid);
		return;
	}
	for (c = c0; c < c1; c++) {
		for (n = 0; j->dx && !j->acc_x && n < p->n; n++)
			memset(j->dx + (n * p->c + c) * p->hw, 0,
			       (size_t)p->hw * sizeof(float));
		for (i = 0; i < p->mg; i++) {
			int64_t mo = c * p->mg + i;
			double *s = j->dw && kk <= 64 ? sw : NULL;

			memset(sw, 0, sizeof(sw));
			sb = 0;
			for (n = 0; n < p->n; n++) {
				const float *dy = j->dy + (n * p->m + mo) * p->p;

				bwd_plane(g, j->x + (n * p->c + c) * p->hw,
					  j->w + mo * kk, dy,
					  j->dx ? j->dx + (n * p->c + c) * p->hw : NULL, s);
				if (j->db)
					sb += tk_sum(dy, p->p);
			}
			for (q = 0; s && q < kk; q++)
				j->dw[mo * kk + q] = (float)((j->acc_w ?
					j->dw[mo * kk + q] : 0) + sw[q]);
			if (j->db)
				j->db[mo] = (float)((j->acc_b ? j->db[mo] : 0) + sb);
		}
	}
}

void tr_conv_dw_bwd(struct opr_train *t, const struct tconv *p,
		    const float *x, const float *w, const float *dy, float *dx,
		    int acc_x, float *dw, int acc_w, float *db, int acc_b)
{
	struct dw_job j = { 0 };

	j.t = t;
	j.p = p;
	j.x = x;
	j.w = w;
	j.dy = dy;
	j.dx = dx;
	j.dw = dw;
	j.db = db;
	j.acc_x = acc_x;
	j.acc_w = acc_w;
	j.acc_b = acc_b;
	tr_range(t, p->c, 1, bwd_channels, &j);
}
