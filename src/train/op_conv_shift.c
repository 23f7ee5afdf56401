/*
 * op_conv_shift.c - stride-1 Conv for training without im2col.
 *
 * Lay the input plane out zero-padded, Hp x Wp (Hp = H + pads, Wp = W +
 * pads, one more zero row so the last window may run past the end), and
 * compute the output on the same row pitch Wp: output column j = oh * Wp
 * + ow reads input j + ki * d0 * Wp + kj * d1 for tap (ki, kj).  Row (c,
 * ki, kj) of the im2col matrix is then a pointer into the padded plane
 * (tgemm.h, indirect operands), and
 *
 *   Y'  = W . B                 nn, M = mg, K = cg kh kw, N = OH Wp
 *   dX' = W~ . D                nn over dY zero-padded by (k - 1) d on
 *                               the top and left (the flipped taps)
 *   dW += dY' . B^T             nt; dY' is that padded dY read from its
 *                               first element on: on the same pitch, it
 *                               is zero past OW
 *
 * (one pitch for both: Wp = max(W + pl + pr, W + pl + (kw - 1) d1)).
 * The columns ow >= OW of Y' and iw >= W of dX' are the wrapped-around
 * garbage of the pitch; the copies into Y and dX drop them.  Each image
 * costs two plane copies instead of an im2col nine times the input.
 */
#include <math.h>
#include <string.h>

#include "train/op_conv.h"
#include "train/tkern.h"

#define GROUP_FLOATS (96 * 1024)	/* padded x and dy of a dW group */

static size_t up(size_t n)
{
	return (n + TR_ALIGN - 1) / TR_ALIGN * TR_ALIGN;
}

size_t tr_conv_shift_plan(struct tconv *p)
{
	const struct opr_window *g = &p->gm;
	int64_t kt = g->k[0] * g->k[1], ptrs, plane;
	int64_t ry = (g->k[0] - 1) * g->d[0], rx = (g->k[1] - 1) * g->d[1];
	int64_t a = g->in[1] + g->pb[1] + g->pe[1], b = g->in[1] + g->pb[1] + rx;
	size_t fwd, bwd;

	p->hp = g->in[0] + g->pb[0] + g->pe[0] + 1;
	p->wp = p->wq = a > b ? a : b;	/* one pitch: dY serves dW and dX */
	a = g->in[0] + g->pb[0] + ry;
	b = ry + g->out[0];
	p->hq = (a > b ? a : b) + 1;
	p->rows = p->hp > p->hq ? p->hp : p->hq;	/* one plane size too */
	plane = p->rows * p->wp;
	p->grp = GROUP_FLOATS / ((p->cg + p->mg) * plane);
	p->grp = p->grp < 1 ? 1 : p->grp;
	ptrs = 2 * (p->kk > p->mg * kt ? p->kk : p->mg * kt);
	fwd = up((size_t)(p->cg * p->hp * p->wp)) +
	      up((size_t)(p->mg * g->out[0] * p->wp)) + up((size_t)ptrs);
	bwd = up((size_t)(p->cg * p->grp * plane)) +
	      up((size_t)(p->mg * p->grp * plane)) +
	      up((size_t)(p->cg * g->in[0] * p->wq)) + up((size_t)ptrs);
	return fwd > bwd ? fwd : bwd;
}

void tr_conv_place(const float *src, int64_t c, int64_t h, int64_t w,
		   int64_t r0, int64_t c0, int64_t rows, int64_t cols,
		   int64_t cstride, float *dst)
{
	int64_t k, r, n = w < cols - c0 ? w : cols - c0;

	for (k = 0; k < c; k++)
		for (r = 0; r < rows; r++) {
			float *d = dst + k * cstride + r * cols;
			int64_t sr = r - r0;

			if (sr < 0 || sr >= h || n <= 0) {
				memset(d, 0, (size_t)cols * sizeof(float));
				continue;
			}
			memset(d, 0, (size_t)c0 * sizeof(float));
			memcpy(d + c0, src + (k * h + sr) * w, (size_t)n * sizeof(float));
			memset(d + c0 + n, 0, (size_t)(cols - c0 - n) * sizeof(float));
		}
}

/* Pointers to tap (ki, kj) of channel c of padded planes, for every c, tap. */
static void taps(const struct tconv *p, const float *base, int64_t ch,
		 int64_t plane, int64_t pitch, int flip, int64_t off,
		 const float **ptr)
{
	const struct opr_window *g = &p->gm;
	int64_t c, ki, kj;

	for (c = 0; c < ch; c++)
		for (ki = 0; ki < g->k[0]; ki++)
			for (kj = 0; kj < g->k[1]; kj++) {
				int64_t a = flip ? g->k[0] - 1 - ki : ki;
				int64_t b = flip ? g->k[1] - 1 - kj : kj;

				*ptr++ = base + c * plane + off + a * g->d[0] * pitch +
					 b * g->d[1];
			}
}

