/*
 * tref.c - the training tests' reference forward, in double, written apart
 * from the engine: every op is a naive loop over multi-indices, shapes
 * come from the graph's shape inference (-1 = the batch), window
 * positions from the output shape.  BatchNormalization uses batch
 * statistics (biased variance) when training, the running ones otherwise.
 * Slow and simple on purpose.  This file: the life cycle, the index
 * helpers, the element-wise and data-movement ops; tref_layers.c: Conv,
 * BatchNormalization, pools and reductions, Gemm, MatMul.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tref_internal.h"

int tref_rank(const struct tref *r, int v)
{
	return r->g->values[v].rank;
}

void tref_unravel(int64_t i, int rank, const int64_t *d, int64_t *idx)
{
	int a;

	for (a = rank - 1; a >= 0; a--) {
		idx[a] = d[a] ? i % d[a] : 0;
		i = d[a] ? i / d[a] : 0;
	}
}

int64_t tref_ravel(int rank, const int64_t *d, const int64_t *idx)
{
	int64_t o = 0;
	int a;

	for (a = 0; a < rank; a++)
		o = o * d[a] + idx[a];
	return o;
}

/* Int values of initializer v into out; returns the count (0 when v < 0). */
int tref_ints(const struct tref *r, int v, int64_t *out)
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

int tref_attr_ints(const struct opr_node *nd, const char *name, int64_t *out)
{
	const struct opr_attr *a = opr_node_attr(nd, name);

	if (!a)
		return 0;
	memcpy(out, a->ints, (size_t)a->n * sizeof(int64_t));
	return a->n;
}

/* Index into a (rank ra, dims da) broadcast onto output index oi (rank ro). */
int64_t tref_bidx(int ra, const int64_t *da, int ro, const int64_t *oi)
{
	int64_t idx[OPR_MAX_RANK];
	int a;

	for (a = 0; a < ra; a++)
		idx[a] = da[a] == 1 ? 0 : oi[a + ro - ra];
	return tref_ravel(ra, da, idx);
}

/* ---- ops ---- */

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

static void binary(struct tref *r, const struct opr_node *nd)
{
	int ro = tref_rank(r, OUT(0));
	int64_t oi[OPR_MAX_RANK], i;
	double *y = r->v[OUT(0)];

	for (i = 0; i < r->numel[OUT(0)]; i++) {
		double a, b;

		tref_unravel(i, ro, r->dims[OUT(0)], oi);
		a = r->v[IN(0)][tref_bidx(tref_rank(r, IN(0)), r->dims[IN(0)], ro, oi)];
		b = r->v[IN(1)][tref_bidx(tref_rank(r, IN(1)), r->dims[IN(1)], ro, oi)];
		y[i] = nd->op == OPR_OP_ADD ? a + b : nd->op == OPR_OP_SUB ? a - b :
		       nd->op == OPR_OP_MUL ? a * b : a / b;
	}
}

/* Concat (join) or Split (!join) along axis. */
static void joinsplit(struct tref *r, const struct opr_node *nd, int join)
{
	int big = join ? OUT(0) : IN(0), rk = tref_rank(r, big), k, a;
	int64_t ax = opr_node_attr_int(nd, "axis", 0), idx[OPR_MAX_RANK], off = 0, i;
	int parts = join ? nd->n_in : nd->n_out;

	a = (int)(ax < 0 ? ax + rk : ax);
	for (k = 0; k < parts; k++) {
		int v = join ? IN(k) : OUT(k);

		if (v < 0)
			continue;
		for (i = 0; i < r->numel[v]; i++) {
			int64_t o;

			tref_unravel(i, rk, r->dims[v], idx);
			idx[a] += off;
			o = tref_ravel(rk, r->dims[big], idx);
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
	int rk = tref_rank(r, IN(0)), k, ns;
	int64_t st[8], en[8], ax[8], sp[8], start[8], step[8], idx[8], i;
	const int64_t *xd = r->dims[IN(0)];

	ns = tref_ints(r, IN(1), st);
	tref_ints(r, IN(2), en);
	for (k = 0; k < rk; k++) {
		start[k] = 0;
		step[k] = 1;
	}
	if (!tref_ints(r, nd->n_in > 3 ? IN(3) : -1, ax))
		for (k = 0; k < ns; k++)
			ax[k] = k;
	if (!tref_ints(r, nd->n_in > 4 ? IN(4) : -1, sp))
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
		tref_unravel(i, rk, r->dims[OUT(0)], idx);
		for (k = 0; k < rk; k++)
			idx[k] = start[k] + idx[k] * step[k];
		r->v[OUT(0)][i] = r->v[IN(0)][tref_ravel(rk, xd, idx)];
	}
}

static void pad(struct tref *r, const struct opr_node *nd)
{
	int rk = tref_rank(r, IN(0)), k, in;
	int64_t p[16], idx[8], i;
	double val = nd->n_in > 2 && IN(2) >= 0 ? r->v[IN(2)][0] : 0;

	tref_ints(r, IN(1), p);
	for (i = 0; i < r->numel[OUT(0)]; i++) {
		tref_unravel(i, rk, r->dims[OUT(0)], idx);
		for (k = 0, in = 1; k < rk; k++) {
			idx[k] -= p[k];
			in &= idx[k] >= 0 && idx[k] < r->dims[IN(0)][k];
		}
		r->v[OUT(0)][i] = in ? r->v[IN(0)][tref_ravel(rk, r->dims[IN(0)], idx)] : val;
	}
}

static void transpose(struct tref *r, const struct opr_node *nd)
{
	int rk = tref_rank(r, IN(0)), k;
	int64_t perm[8], oi[8], xi[8], i;

	tref_attr_ints(nd, "perm", perm);
	for (i = 0; i < r->numel[OUT(0)]; i++) {
		tref_unravel(i, rk, r->dims[OUT(0)], oi);
		for (k = 0; k < rk; k++)
			xi[perm[k]] = oi[k];
		r->v[OUT(0)][i] = r->v[IN(0)][tref_ravel(rk, r->dims[IN(0)], xi)];
	}
}

/* Runs node nd; -1 when the reference lacks its op. */
static int run_node(struct tref *r, const struct opr_node *nd, int dry)
{
	switch (nd->op) {
	case OPR_OP_CONV:
		if (!dry)
			tref_conv(r, nd);
		return 0;
	case OPR_OP_BATCHNORM:
		if (!dry)
			tref_batchnorm(r, nd);
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
			tref_pool(r, nd);
		return 0;
	case OPR_OP_GLOBALAVERAGEPOOL: case OPR_OP_GLOBALMAXPOOL:
	case OPR_OP_REDUCEMEAN:
		if (!dry)
			tref_reduce(r, nd);
		return 0;
	case OPR_OP_GEMM:
		if (!dry)
			tref_gemm(r, nd);
		return 0;
	case OPR_OP_MATMUL:
		if (!dry)
			tref_matmul(r, nd);
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
