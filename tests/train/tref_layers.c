/* Used by train_grad_ops*, train_grad_models via tref.c: unreadable nodes abort at file:line. */
/*
 * tref_layers.c - the reference's Conv, BatchNormalization, pools and
 * reductions, Gemm and MatMul (see tref.c), naive loops in double.
 */
#include <math.h>
#include <string.h>

#include "tref_internal.h"

/* Spatial geometry of Conv / pools as 2-D (rank 3 has H = 1). */
struct geo {
	int64_t H, W, OH, OW, KH, KW, s[2], d[2], pb[2], pe[2];
};

static void read_geo(const struct tref *r, const struct opr_node *nd,
		     int64_t kh, int64_t kw, struct geo *q)
{
	const struct opr_attr *ap = opr_node_attr(nd, "auto_pad");
	int rk = tref_rank(r, IN(0)), two = rk == 4;
	int64_t v[8], k;

	TREQUIRE(rk == 3 || rk == 4,
		"%s '%s': rank %d, the reference handles 3 and 4",
		       nd->op_type, nd->name, rk);
	TREQUIRE(!ap || !ap->s || !strcmp(ap->s, "NOTSET"),
		"%s '%s': auto_pad %s, the reference reads pads only",
		       nd->op_type, nd->name, ap->s);
	q->H = two ? r->dims[IN(0)][2] : 1;
	q->W = r->dims[IN(0)][rk - 1];
	q->OH = two ? r->dims[OUT(0)][2] : 1;
	q->OW = r->dims[OUT(0)][rk - 1];
	q->KH = kh;
	q->KW = kw;
	q->s[0] = q->s[1] = q->d[0] = q->d[1] = 1;
	q->pb[0] = q->pb[1] = q->pe[0] = q->pe[1] = 0;
	if (tref_attr_ints(nd, "kernel_shape", v, 8)) {
		q->KH = two ? v[0] : 1;
		q->KW = v[two];
	}
	if (tref_attr_ints(nd, "strides", v, 8)) {
		q->s[0] = two ? v[0] : 1;
		q->s[1] = v[two];
	}
	if (tref_attr_ints(nd, "dilations", v, 8)) {
		q->d[0] = two ? v[0] : 1;
		q->d[1] = v[two];
	}
	if ((k = tref_attr_ints(nd, "pads", v, 8))) {
		q->pb[0] = two ? v[0] : 0;
		q->pb[1] = v[two];
		q->pe[0] = two ? v[2] : 0;
		q->pe[1] = v[two ? 3 : 1];
	}
}

void tref_conv(struct tref *r, const struct opr_node *nd)
{
	const double *x = r->v[IN(0)], *w = r->v[IN(1)];
	const double *b = nd->n_in > 2 && IN(2) >= 0 ? r->v[IN(2)] : NULL;
	const int64_t *wd = r->dims[IN(1)];
	int rk = tref_rank(r, IN(0));
	int64_t N = r->n, C = r->dims[IN(0)][1], M = wd[0], G, cg, mg;
	int64_t n, m, oh, ow, c, a, bb;
	double *y = r->v[OUT(0)];
	struct geo q;

	read_geo(r, nd, rk == 4 ? wd[2] : 1, wd[rk - 1], &q);
	G = opr_node_attr_int(nd, "group", 1);
	cg = C / G;
	mg = M / G;
	for (n = 0; n < N; n++)
		for (m = 0; m < M; m++)
			for (oh = 0; oh < q.OH; oh++)
				for (ow = 0; ow < q.OW; ow++) {
					double s = b ? b[m] : 0;

					for (c = 0; c < cg; c++)
						for (a = 0; a < q.KH; a++)
							for (bb = 0; bb < q.KW; bb++) {
								int64_t ih = oh * q.s[0] - q.pb[0] + a * q.d[0];
								int64_t iw = ow * q.s[1] - q.pb[1] + bb * q.d[1];

								if (ih < 0 || ih >= q.H || iw < 0 || iw >= q.W)
									continue;
								s += x[((n * C + (m / mg) * cg + c) * q.H + ih) *
								       q.W + iw] *
								     w[((m * cg + c) * q.KH + a) * q.KW + bb];
							}
					y[((n * M + m) * q.OH + oh) * q.OW + ow] = s;
				}
}

