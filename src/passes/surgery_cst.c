/*
 * surgery_cst.c - which removed channels are constant, and their value
 * (field-notes D.21): a filter whose weights are all zero outputs its bias
 * everywhere, BatchNormalization turns that into its shift, ReLU, Clip and
 * the other element-wise functions map it, pools keep it, and the mapped
 * ops (Concat, Split, Slice, Pad, Reshape, Flatten, Transpose) move it to
 * their output slots; the channels a Pad adds hold its constant.  Only the
 * removed slots are evaluated (a removed slot depends only on removed
 * slots and producers).  NaN means "not known to be constant".
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "infer.h"
#include "passes/surgery_internal.h"

double surg_cst(const struct surg *s, int v, int slot)
{
	const struct opr_deps_view *a = surg_view(s, v);

	if (!a || !s->cst[v] || slot < 0 || slot >= a->n)
		return NAN;
	return s->cst[v][slot];
}

/* Element i of float initializer v, NaN when v is not one. */
static double fat(const struct surg *s, int v, int64_t i)
{
	const float *f;
	int64_t n;

	if (surg_floats(s, v, &f, &n) || i < 0 || i >= n)
		return NAN;
	return f[i];
}

/*
 * Output channel c of producer node when its weights for c are all zero:
 * the bias (Gemm: beta * C), else NaN.
 */
static double producer_cst(const struct surg *s, int node, int c)
{
	const struct opr_node *n = &s->g->nodes[node];
	int wv = surg_in(s, node, 1), bv = surg_in(s, node, 2);
	const struct opr_value *w;
	const float *f;
	int64_t nw, i, j, rows, cols, inner = 1;
	int a, tb;

	if (surg_floats(s, wv, &f, &nw) || s->g->values[wv].rank < 2)
		return NAN;
	w = &s->g->values[wv];
	for (a = 2; a < w->rank; a++)
		inner *= w->dims[a];
	if (n->op == OPR_OP_CONV) {
		for (i = 0; i < w->dims[1] * inner; i++)
			if (f[c * w->dims[1] * inner + i] != 0)
				return NAN;
		return bv >= 0 ? fat(s, bv, c) : 0;
	}
	tb = n->op == OPR_OP_GEMM && opr_node_attr_int(n, "transB", 0);
	/* ConvTranspose [cin, cout, k..] (group 1), MatMul [K, M], Gemm */
	rows = w->dims[0];
	cols = w->dims[1];
	for (i = 0; i < (tb ? cols : rows); i++)
		for (j = 0; j < inner; j++)
			if (f[tb ? (c * cols + i) : ((i * cols + c) * inner + j)] != 0)
				return NAN;
	if (n->op == OPR_OP_CONVTRANSPOSE)
		return bv >= 0 ? fat(s, bv, c) : 0;
	if (n->op == OPR_OP_MATMUL || bv < 0)
		return 0;
	nw = s->g->values[bv].nbytes / 4;	/* C: one value, or one per output */
	if (nw != 1 && nw != (tb ? rows : cols))
		return NAN;
	return opr_node_attr_float(n, "beta", 1) * fat(s, bv, nw == 1 ? 0 : c);
}

/* Scalar constant input k of node (absent: dflt), NaN when computed. */
static double scalar_in(const struct surg *s, int node, int k, double dflt)
{
	int v = surg_in(s, node, k);
	double x[1];
	int n;

	if (v < 0)
		return dflt;
	return opr_const_floats(s->g, v, x, 1, &n) == 1 && n == 1 ? x[0] : NAN;
}

/* f(x) for the element-wise unary ops; NaN for any other. */
static double unary(const struct surg *s, int node, double x)
{
	const struct opr_node *n = &s->g->nodes[node];
	double lo, hi, a, b;

	if (isnan(x))
		return NAN;	/* fmin/fmax would take NaN for "missing" */
	switch (n->op) {
	case OPR_OP_RELU:
		return x > 0 ? x : 0;
	case OPR_OP_IDENTITY:
	case OPR_OP_DROPOUT:
		return x;
	case OPR_OP_CAST:
		return opr_node_attr_int(n, "to", 0) == OPR_DT_FLOAT ?
		       (double)(float)x : NAN;
	case OPR_OP_NEG:
		return -x;
	case OPR_OP_TANH:
		return tanh(x);
	case OPR_OP_SIGMOID:
		return 1 / (1 + exp(-x));
	case OPR_OP_LEAKYRELU:
		return x >= 0 ? x : opr_node_attr_float(n, "alpha", 0.01f) * x;
	case OPR_OP_HARDSIGMOID:
		a = opr_node_attr_float(n, "alpha", 0.2f);
		b = opr_node_attr_float(n, "beta", 0.5f);
		return fmax(0, fmin(1, a * x + b));
	case OPR_OP_HARDSWISH:
		return x * fmax(0, fmin(1, x / 6 + 0.5));
	case OPR_OP_CLIP:
		if (n->n_in > 1 || s->opset >= 11) {
			lo = scalar_in(s, node, 1, -INFINITY);
			hi = scalar_in(s, node, 2, INFINITY);
		} else {
			lo = opr_node_attr_float(n, "min", -INFINITY);
			hi = opr_node_attr_float(n, "max", INFINITY);
		}
		return isnan(lo) || isnan(hi) ? NAN : fmin(fmax(x, lo), hi);
	default:
		return NAN;
	}
}

