/*
 * tref.c - the training tests' reference forward, in double, written apart
 * from the engine: every op is a naive loop over multi-indices, shapes
 * come from the graph's shape inference (-1 = the batch), window
 * positions from the output shape.  BatchNormalization uses batch
 * statistics (biased variance) when training, the running ones otherwise.
 * Slow and simple on purpose.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tcheck.h"

struct tref {
	const struct opr_graph *g;
	int n;				/* batch */
	int training;			/* BN with batch statistics */
	double **v;			/* per value, NULL when not float */
	int64_t *numel;			/* per value */
	int64_t (*dims)[OPR_MAX_RANK];	/* per value, batch resolved */
};

#define IN(k) (nd->in[k])
#define OUT(k) (nd->out[k])

static int rank_of(const struct tref *r, int v)
{
	return r->g->values[v].rank;
}

static void unravel(int64_t i, int rank, const int64_t *d, int64_t *idx)
{
	int a;

	for (a = rank - 1; a >= 0; a--) {
		idx[a] = d[a] ? i % d[a] : 0;
		i = d[a] ? i / d[a] : 0;
	}
}

static int64_t ravel(int rank, const int64_t *d, const int64_t *idx)
{
	int64_t o = 0;
	int a;

	for (a = 0; a < rank; a++)
		o = o * d[a] + idx[a];
	return o;
}

/* Int values of initializer v into out; returns the count (0 when v < 0). */
static int cints(const struct tref *r, int v, int64_t *out)
{
	const struct opr_value *gv;
	int64_t i, n = 1;

	if (v < 0)
		return 0;
	gv = &r->g->values[v];
	for (i = 0; i < gv->rank; i++)
		n *= gv->dims[i];
	for (i = 0; i < n; i++)
		out[i] = gv->dtype == OPR_DT_INT64 ? ((const int64_t *)gv->data)[i] :
			 ((const int32_t *)gv->data)[i];
	return (int)n;
}

static int attr_ints(const struct opr_node *nd, const char *name, int64_t *out)
{
	const struct opr_attr *a = opr_node_attr(nd, name);

	if (!a)
		return 0;
	memcpy(out, a->ints, (size_t)a->n * sizeof(int64_t));
	return a->n;
}

/* Index into a (rank ra, dims da) broadcast onto output index oi (rank ro). */
static int64_t bidx(int ra, const int64_t *da, int ro, const int64_t *oi)
{
	int64_t idx[OPR_MAX_RANK];
	int a;

	for (a = 0; a < ra; a++)
		idx[a] = da[a] == 1 ? 0 : oi[a + ro - ra];
	return ravel(ra, da, idx);
}

/* ---- ops ---- */

/* Spatial geometry of Conv / pools as 2-D (rank 3 has H = 1). */
struct geo {
	int64_t H, W, OH, OW, KH, KW, s[2], d[2], pb[2], pe[2];
};

static void read_geo(const struct tref *r, const struct opr_node *nd,
		     int64_t kh, int64_t kw, struct geo *q)
{
	int rk = rank_of(r, IN(0)), two = rk == 4;
	int64_t v[8], k;

	q->H = two ? r->dims[IN(0)][2] : 1;
	q->W = r->dims[IN(0)][rk - 1];
	q->OH = two ? r->dims[OUT(0)][2] : 1;
	q->OW = r->dims[OUT(0)][rk - 1];
	q->KH = kh;
	q->KW = kw;
	q->s[0] = q->s[1] = q->d[0] = q->d[1] = 1;
	q->pb[0] = q->pb[1] = q->pe[0] = q->pe[1] = 0;
	if (attr_ints(nd, "kernel_shape", v)) {
		q->KH = two ? v[0] : 1;
		q->KW = v[two];
	}
	if (attr_ints(nd, "strides", v)) {
		q->s[0] = two ? v[0] : 1;
		q->s[1] = v[two];
	}
	if (attr_ints(nd, "dilations", v)) {
		q->d[0] = two ? v[0] : 1;
		q->d[1] = v[two];
	}
	if ((k = attr_ints(nd, "pads", v))) {
		q->pb[0] = two ? v[0] : 0;
		q->pb[1] = v[two];
		q->pe[0] = two ? v[2] : 0;
		q->pe[1] = v[two ? 3 : 1];
	}
}

