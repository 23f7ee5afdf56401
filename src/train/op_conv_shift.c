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

static size_t up(size_t n)
{
	return (n + TR_ALIGN - 1) / TR_ALIGN * TR_ALIGN;
}

size_t tr_conv_shift_plan(struct tconv *p)
{
	const struct tr_geom *g = &p->gm;
	int64_t kt = g->k[0] * g->k[1], ptrs;
	size_t xp, fwd, bwd;

	int64_t ry = (g->k[0] - 1) * g->d[0], rx = (g->k[1] - 1) * g->d[1];
	int64_t a = g->in[1] + g->pb[1] + g->pe[1], b = g->in[1] + g->pb[1] + rx;

	p->hp = g->in[0] + g->pb[0] + g->pe[0] + 1;
	p->wp = p->wq = a > b ? a : b;	/* one pitch: dY serves dW and dX */
	a = g->in[0] + g->pb[0] + ry;
	b = ry + g->out[0];
	p->hq = (a > b ? a : b) + 1;
	ptrs = 2 * (p->kk > p->mg * kt ? p->kk : p->mg * kt);
	xp = up((size_t)(p->cg * p->hp * p->wp));
	fwd = xp + up((size_t)(p->mg * g->out[0] * p->wp)) + up((size_t)ptrs);
	bwd = xp + up((size_t)(p->mg * p->hq * p->wq)) +
	      up((size_t)(p->cg * g->in[0] * p->wq)) + up((size_t)ptrs);
	return fwd > bwd ? fwd : bwd;
}

void tr_conv_place(const float *src, int64_t c, int64_t h, int64_t w,
		   int64_t r0, int64_t c0, int64_t rows, int64_t cols, float *dst)
{
	int64_t k, r, n = w < cols - c0 ? w : cols - c0;

	for (k = 0; k < c; k++)
		for (r = 0; r < rows; r++) {
			float *d = dst + (k * rows + r) * cols;
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
	const struct tr_geom *g = &p->gm;
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

/*
 * Scratch regions of thread tid: the padded x, then for the forward the
 * pitched y and the pointers, for the backward the padded dy, the pitched
 * dx and the pointers.
 */
struct regions {
	float *xp, *yp, *dyq, *dxq;
	const float **ptr;
};

static void regions(const struct conv_job *j, int tid, int bwd,
		    struct regions *r)
{
	const struct tconv *p = j->p;
	float *s = tr_scratch(j->t, tid);

	r->xp = s;
	s += up((size_t)(p->cg * p->hp * p->wp));
	r->yp = r->dyq = r->dxq = s;
	if (bwd) {
		s += up((size_t)(p->mg * p->hq * p->wq));
		r->dxq = s;
		s += up((size_t)(p->cg * p->gm.in[0] * p->wq));
	} else {
		s += up((size_t)(p->mg * p->gm.out[0] * p->wp));
	}
	r->ptr = (const float **)(void *)s;
}

void tr_conv_shift_fwd(const struct conv_job *j, int64_t n, int64_t gi,
		       int tid)
{
	const struct tconv *p = j->p;
	const struct tr_geom *g = &p->gm;
	const float *x = j->x + (n * p->c + gi * p->cg) * p->hw;
	int64_t OH = g->out[0], OW = g->out[1], m, oh;
	struct regions r;

	regions(j, tid, 0, &r);
	tr_conv_place(x, p->cg, g->in[0], g->in[1], g->pb[0], g->pb[1], p->hp, p->wp,
	      r.xp);
	taps(p, r.xp, p->cg, p->hp * p->wp, p->wp, 0, 0, r.ptr);
	p->gemm->nn(p->mg, OH * p->wp, p->kk, j->w + gi * p->mg * p->kk, p->kk,
		    r.ptr, 0, r.yp, OH * p->wp, 0);
	for (m = 0; m < p->mg; m++) {
		float b = j->b ? j->b[gi * p->mg + m] : 0.0f;
		float *y = j->y + ((n * p->m + gi * p->mg + m) * OH) * OW;

		for (oh = 0; oh < OH; oh++)
			tk_affine(r.yp + (m * OH + oh) * p->wp, y + oh * OW, OW,
				  1.0f, b, -INFINITY, INFINITY);
	}
}

void tr_conv_shift_bwd(const struct conv_job *j, int64_t n, int64_t gi,
		       float *dw, int tid)
{
	const struct tconv *p = j->p;
	const struct tr_geom *g = &p->gm;
	int64_t OH = g->out[0], OW = g->out[1], H = g->in[0], W = g->in[1];
	int64_t kt = g->k[0] * g->k[1], c, ih;
	int64_t ry = (g->k[0] - 1) * g->d[0], rx = (g->k[1] - 1) * g->d[1];
	const float *dy = j->dy + (n * p->m + gi * p->mg) * p->p;
	struct regions r;

	regions(j, tid, 1, &r);
	/* dy zero-padded by (k - 1) d on the top and left, on pitch wq = wp */
	tr_conv_place(dy, p->mg, OH, OW, ry, rx, p->hq, p->wq, r.dyq);
	if (j->dw) {
		const float *x = j->x + (n * p->c + gi * p->cg) * p->hw;

		/* dY' rows: from (ry, rx) on, OH * wp long, zero past OW */
		tr_conv_place(x, p->cg, H, W, g->pb[0], g->pb[1], p->hp, p->wp, r.xp);
		taps(p, r.xp, p->cg, p->hp * p->wp, p->wp, 0, 0, r.ptr);
		p->gemm->nt(p->mg, p->kk, OH * p->wp, r.dyq + ry * p->wq + rx,
			    p->hq * p->wq, r.ptr, dw, p->kk, 1);
	}
	if (j->dx) {
		float *dx = j->dx + (n * p->c + gi * p->cg) * p->hw;

		taps(p, r.dyq, p->mg, p->hq * p->wq, p->wq, 1,
		     g->pb[0] * p->wq + g->pb[1], r.ptr);
		p->gemm->nn(p->cg, H * p->wq, p->mg * kt,
			    j->wt + gi * p->cg * p->mg * kt, p->mg * kt, r.ptr, 0,
			    r.dxq, H * p->wq, 0);
		for (c = 0; c < p->cg; c++)
			for (ih = 0; ih < H; ih++)
				tr_put(dx + (c * H + ih) * W,
				       r.dxq + (c * H + ih) * p->wq, W, 1.0f, j->acc_x);
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
