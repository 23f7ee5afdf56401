/* Used by train_grad_ops*, train_grad_models via tc_run: errors abort at file:line or fail tc_run. */
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

int tref_ints(const struct tref *r, int v, int64_t *out, int max)
{
	const struct opr_value *gv;
	int64_t i, n = 1;

	if (v < 0)
		return 0;
	if (v >= r->g->n_values)
		TC_DIE("value %d of %d", v, r->g->n_values);
	gv = &r->g->values[v];
	if (!gv->is_initializer || !gv->data ||
	    (gv->dtype != OPR_DT_INT64 && gv->dtype != OPR_DT_INT32))
		TC_DIE("'%s' is not an int64 or int32 initializer", gv->name);
	for (i = 0; i < gv->rank; i++)
		n *= gv->dims[i];
	if (n > max || gv->nbytes < (size_t)n * opr_dtype_size(gv->dtype))
		TC_DIE("'%s' holds %lld ints in %zu bytes, room for %d",
		       gv->name, (long long)n, gv->nbytes, max);
	for (i = 0; i < n; i++)
		out[i] = gv->dtype == OPR_DT_INT64 ? ((const int64_t *)gv->data)[i] :
			 ((const int32_t *)gv->data)[i];
	return (int)n;
}

int tref_attr_ints(const struct opr_node *nd, const char *name, int64_t *out,
		   int max)
{
	const struct opr_attr *a = opr_node_attr(nd, name);

	if (!a)
		return 0;
	if (a->type != OPR_AT_INTS || a->n < 0 || a->n > max)
		TC_DIE("node '%s': attribute '%s' is not a list of at most %d "
		       "ints", nd->name, name, max);
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

	ns = tref_ints(r, IN(1), st, 8);
	if (tref_ints(r, IN(2), en, 8) != ns)
		TC_DIE("Slice '%s': starts and ends differ in length", nd->name);
	for (k = 0; k < rk; k++) {
		start[k] = 0;
		step[k] = 1;
	}
	if (!tref_ints(r, nd->n_in > 3 ? IN(3) : -1, ax, 8))
		for (k = 0; k < ns; k++)
			ax[k] = k;
	if (!tref_ints(r, nd->n_in > 4 ? IN(4) : -1, sp, 8))
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

	if (tref_ints(r, IN(1), p, 16) != 2 * rk)
		TC_DIE("Pad '%s': pads do not cover rank %d", nd->name, rk);
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

	if (tref_attr_ints(nd, "perm", perm, 8) != rk)
		TC_DIE("Transpose '%s': perm does not cover rank %d", nd->name, rk);
	for (i = 0; i < r->numel[OUT(0)]; i++) {
		tref_unravel(i, rk, r->dims[OUT(0)], oi);
		for (k = 0; k < rk; k++)
			xi[perm[k]] = oi[k];
		r->v[OUT(0)][i] = r->v[IN(0)][tref_ravel(rk, r->dims[IN(0)], xi)];
	}
}

static void concat(struct tref *r, const struct opr_node *nd)
{
	joinsplit(r, nd, 1);
}

static void split(struct tref *r, const struct opr_node *nd)
{
	joinsplit(r, nd, 0);
}

/* A reference op: computes node nd's outputs from its inputs. */
typedef void (*tref_fn)(struct tref *r, const struct opr_node *nd);