static void conv(struct tref *r, const struct opr_node *nd)
{
	const double *x = r->v[IN(0)], *w = r->v[IN(1)];
	const double *b = nd->n_in > 2 && IN(2) >= 0 ? r->v[IN(2)] : NULL;
	const int64_t *wd = r->dims[IN(1)];
	int rk = rank_of(r, IN(0));
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

static void batchnorm(struct tref *r, const struct opr_node *nd)
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

static double fscalar(const struct tref *r, const struct opr_node *nd, int k,
		      const char *attr, double dflt)
{
	if (nd->n_in > k && IN(k) >= 0)
		return r->v[IN(k)][0];
	return opr_node_attr_float(nd, attr, (float)dflt);
}

static void unary(struct tref *r, const struct opr_node *nd)
{
	const double *x = r->v[IN(0)];
	double *y = r->v[OUT(0)], lo = -INFINITY, hi = INFINITY;
	double al = opr_node_attr_float(nd, "alpha", nd->op == OPR_OP_LEAKYRELU ?
					0.01f : 0.2f);
	double be = opr_node_attr_float(nd, "beta", 0.5f);
	int64_t i;

	if (nd->op == OPR_OP_CLIP) {
		lo = fscalar(r, nd, 1, "min", -INFINITY);
		hi = fscalar(r, nd, 2, "max", INFINITY);
	}
	for (i = 0; i < r->numel[IN(0)]; i++) {
		double v = x[i];

		switch (nd->op) {
		case OPR_OP_RELU:
			y[i] = v > 0 ? v : 0;
			break;
		case OPR_OP_CLIP:
			y[i] = v < lo ? lo : v > hi ? hi : v;
			break;
		case OPR_OP_LEAKYRELU:
			y[i] = v >= 0 ? v : al * v;
			break;
		case OPR_OP_SIGMOID:
			y[i] = 1 / (1 + exp(-v));
			break;
		case OPR_OP_TANH:
			y[i] = tanh(v);
			break;
		case OPR_OP_HARDSIGMOID:
			y[i] = fmin(fmax(al * v + be, 0), 1);
			break;
		case OPR_OP_HARDSWISH:
			y[i] = v * fmin(fmax(v / 6 + 0.5, 0), 1);
			break;
		default:	/* the views */
			y[i] = v;
			break;
		}
	}
}

static void pool(struct tref *r, const struct opr_node *nd)
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

static void reduce(struct tref *r, const struct opr_node *nd)
{
	const double *x = r->v[IN(0)];
	double *y = r->v[OUT(0)];
	int rk = rank_of(r, IN(0)), a, all = 0, k;
	int64_t ax[OPR_MAX_RANK], idx[OPR_MAX_RANK], od[OPR_MAX_RANK], i, cnt = 1;
	char red[OPR_MAX_RANK] = { 0 };
	int na;

	if (nd->op == OPR_OP_GLOBALAVERAGEPOOL || nd->op == OPR_OP_GLOBALMAXPOOL) {
		for (a = 2; a < rk; a++)
			red[a] = 1;
	} else {
		na = attr_ints(nd, "axes", ax);
		if (!na)
			na = cints(r, nd->n_in > 1 ? IN(1) : -1, ax);
		for (k = 0; k < na; k++)
			red[ax[k] < 0 ? ax[k] + rk : ax[k]] = 1;
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

		unravel(i, rk, r->dims[IN(0)], idx);
		for (a = 0; a < rk; a++)
			if (red[a])
				idx[a] = 0;
		o = ravel(rk, od, idx);
		if (nd->op == OPR_OP_GLOBALMAXPOOL)
			y[o] = fmax(y[o], x[i]);
		else
			y[o] += x[i] / (double)cnt;
	}
}

static void gemm(struct tref *r, const struct opr_node *nd)
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
				s += be * r->v[IN(2)][bidx(rank_of(r, IN(2)),
							   r->dims[IN(2)], 2, oi)];
			y[i * N + j] = s;
		}
}

static void matmul(struct tref *r, const struct opr_node *nd)
{
	int ra = rank_of(r, IN(0)), rb = rank_of(r, IN(1)), ro = rank_of(r, OUT(0));
	const int64_t *da = r->dims[IN(0)], *db = r->dims[IN(1)], *dd = r->dims[OUT(0)];
	int64_t M = da[ra - 2], K = da[ra - 1], N = db[rb - 1], i, k;
	int64_t oi[OPR_MAX_RANK], ai[OPR_MAX_RANK], bi[OPR_MAX_RANK];
	double *y = r->v[OUT(0)];
	int a;

	for (i = 0; i < r->numel[OUT(0)]; i++) {
		double s = 0;

		unravel(i, ro, dd, oi);
		for (a = 0; a < ra - 2; a++)
			ai[a] = da[a] == 1 ? 0 : oi[a + ro - ra];
		for (a = 0; a < rb - 2; a++)
			bi[a] = db[a] == 1 ? 0 : oi[a + ro - rb];
		for (k = 0; k < K; k++) {
			ai[ra - 2] = oi[ro - 2];
			ai[ra - 1] = k;
			bi[rb - 2] = k;
			bi[rb - 1] = oi[ro - 1];
			s += r->v[IN(0)][ravel(ra, da, ai)] * r->v[IN(1)][ravel(rb, db, bi)];
		}
		y[i] = s;
	}
	(void)M;
	(void)N;
}

