/*
 * conv_dw.c - the direct kernel of depthwise Conv (one input channel per
 * group, any channel multiplier): per output row, the taps of each valid
 * kernel row are added across the interior columns without bounds checks,
 * and the border columns with them.  A fused residual and clamp are
 * applied to each plane once it is done.  Undilated convs with stride 1
 * or 2 on both axes run the kernel table's dw_plane instead (kern.h).
 */
#include <math.h>

#include "runtime/ops/conv.h"

/* First and one-past-last output column whose taps all lie inside. */
static void interior(const struct opr_window *g, int64_t *lo, int64_t *hi)
{
	int64_t s = g->s[1], pad = g->pb[1], last = (g->k[1] - 1) * g->d[1];

	*lo = (pad + s - 1) / s;
	*hi = g->in[1] - 1 - last + pad >= 0 ?
	      (g->in[1] - 1 - last + pad) / s + 1 : 0;
	if (*hi > g->out[1])
		*hi = g->out[1];
	if (*lo > *hi)
		*lo = *hi;
}

static void dw_row(const struct opr_window *g, const float *x, const float *w,
		   float *y, int64_t oh, int64_t lo, int64_t hi)
{
	int64_t H = g->in[0], W = g->in[1], ki, kj, ow;
	int64_t sw = g->s[1];

	for (ki = 0; ki < g->k[0]; ki++) {
		int64_t ih = oh * g->s[0] - g->pb[0] + ki * g->d[0];
		const float *xr = x + ih * W;

		if (ih < 0 || ih >= H)
			continue;
		for (kj = 0; kj < g->k[1]; kj++) {
			float wv = w[ki * g->k[1] + kj];
			int64_t off = kj * g->d[1] - g->pb[1];

			for (ow = 0; ow < lo; ow++) {
				int64_t iw = ow * sw + off;

				if (iw >= 0 && iw < W)
					y[ow] += wv * xr[iw];
			}
			if (sw == 1)
				for (ow = lo; ow < hi; ow++)
					y[ow] += wv * xr[ow + off];
			else
				for (ow = lo; ow < hi; ow++)
					y[ow] += wv * xr[ow * sw + off];
			for (ow = hi; ow < g->out[1]; ow++) {
				int64_t iw = ow * sw + off;

				if (iw >= 0 && iw < W)
					y[ow] += wv * xr[iw];
			}
		}
	}
}

static void dw_planes(void *arg, int64_t q0, int64_t q1, int tid)
{
	const struct conv_job *j = arg;
	const struct conv_param *p = j->p;
	const struct opr_window *g = &p->gm;
	int64_t q, oh, ow, lo, hi, kk = g->k[0] * g->k[1];
	int fast = g->d[0] == 1 && g->d[1] == 1 && g->s[0] == g->s[1] &&
		   (g->s[0] == 1 || g->s[0] == 2);

	(void)tid;
	interior(g, &lo, &hi);
	for (q = q0; q < q1; q++) {
		int64_t n = q / p->m, m = q % p->m, c = m / p->mg, i;
		const float *x = j->x + (n * p->c + c) * p->hw;
		const float *r = j->res ? j->res + q * p->p : NULL;
		float *y = j->y + q * p->p;
		float bias = j->b ? j->b[m] : 0;

		if (fast) {
			p->kern->dw_plane(x, g->in[0], g->in[1], j->w + m * kk, g->k[0],
					  g->k[1], g->s[1], g->pb[0], g->pb[1], y,
					  g->out[0], g->out[1], bias, r, p->lo, p->hi);
			continue;
		}

		for (oh = 0; oh < g->out[0]; oh++) {
			float *yr = y + oh * g->out[1];

			for (ow = 0; ow < g->out[1]; ow++)
				yr[ow] = bias;
			dw_row(g, x, j->w + m * kk, yr, oh, lo, hi);
		}
		if (r)
			for (i = 0; i < p->p; i++)
				y[i] += r[i];
		if (p->lo > -INFINITY || p->hi < INFINITY)
			for (i = 0; i < p->p; i++)
				y[i] = y[i] < p->lo ? p->lo : y[i] > p->hi ? p->hi : y[i];
	}
}

void opr_rt_conv_dw(const struct conv_job *j)
{
	double plane = (double)j->p->p * (double)j->p->kk;

	opr_rt_parallel_range(j->rt, j->p->n * j->p->m,
			  (int64_t)(opr_rt_par_min() / (plane > 1 ? plane : 1)) + 1,
			  dw_planes, (void *)j);
}