void tref_batchnorm(struct tref *r, const struct opr_node *nd)
{
	const double *x = r->v[IN(0)], *sc = r->v[IN(1)], *bi = r->v[IN(2)];
	const double *rm = r->v[IN(3)], *rv = r->v[IN(4)];
	int64_t N = r->n, C = r->dims[IN(0)][1], S = r->numel[IN(0)] / (N * C);
	double eps = opr_node_attr_float(nd, "epsilon", 1e-5f);
	double *y = r->v[OUT(0)];
	int64_t c, n, i;

	for (c = 0; c < C; c++) {
		double mean = 0, var = 0;

		if (r->training) {
			for (n = 0; n < N; n++)
				for (i = 0; i < S; i++)
					mean += x[(n * C + c) * S + i];
			mean /= (double)(N * S);
			for (n = 0; n < N; n++)
				for (i = 0; i < S; i++) {
					double d = x[(n * C + c) * S + i] - mean;

					var += d * d;
				}
			var /= (double)(N * S);
		} else {
			mean = rm[c];
			var = rv[c];
		}
		for (n = 0; n < N; n++)
			for (i = 0; i < S; i++)
				y[(n * C + c) * S + i] = (x[(n * C + c) * S + i] - mean) /
							 sqrt(var + eps) * sc[c] + bi[c];
	}
}

void tref_pool(struct tref *r, const struct opr_node *nd)
{
	const double *x = r->v[IN(0)];
	double *y = r->v[OUT(0)];
	int64_t planes = r->n * r->dims[IN(0)][1], p, oh, ow, a, b;
	int cip = opr_node_attr_int(nd, "count_include_pad", 0) != 0;
	int mx = nd->op == OPR_OP_MAXPOOL;
	struct geo q;

	read_geo(r, nd, 1, 1, &q);
	for (p = 0; p < planes; p++)
		for (oh = 0; oh < q.OH; oh++)
			for (ow = 0; ow < q.OW; ow++) {
				double s = mx ? -INFINITY : 0, cnt = 0, all = 0;

				for (a = 0; a < q.KH; a++)
					for (b = 0; b < q.KW; b++) {
						int64_t ih = oh * q.s[0] - q.pb[0] + a * q.d[0];
						int64_t iw = ow * q.s[1] - q.pb[1] + b * q.d[1];
						double v;

						if (ih < q.H + q.pe[0] && iw < q.W + q.pe[1])
							all++;
						if (ih < 0 || ih >= q.H || iw < 0 || iw >= q.W)
							continue;
						v = x[(p * q.H + ih) * q.W + iw];
						s = mx ? fmax(s, v) : s + v;
						cnt++;
					}
				y[(p * q.OH + oh) * q.OW + ow] = mx ? s : s / (cip ? all : cnt);
			}
}