/* The reference of op, or NULL when it has none. */
static tref_fn op_fn(int op)
{
	switch (op) {
	case OPR_OP_CONV:
		return tref_conv;
	case OPR_OP_BATCHNORM:
		return tref_batchnorm;
	case OPR_OP_RELU: case OPR_OP_CLIP: case OPR_OP_LEAKYRELU:
	case OPR_OP_SIGMOID: case OPR_OP_TANH: case OPR_OP_HARDSIGMOID:
	case OPR_OP_HARDSWISH: case OPR_OP_RESHAPE: case OPR_OP_FLATTEN:
	case OPR_OP_SQUEEZE: case OPR_OP_UNSQUEEZE: case OPR_OP_IDENTITY:
	case OPR_OP_DROPOUT:
		return unary;
	case OPR_OP_MAXPOOL: case OPR_OP_AVERAGEPOOL:
		return tref_pool;
	case OPR_OP_GLOBALAVERAGEPOOL: case OPR_OP_GLOBALMAXPOOL:
	case OPR_OP_REDUCEMEAN:
		return tref_reduce;
	case OPR_OP_GEMM:
		return tref_gemm;
	case OPR_OP_MATMUL:
		return tref_matmul;
	case OPR_OP_ADD: case OPR_OP_SUB: case OPR_OP_MUL: case OPR_OP_DIV:
		return binary;
	case OPR_OP_CONCAT:
		return concat;
	case OPR_OP_SPLIT:
		return split;
	case OPR_OP_SLICE:
		return slice;
	case OPR_OP_PAD:
		return pad;
	case OPR_OP_TRANSPOSE:
		return transpose;
	default:
		return NULL;
	}
}

/*
 * 0 when input k of a node of op is an int parameter (shape, axes, pads,
 * split sizes) that the reference reads with tref_ints(), 1 when it reads
 * it as a float tensor.
 */
static int float_input(int op, int k)
{
	switch (op) {
	case OPR_OP_RESHAPE: case OPR_OP_SQUEEZE: case OPR_OP_UNSQUEEZE:
	case OPR_OP_SLICE: case OPR_OP_SPLIT: case OPR_OP_REDUCEMEAN:
	case OPR_OP_DROPOUT:
		return k == 0;
	case OPR_OP_PAD:
		return k != 1 && k != 3;
	default:
		return 1;
	}
}

struct tref *tref_new(const struct opr_graph *g, int n, int training)
{
	struct tref *r = TC_NEED(calloc(1, sizeof(*r)), "out of memory");
	int i, k;

	r->g = g;
	r->n = n;
	r->training = training;
	r->v = TC_NEED(calloc((size_t)g->n_values + 1, sizeof(*r->v)),
		       "out of memory");
	r->numel = TC_NEED(calloc((size_t)g->n_values + 1, sizeof(*r->numel)),
			   "out of memory");
	r->dims = TC_NEED(calloc((size_t)g->n_values + 1, sizeof(*r->dims)),
			  "out of memory");
	for (i = 0; i < g->n_nodes; i++)
		if (!op_fn(g->nodes[i].op)) {
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
		r->v[i] = TC_NEED(calloc((size_t)(m + 1), sizeof(double)),
				  "out of memory for %lld doubles of '%s'",
				  (long long)m, gv->name);
		if (gv->is_initializer && (!gv->data ||
					   gv->nbytes < (size_t)m * sizeof(float)))
			TC_DIE("initializer '%s' holds %zu bytes for %lld floats",
			       gv->name, gv->nbytes, (long long)m);
		if (gv->is_initializer)
			for (k = 0; k < m; k++)
				r->v[i][k] = ((const float *)gv->data)[k];
	}
	/* every float tensor the reference reads or writes must be there */
	for (i = 0; i < g->n_nodes; i++) {
		const struct opr_node *nd = &g->nodes[i];

		for (k = 0; k < nd->n_in + nd->n_out; k++) {
			int in = k < nd->n_in, v = in ? nd->in[k] : nd->out[k - nd->n_in];

			if (v < 0 || r->v[v] || (in && !float_input(nd->op, k)) ||
			    (!in && k > nd->n_in && nd->op != OPR_OP_SPLIT))
				continue;
			printf("tref: %s '%s': %s %d is not a float tensor of "
			       "known shape\n", nd->op_type, nd->name,
			       in ? "input" : "output", in ? k : k - nd->n_in);
			tref_free(r);
			return NULL;
		}
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
	if (v < 0 || v >= r->g->n_values)
		TC_DIE("value %d of %d", v, r->g->n_values);
	if (numel)
		*numel = r->numel[v];
	return r->v[v];
}

void tref_run(struct tref *r, int from)
{
	int i;

	for (i = from; i < r->g->n_nodes; i++) {
		tref_fn fn = op_fn(r->g->nodes[i].op);

		if (!fn)
			TC_DIE("no reference for %s", r->g->nodes[i].op_type);
		fn(r, &r->g->nodes[i]);
	}
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