/* BatchNormalization of x on channel c. */
static double bn(const struct surg *s, int node, int c, double x)
{
	double eps = opr_node_attr_float(&s->g->nodes[node], "epsilon", 1e-5f);
	double sc = fat(s, surg_in(s, node, 1), c), b = fat(s, surg_in(s, node, 2), c);
	double m = fat(s, surg_in(s, node, 3), c), v = fat(s, surg_in(s, node, 4), c);

	return sc * (x - m) / sqrt(v + (float)eps) + b;
}

/*
 * Operand k of element-wise node at output slot `slot` (axis-1 channel c
 * of y): an activation of y's view, a scalar, or a per-channel constant.
 */
static double operand(const struct surg *s, int node, int k, int y, int slot,
		      int c)
{
	int v = surg_in(s, node, k), ax;
	const struct opr_value *x, *yv = &s->g->values[y];
	int64_t n;

	if (v < 0)
		return NAN;
	x = &s->g->values[v];
	if (!x->is_initializer) {
		/* same channel dims; other dims may broadcast (an SE scale) */
		if (!surg_view(s, v) || !surg_view(s, y) || x->rank != yv->rank ||
		    surg_view(s, v)->k != surg_view(s, y)->k ||
		    memcmp(x->dims + 1, yv->dims + 1,
			   (size_t)surg_view(s, y)->k * sizeof(int64_t)))
			return NAN;
		return surg_cst(s, v, slot);
	}
	if (opr_numel(x->dims, x->rank, &n))
		return NAN;
	if (n == 1)
		return fat(s, v, 0);
	ax = 1 - (yv->rank - x->rank);
	if (c < 0 || ax < 0 || x->dims[ax] != n || n != yv->dims[1])
		return NAN;	/* varies along other axes */
	return fat(s, v, c);
}

static double elemwise(const struct surg *s, int node, int y, int slot)
{
	const struct opr_node *n = &s->g->nodes[node];
	const struct opr_deps_view *yv = surg_view(s, y);
	int c = yv->k == 1 ? slot : -1, k;
	double a = operand(s, node, 0, y, slot, c), b, r;

	if (n->op == OPR_OP_SUM) {
		for (k = 1; k < n->n_in; k++)
			a += operand(s, node, k, y, slot, c);
		return a;
	}
	b = operand(s, node, 1, y, slot, c);
	switch (n->op) {
	case OPR_OP_ADD:
		r = a + b;
		break;
	case OPR_OP_SUB:
		r = a - b;
		break;
	case OPR_OP_MUL:
		r = a * b;
		break;
	case OPR_OP_DIV:
		r = b != 0 ? a / b : NAN;
		break;
	case OPR_OP_PRELU:
		r = a < 0 ? a * b : a;
		break;
	default:
		r = NAN;
	}
	return r;
}

/* Per-sample elements of one slot of v (product of dims past its view). */
static int64_t extent(const struct surg *s, int v)
{
	const struct opr_value *x = &s->g->values[v];
	int64_t e = 1;
	int a;

	for (a = surg_view(s, v)->k + 1; a < x->rank; a++)
		e *= x->dims[a];
	return e;
}

/*
 * Reshape family: slot o of y covers per-sample elements [o*ey, (o+1)*ey),
 * made of the slots of x that overlap them: constant when they all are
 * and agree.
 */
static double reshaped(const struct surg *s, int x, int y, int o)
{
	int64_t ex, ey, lo, hi, i;
	double v = NAN, w;

	if (!surg_view(s, x))
		return NAN;
	ex = extent(s, x);
	ey = extent(s, y);
	if (ex < 1 || ey < 1)
		return NAN;
	lo = o * ey / ex;
	hi = ((o + 1) * ey - 1) / ex;
	for (i = lo; i <= hi; i++) {
		w = surg_cst(s, x, (int)i);
		if (isnan(w) || (i > lo && w != v))
			return NAN;
		v = w;
	}
	return v;
}