static void binary(struct tref *r, const struct opr_node *nd)
{
	int ro = rank_of(r, OUT(0));
	int64_t oi[OPR_MAX_RANK], i;
	double *y = r->v[OUT(0)];

	for (i = 0; i < r->numel[OUT(0)]; i++) {
		double a, b;

		unravel(i, ro, r->dims[OUT(0)], oi);
		a = r->v[IN(0)][bidx(rank_of(r, IN(0)), r->dims[IN(0)], ro, oi)];
		b = r->v[IN(1)][bidx(rank_of(r, IN(1)), r->dims[IN(1)], ro, oi)];
		y[i] = nd->op == OPR_OP_ADD ? a + b : nd->op == OPR_OP_SUB ? a - b :
		       nd->op == OPR_OP_MUL ? a * b : a / b;
	}
}

/* Concat (join) or Split (!join) along axis. */
static void joinsplit(struct tref *r, const struct opr_node *nd, int join)
{
	int big = join ? OUT(0) : IN(0), rk = rank_of(r, big), k, a;
	int64_t ax = opr_node_attr_int(nd, "axis", 0), idx[OPR_MAX_RANK], off = 0, i;
	int parts = join ? nd->n_in : nd->n_out;

	a = (int)(ax < 0 ? ax + rk : ax);
	for (k = 0; k < parts; k++) {
		int v = join ? IN(k) : OUT(k);

		if (v < 0)
			continue;
		for (i = 0; i < r->numel[v]; i++) {
			int64_t o;

			unravel(i, rk, r->dims[v], idx);
			idx[a] += off;
			o = ravel(rk, r->dims[big], idx);
			if (join)
				r->v[big][o] = r->v[v][i];
			else
				r->v[v][i] = r->v[big][o];
		}
		off += r->dims[v][a];
	}
}

static void slice(struct tref *r, const struct opr_node *nd)
{
	int rk = rank_of(r, IN(0)), k, ns;
	int64_t st[8], en[8], ax[8], sp[8], start[8], step[8], idx[8], i;
	const int64_t *xd = r->dims[IN(0)];

	ns = cints(r, IN(1), st);
	cints(r, IN(2), en);
	for (k = 0; k < rk; k++) {
		start[k] = 0;
		step[k] = 1;
	}
	if (!cints(r, nd->n_in > 3 ? IN(3) : -1, ax))
		for (k = 0; k < ns; k++)
			ax[k] = k;
	if (!cints(r, nd->n_in > 4 ? IN(4) : -1, sp))
		for (k = 0; k < ns; k++)
			sp[k] = 1;
	for (k = 0; k < ns; k++) {
		int a = (int)(ax[k] < 0 ? ax[k] + rk : ax[k]);
		int64_t s = st[k], d = xd[a];

		if (s < 0)
			s += d;
		if (sp[k] > 0)
			s = s < 0 ? 0 : s > d ? d : s;
		else
			s = s < 0 ? 0 : s > d - 1 ? d - 1 : s;
		start[a] = s;
		step[a] = sp[k];
	}
	for (i = 0; i < r->numel[OUT(0)]; i++) {
		unravel(i, rk, r->dims[OUT(0)], idx);
		for (k = 0; k < rk; k++)
			idx[k] = start[k] + idx[k] * step[k];
		r->v[OUT(0)][i] = r->v[IN(0)][ravel(rk, xd, idx)];
	}
}

static void pad(struct tref *r, const struct opr_node *nd)
{
	int rk = rank_of(r, IN(0)), k, in;
	int64_t p[16], idx[8], i;
	double val = nd->n_in > 2 && IN(2) >= 0 ? r->v[IN(2)][0] : 0;

	cints(r, IN(1), p);
	for (i = 0; i < r->numel[OUT(0)]; i++) {
		unravel(i, rk, r->dims[OUT(0)], idx);
		for (k = 0, in = 1; k < rk; k++) {
			idx[k] -= p[k];
			in &= idx[k] >= 0 && idx[k] < r->dims[IN(0)][k];
		}
		r->v[OUT(0)][i] = in ? r->v[IN(0)][ravel(rk, r->dims[IN(0)], idx)] : val;
	}
}

static void transpose(struct tref *r, const struct opr_node *nd)
{
	int rk = rank_of(r, IN(0)), k;
	int64_t perm[8], oi[8], xi[8], i;

	attr_ints(nd, "perm", perm);
	for (i = 0; i < r->numel[OUT(0)]; i++) {
		unravel(i, rk, r->dims[OUT(0)], oi);
		for (k = 0; k < rk; k++)
			xi[perm[k]] = oi[k];
		r->v[OUT(0)][i] = r->v[IN(0)][ravel(rk, r->dims[IN(0)], xi)];
	}
}