void tref_reduce(struct tref *r, const struct opr_node *nd)
{
	const double *x = r->v[IN(0)];
	double *y = r->v[OUT(0)];
	int rk = tref_rank(r, IN(0)), a, all = 0, k;
	int64_t ax[OPR_MAX_RANK], idx[OPR_MAX_RANK], od[OPR_MAX_RANK], i, cnt = 1;
	char red[OPR_MAX_RANK] = { 0 };
	int na;

	if (nd->op == OPR_OP_GLOBALAVERAGEPOOL || nd->op == OPR_OP_GLOBALMAXPOOL) {
		for (a = 2; a < rk; a++)
			red[a] = 1;
	} else {
		na = tref_attr_ints(nd, "axes", ax, OPR_MAX_RANK);
		if (!na)
			na = tref_ints(r, nd->n_in > 1 ? IN(1) : -1, ax,
				       OPR_MAX_RANK);
		for (k = 0; k < na; k++) {
			TREQUIRE(ax[k] >= -rk && ax[k] < rk,
				"ReduceMean '%s': axis %lld of rank %d",
				       nd->name, (long long)ax[k], rk);
			red[ax[k] < 0 ? ax[k] + rk : ax[k]] = 1;
		}
		all = !na;
	}
	for (a = 0; a < rk; a++) {
		red[a] |= all;
		od[a] = red[a] ? 1 : r->dims[IN(0)][a];
		cnt *= red[a] ? r->dims[IN(0)][a] : 1;
	}
	for (i = 0; i < r->numel[OUT(0)]; i++)
		y[i] = nd->op == OPR_OP_GLOBALMAXPOOL ? -INFINITY : 0;
	for (i = 0; i < r->numel[IN(0)]; i++) {
		int64_t o;

		tref_unravel(i, rk, r->dims[IN(0)], idx);
		for (a = 0; a < rk; a++)
			if (red[a])
				idx[a] = 0;
		o = tref_ravel(rk, od, idx);
		if (nd->op == OPR_OP_GLOBALMAXPOOL)
			y[o] = fmax(y[o], x[i]);
		else
			y[o] += x[i] / (double)cnt;
	}
}

void tref_gemm(struct tref *r, const struct opr_node *nd)
{
	const double *A = r->v[IN(0)], *B = r->v[IN(1)];
	int ta = opr_node_attr_int(nd, "transA", 0), tb = opr_node_attr_int(nd, "transB", 0);
	double al = opr_node_attr_float(nd, "alpha", 1), be = opr_node_attr_float(nd, "beta", 1);
	int64_t M = r->dims[OUT(0)][0], N = r->dims[OUT(0)][1];
	int64_t K = r->dims[IN(0)][ta ? 0 : 1], i, j, k, oi[2];
	int hc = nd->n_in > 2 && IN(2) >= 0;
	double *y = r->v[OUT(0)];

	for (i = 0; i < M; i++)
		for (j = 0; j < N; j++) {
			double s = 0;

			for (k = 0; k < K; k++)
				s += (ta ? A[k * M + i] : A[i * K + k]) *
				     (tb ? B[j * K + k] : B[k * N + j]);
			s *= al;
			oi[0] = i;
			oi[1] = j;
			if (hc)
				s += be * r->v[IN(2)][tref_bidx(tref_rank(r, IN(2)),
							   r->dims[IN(2)], 2, oi)];
			y[i * N + j] = s;
		}
}

void tref_matmul(struct tref *r, const struct opr_node *nd)
{
	int ra = tref_rank(r, IN(0)), rb = tref_rank(r, IN(1)), ro = tref_rank(r, OUT(0));
	const int64_t *da = r->dims[IN(0)], *db = r->dims[IN(1)], *dd = r->dims[OUT(0)];
	int64_t M = da[ra - 2], K = da[ra - 1], N = db[rb - 1], i, k;
	int64_t oi[OPR_MAX_RANK], ai[OPR_MAX_RANK], bi[OPR_MAX_RANK];
	double *y = r->v[OUT(0)];
	int a;

	for (i = 0; i < r->numel[OUT(0)]; i++) {
		double s = 0;

		tref_unravel(i, ro, dd, oi);
		for (a = 0; a < ra - 2; a++)
			ai[a] = da[a] == 1 ? 0 : oi[a + ro - ra];
		for (a = 0; a < rb - 2; a++)
			bi[a] = db[a] == 1 ? 0 : oi[a + ro - rb];
		for (k = 0; k < K; k++) {
			ai[ra - 2] = oi[ro - 2];
			ai[ra - 1] = k;
			bi[rb - 2] = k;
			bi[rb - 1] = oi[ro - 1];
			s += r->v[IN(0)][tref_ravel(ra, da, ai)] * r->v[IN(1)][tref_ravel(rb, db, bi)];
		}
		y[i] = s;
	}
	(void)M;
	(void)N;
}