/* Transpose: the x slot that lands on y slot o. */
static double transposed(const struct surg *s, int node, int x, int y, int o)
{
	const struct opr_deps_view *xv = surg_view(s, x);
	const int64_t *xd = s->g->values[x].dims, *yd = s->g->values[y].dims;
	int64_t perm[OPR_MAX_RANK], idx[OPR_MAX_RANK], rest = o, c = 0;
	int n, i;

	if (!xv || opr_attr_ints(&s->g->nodes[node], "perm", perm, OPR_MAX_RANK,
				 &n) != 1 || n != s->g->values[x].rank)
		return NAN;
	for (i = xv->k; i >= 1; i--) {	/* y index of slot o */
		idx[i] = rest % yd[i];
		rest /= yd[i];
	}
	for (i = 1; i <= xv->k; i++)	/* x dim perm[i] is y dim i */
		if (perm[i] < 1 || perm[i] > xv->k)
			return NAN;
	{
		int64_t xi[OPR_MAX_RANK];

		for (i = 1; i <= xv->k; i++)
			xi[perm[i]] = idx[i];
		for (i = 1; i <= xv->k; i++)
			c = c * xd[i] + xi[i];
	}
	return surg_cst(s, x, (int)c);
}

/* Offset of output `port` (Split) or input `port` (Concat) on axis 1. */
static int64_t offset(const struct surg *s, const int *vals, int port)
{
	int64_t off = 0;
	int i;

	for (i = 0; i < port; i++)
		off += vals[i] >= 0 && s->g->values[vals[i]].rank >= 2 ?
		       s->g->values[vals[i]].dims[1] : 0;
	return off;
}

/* Concat output slot: from the input holding it (axis 1) or all inputs. */
static double concat(const struct surg *s, int node, int y, int o)
{
	const struct opr_node *n = &s->g->nodes[node];
	int ax, i, v;
	int64_t off = 0, cnt, e;
	double r = NAN, w;

	if (opr_norm_axis(opr_node_attr_int(n, "axis", 0), s->g->values[y].rank,
			  &ax) || ax > surg_view(s, y)->k) {
		for (i = 0; i < n->n_in; i++) {
			w = surg_cst(s, n->in[i], o);
			if (isnan(w) || (i && w != r))
				return NAN;
			r = w;
		}
		return r;
	}
	for (i = 0; i < n->n_in; i++, off += cnt) {
		v = n->in[i];
		cnt = v >= 0 && s->g->values[v].rank >= 2 ? s->g->values[v].dims[1] : 0;
		if (o < off || o >= off + cnt)
			continue;
		if (!s->g->values[v].is_initializer)
			return surg_cst(s, v, (int)(o - off));
		if (opr_numel(s->g->values[v].dims, s->g->values[v].rank, &e))
			return NAN;
		return e == cnt ? fat(s, v, o - off) : NAN;
	}
	return NAN;
}

/*
 * Softmax over axes past the channel dims of a constant slot: 1 / the
 * number of elements it normalises over (the axis from opset 13, the
 * axes from `axis` on before).
 */
static double softmax(const struct surg *s, int node, int x, int o)
{
	const struct opr_value *xv = &s->g->values[x];
	int64_t cnt = 1;
	int ax, a;

	if (isnan(surg_cst(s, x, o)) ||
	    opr_norm_axis(opr_node_attr_int(&s->g->nodes[node], "axis",
					    s->opset >= 13 ? -1 : 1),
			  xv->rank, &ax) || ax <= surg_view(s, x)->k)
		return NAN;
	for (a = ax; a < (s->opset >= 13 ? ax + 1 : xv->rank); a++)
		cnt *= xv->dims[a];
	return cnt > 0 ? 1.0 / (double)cnt : NAN;
}

/* Pools, Resize, ReduceMean, Softmax: the input's constant, mapped. */
static double spatial(const struct surg *s, int node, int x, int y, int o)
{
	const struct opr_node *n = &s->g->nodes[node];
	const struct opr_attr *ap = opr_node_attr(n, "auto_pad");
	int64_t pads[2 * OPR_MAX_RANK];
	int np, i;

	if (n->op == OPR_OP_SOFTMAX)
		return softmax(s, node, x, o);
	if (surg_view(s, x)->k != 1 || surg_view(s, y)->k != 1)
		return NAN;
	if (n->op == OPR_OP_AVERAGEPOOL &&
	    opr_node_attr_int(n, "count_include_pad", 0)) {
		if (ap && ap->s && strncmp(ap->s, "SAME", 4) == 0)
			return NAN;	/* zeros averaged in at the borders */
		if (opr_attr_ints(n, "pads", pads, 2 * OPR_MAX_RANK, &np) == 1)
			for (i = 0; i < np; i++)
				if (pads[i])
					return NAN;
	}
	return surg_cst(s, x, o);
}