void tr_conv_shift_fwd(const struct conv_job *j, int64_t n, int64_t gi,
		       int tid)
{
	const struct tconv *p = j->p;
	const struct opr_window *g = &p->gm;
	const float *x = j->x + (n * p->c + gi * p->cg) * p->hw;
	int64_t OH = g->out[0], OW = g->out[1], m, oh;
	float *xp = tr_scratch(j->t, tid);
	float *yp = xp + up((size_t)(p->cg * p->hp * p->wp));
	const float **ptr = (const float **)(void *)(yp +
			    up((size_t)(p->mg * OH * p->wp)));

	tr_conv_place(x, p->cg, g->in[0], g->in[1], g->pb[0], g->pb[1], p->hp,
		      p->wp, p->hp * p->wp, xp);
	taps(p, xp, p->cg, p->hp * p->wp, p->wp, 0, 0, ptr);
	p->gemm->nn(p->mg, OH * p->wp, p->kk, j->w + gi * p->mg * p->kk, p->kk,
		    ptr, 0, yp, OH * p->wp, 0);
	for (m = 0; m < p->mg; m++) {
		float b = j->b ? j->b[gi * p->mg + m] : 0.0f;
		float *y = j->y + ((n * p->m + gi * p->mg + m) * OH) * OW;

		for (oh = 0; oh < OH; oh++)
			tk_affine(yp + (m * OH + oh) * p->wp, y + oh * OW, OW, 1.0f, b,
				  -INFINITY, INFINITY);
	}
}

/* dX of image i of the group (its padded dy at dyg + i * plane). */
static void group_dx(const struct conv_job *j, int64_t n, int64_t gi,
		     const float *dyg, int64_t cnt, int64_t i, float *dxq,
		     const float **ptr)
{
	const struct tconv *p = j->p;
	const struct opr_window *g = &p->gm;
	int64_t H = g->in[0], W = g->in[1], kt = g->k[0] * g->k[1], c, ih;
	int64_t plane = p->rows * p->wp;
	float *dx = j->dx + ((n + i) * p->c + gi * p->cg) * p->hw;

	taps(p, dyg + i * plane, p->mg, cnt * plane, p->wq, 1,
	     g->pb[0] * p->wq + g->pb[1], ptr);
	p->gemm->nn(p->cg, H * p->wq, p->mg * kt, j->wt + gi * p->cg * p->mg * kt,
		    p->mg * kt, ptr, 0, dxq, H * p->wq, 0);
	for (c = 0; c < p->cg; c++)
		for (ih = 0; ih < H; ih++)
			tr_put(dx + (c * H + ih) * W, dxq + (c * H + ih) * p->wq, W,
			       1.0f, j->acc_x);
}

void tr_conv_shift_bwd(const struct conv_job *j, int64_t n0, int64_t n1,
		       int64_t gi, float *dw, int tid)
{
	const struct tconv *p = j->p;
	const struct opr_window *g = &p->gm;
	int64_t OH = g->out[0], OW = g->out[1], H = g->in[0], W = g->in[1];
	int64_t ry = (g->k[0] - 1) * g->d[0], rx = (g->k[1] - 1) * g->d[1];
	int64_t plane = p->rows * p->wp, n, i, cnt;
	float *xg = tr_scratch(j->t, tid), *dyg, *dxq;
	const float **ptr;

	dyg = xg + up((size_t)(p->cg * p->grp * plane));
	dxq = dyg + up((size_t)(p->mg * p->grp * plane));
	ptr = (const float **)(void *)(dxq + up((size_t)(p->cg * H * p->wq)));
	for (n = n0; n < n1; n += cnt) {
		cnt = n1 - n < p->grp ? n1 - n : p->grp;
		/* per channel, the group's dy planes one after the other,
		 * zero-padded by (k - 1) d on the top and left */
		for (i = 0; i < cnt; i++)
			tr_conv_place(j->dy + ((n + i) * p->m + gi * p->mg) * p->p,
				      p->mg, OH, OW, ry, rx, p->rows, p->wq,
				      cnt * plane, dyg + i * plane);
		if (j->dw) {
			for (i = 0; i < cnt; i++)
				tr_conv_place(j->x + ((n + i) * p->c + gi * p->cg) * p->hw,
					      p->cg, H, W, g->pb[0], g->pb[1], p->rows,
					      p->wp, cnt * plane, xg + i * plane);
			/* one dot per (m, tap) over all the group: dy is zero
			 * from past one image's rows to the next one's */
			taps(p, xg, p->cg, cnt * plane, p->wp, 0, 0, ptr);
			p->gemm->nt(p->mg, p->kk, (cnt - 1) * plane + OH * p->wp,
				    dyg + ry * p->wq + rx, cnt * plane, ptr, dw, p->kk, 1);
		}
		for (i = 0; j->dx && i < cnt; i++)
			group_dx(j, n, gi, dyg, cnt, i, dxq, ptr);
	}
}

void tr_conv_shift_wt(const struct tconv *p, const float *w, float *wt)
{
	int64_t kt = p->gm.k[0] * p->gm.k[1], gi, c, m;

	for (gi = 0; gi < p->group; gi++)
		for (c = 0; c < p->cg; c++)
			for (m = 0; m < p->mg; m++)
				memcpy(wt + ((gi * p->cg + c) * p->mg + m) * kt,
				       w + ((gi * p->mg + m) * p->cg + c) * kt,
				       (size_t)kt * sizeof(float));
}