/* Runs node nd; -1 when the reference lacks its op. */
static int run_node(struct tref *r, const struct opr_node *nd, int dry)
{
	switch (nd->op) {
	case OPR_OP_CONV:
		if (!dry)
			conv(r, nd);
		return 0;
	case OPR_OP_BATCHNORM:
		if (!dry)
			batchnorm(r, nd);
		return 0;
	case OPR_OP_RELU: case OPR_OP_CLIP: case OPR_OP_LEAKYRELU:
	case OPR_OP_SIGMOID: case OPR_OP_TANH: case OPR_OP_HARDSIGMOID:
	case OPR_OP_HARDSWISH: case OPR_OP_RESHAPE: case OPR_OP_FLATTEN:
	case OPR_OP_SQUEEZE: case OPR_OP_UNSQUEEZE: case OPR_OP_IDENTITY:
	case OPR_OP_DROPOUT:
		if (!dry)
			unary(r, nd);
		return 0;
	case OPR_OP_MAXPOOL: case OPR_OP_AVERAGEPOOL:
		if (!dry)
			pool(r, nd);
		return 0;
	case OPR_OP_GLOBALAVERAGEPOOL: case OPR_OP_GLOBALMAXPOOL:
	case OPR_OP_REDUCEMEAN:
		if (!dry)
			reduce(r, nd);
		return 0;
	case OPR_OP_GEMM:
		if (!dry)
			gemm(r, nd);
		return 0;
	case OPR_OP_MATMUL:
		if (!dry)
			matmul(r, nd);
		return 0;
	case OPR_OP_ADD: case OPR_OP_SUB: case OPR_OP_MUL: case OPR_OP_DIV:
		if (!dry)
			binary(r, nd);
		return 0;
	case OPR_OP_CONCAT: case OPR_OP_SPLIT:
		if (!dry)
			joinsplit(r, nd, nd->op == OPR_OP_CONCAT);
		return 0;
	case OPR_OP_SLICE:
		if (!dry)
			slice(r, nd);
		return 0;
	case OPR_OP_PAD:
		if (!dry)
			pad(r, nd);
		return 0;
	case OPR_OP_TRANSPOSE:
		if (!dry)
			transpose(r, nd);
		return 0;
	default:
		return -1;
	}
}

struct tref *tref_new(const struct opr_graph *g, int n, int training)
{
	struct tref *r = calloc(1, sizeof(*r));
	int i, k;

	r->g = g;
	r->n = n;
	r->training = training;
	r->v = calloc((size_t)g->n_values, sizeof(*r->v));
	r->numel = calloc((size_t)g->n_values, sizeof(*r->numel));
	r->dims = calloc((size_t)g->n_values, sizeof(*r->dims));
	for (i = 0; i < g->n_nodes; i++)
		if (run_node(r, &g->nodes[i], 1)) {
			printf("tref: no reference for %s\n", g->nodes[i].op_type);
			tref_free(r);
			return NULL;
		}
	for (i = 0; i < g->n_values; i++) {
		const struct opr_value *gv = &g->values[i];
		int64_t m = 1;

		for (k = 0; k < gv->rank; k++) {
			r->dims[i][k] = gv->dims[k] < 0 ? n : gv->dims[k];
			m *= r->dims[i][k];
		}
		r->numel[i] = m;
		if (gv->dtype != OPR_DT_FLOAT || gv->rank < 0)
			continue;
		r->v[i] = calloc((size_t)(m + 1), sizeof(double));
		if (gv->is_initializer)
			for (k = 0; k < m; k++)
				r->v[i][k] = ((const float *)gv->data)[k];
	}
	return r;
}

void tref_free(struct tref *r)
{
	int i;

	if (!r)
		return;
	for (i = 0; i < r->g->n_values; i++)
		free(r->v[i]);
	free(r->v);
	free(r->numel);
	free(r->dims);
	free(r);
}

double *tref_val(struct tref *r, int v, int64_t *numel)
{
	if (numel)
		*numel = r->numel[v];
	return r->v[v];
}

void tref_run(struct tref *r, int from)
{
	int i;

	for (i = from; i < r->g->n_nodes; i++)
		run_node(r, &r->g->nodes[i], 0);
}

int tref_first_reader(const struct tref *r, int v)
{
	int i, k;

	for (i = 0; i < r->g->n_nodes; i++)
		for (k = 0; k < r->g->nodes[i].n_in; k++)
			if (r->g->nodes[i].in[k] == v)
				return i;
	return r->g->n_nodes;
}