/* Pad: a padded channel holds the pad constant, the others the input's. */
static double padded(const struct surg *s, int node, int x, int o)
{
	int64_t pb, pe, cn = s->g->values[x].dims[1];
	double pv, xv;
	int sp;

	if (surg_pad_chan(s, node, &pb, &pe, &pv, &sp))
		return NAN;
	if (o < pb || o >= pb + cn)
		return pv;
	xv = surg_cst(s, x, (int)(o - pb));
	/* spatial padding: constant only when it pads the same value */
	return !sp || xv == pv ? xv : NAN;
}

/* Slice: the input slot the output slot o comes from. */
static double sliced(const struct surg *s, int node, int x, int o)
{
	struct opr_slice_plan sp;
	struct opr_shape xs;

	opr_infer_get(&s->g->values[x], &xs);
	if (opr_slice_plan(s->g, node, &xs, &sp, NULL))
		return NAN;
	if (!sp.sliced[1])
		return surg_cst(s, x, o);
	return sp.step[1] == 1 ? surg_cst(s, x, (int)(o + sp.start[1])) : NAN;
}

/* The constant of removed slot o of output `port` (y) of node. */
static double out_cst(const struct surg *s, int node, int port, int y, int o)
{
	const struct opr_node *n = &s->g->nodes[node];
	int x = surg_in(s, node, 0), ax;
	int rule = n->op > 0 && n->op < OPR_OP_COUNT ? (int)opr_ops[n->op].chan :
		   OPR_CHAN_BLOCK;

	if (port != 0 && rule != OPR_CHAN_SPLIT)
		return NAN;	/* MaxPool indices, Dropout mask */
	switch (rule) {
	case OPR_CHAN_PRODUCER:
		return surg_view(s, y)->k == 1 ? producer_cst(s, node, o) : NAN;
	case OPR_CHAN_NORM:
		return surg_view(s, y)->k == 1 ? bn(s, node, o, surg_cst(s, x, o)) : NAN;
	case OPR_CHAN_PASSTHRU:
		return unary(s, node, surg_cst(s, x, o));
	case OPR_CHAN_ELEMWISE:
		return elemwise(s, node, y, o);
	case OPR_CHAN_SPATIAL:
	case OPR_CHAN_REDUCE:
		return spatial(s, node, x, y, o);
	case OPR_CHAN_RESHAPE:
		return reshaped(s, x, y, o);
	case OPR_CHAN_TRANSPOSE:
		return transposed(s, node, x, y, o);
	case OPR_CHAN_CONCAT:
		return concat(s, node, y, o);
	case OPR_CHAN_SPLIT:
		if (opr_norm_axis(opr_node_attr_int(n, "axis", 0),
				  s->g->values[x].rank, &ax) ||
		    ax > surg_view(s, x)->k)
			return surg_cst(s, x, o);
		return surg_cst(s, x, (int)(o + offset(s, n->out, port)));
	case OPR_CHAN_SLICE:
		return sliced(s, node, x, o);
	case OPR_CHAN_PAD:
		return padded(s, node, x, o);
	default:
		return NAN;
	}
}

int surg_constants(struct surg *s, struct opr_err *err)
{
	const struct opr_graph *g = s->g;
	const struct opr_deps_view *a;
	int i, k, y, o;

	for (i = 0; i < g->n_nodes; i++) {
		if (g->nodes[i].dead)
			continue;
		for (k = 0; k < g->nodes[i].n_out; k++) {
			y = g->nodes[i].out[k];
			if (y < 0 || y >= s->n_values || !s->changed[y] ||
			    !(a = surg_view(s, y)))
				continue;
			s->cst[y] = malloc((size_t)a->n * sizeof(double));
			if (!s->cst[y])
				return opr_errf(err, OPR_ENOMEM, "out of memory "
						"folding constants");
			for (o = 0; o < a->n; o++)
				s->cst[y][o] = s->kept[a->base + o] ? NAN :
					       out_cst(s, i, k, y, o);
		}
	}
	return OPR_OK;
}
