/*
 * infer_index_ops.c - shape inference for the ops whose output shape comes
 * from constant index inputs or attributes: Slice (and the slice plan that
 * folding reuses), Pad, Gather, Resize, Shape, ConstantOfShape and Expand.
 *
 * Both forms of each op are read: Slice starts/ends/axes as attributes
 * (opset < 10) or inputs, Pad pads as attribute (< 11) or input (with the
 * opset-18 axes), Resize scales as input 1 (opset 10) or scales/sizes as
 * inputs 2/3 (an empty tensor counts as absent).
 */
#include <math.h>
#include <string.h>

#include "infer.h"

/* Reads a Slice parameter: input k (opset >= 10) or attribute name. */
static int slice_param(struct opr_graph *g, int node, int k, const char *name,
		       int64_t *out, int *n)
{
	const struct opr_node *nd = &g->nodes[node];

	if (nd->n_in > 1)
		return opr_const_ints(g, k < nd->n_in ? nd->in[k] : -1, out,
				      OPR_MAX_RANK, n);
	return opr_attr_ints(nd, name, out, OPR_MAX_RANK, n);
}

/* Clamps start/end of one axis of size dim as the Slice spec says. */
static void slice_axis(int64_t dim, int64_t st, int64_t en, int64_t step,
		       int64_t *start, int64_t *count)
{
	if (st < 0)
		st = st < -dim ? -dim - 1 : st + dim;
	if (en < 0)
		en = en < -dim ? -dim - 1 : en + dim;
	if (step > 0) {
		st = st < 0 ? 0 : st > dim ? dim : st;
		en = en < 0 ? 0 : en > dim ? dim : en;
		*count = en > st ? (en - st - 1) / step + 1 : 0;
	} else {
		st = st < 0 ? 0 : st > dim - 1 ? dim - 1 : st;
		en = en < -1 ? -1 : en > dim - 1 ? dim - 1 : en;
		*count = st > en ? (st - en - 1) / (-step) + 1 : 0;
	}
	*start = st;
}

int opr_slice_plan(struct opr_graph *g, int node, const struct opr_shape *x,
		   struct opr_slice_plan *sp, struct opr_err *err)
{
	const struct opr_node *n = &g->nodes[node];
	int64_t st[OPR_MAX_RANK], en[OPR_MAX_RANK], ax[OPR_MAX_RANK], stp[OPR_MAX_RANK];
	int ns, ne, na, nst, i, a, r[4];

	r[0] = slice_param(g, node, 1, "starts", st, &ns);
	r[1] = slice_param(g, node, 2, "ends", en, &ne);
	r[2] = slice_param(g, node, 3, "axes", ax, &na);
	r[3] = slice_param(g, node, 4, "steps", stp, &nst);
	if (r[0] < 0 || r[1] < 0 || r[2] < 0 || r[3] < 0)
		return opr_infer_errf(g, node, err, "starts, ends, axes and steps "
				      "must be int32/int64 vectors of at most %d "
				      "entries", OPR_MAX_RANK);
	if (n->n_in == 1 && (r[0] == 0 || r[1] == 0))
		return opr_infer_errf(g, node, err, "attributes starts and ends "
				      "are required");
	/* a given but computed parameter: the slice is not known statically */
	if (r[0] == 0 || r[1] == 0 || (n->n_in > 3 && n->in[3] >= 0 && r[2] == 0) ||
	    (n->n_in > 4 && n->in[4] >= 0 && r[3] == 0))
		return OPR_EUNSUPPORTED;
	if (ns != ne || (r[2] && na != ns) || (r[3] && nst != ns) || ns > x->rank)
		return opr_infer_errf(g, node, err, "starts, ends, axes and steps "
				      "have %d, %d, %d, %d entries for rank %d",
				      ns, ne, r[2] ? na : ns, r[3] ? nst : ns, x->rank);
	for (i = 0; i < x->rank; i++) {
		sp->sliced[i] = 0;
		sp->start[i] = 0;
		sp->step[i] = 1;
		sp->count[i] = x->d[i];
	}
	for (i = 0; i < ns; i++) {
		int64_t step = r[3] ? stp[i] : 1;

		if (opr_norm_axis(r[2] ? ax[i] : i, x->rank, &a))
			return opr_infer_errf(g, node, err, "axes[%d] = %lld is out of "
					      "range for rank %d", i, (long long)ax[i],
					      x->rank);
		if (sp->sliced[a])
			return opr_infer_errf(g, node, err, "axis %d is repeated in "
					      "axes", a);
		if (step == 0 || step == INT64_MIN)
			return opr_infer_errf(g, node, err, "steps[%d] = %lld", i,
					      (long long)step);
		sp->sliced[a] = 1;
		sp->step[a] = step;
		if (step == 1 && st[i] == 0 && en[i] >= INT32_MAX) {
			sp->sliced[a] = 0;	/* the whole axis, any size */
			continue;
		}
		sp->count[a] = -1;
		if (x->d[a] >= 0)
			slice_axis(x->d[a], st[i], en[i], step, &sp->start[a],
				   &sp->count[a]);
	}
	return OPR_OK;
}

int opr_infer_slice(struct opr_graph *g, int node, struct opr_err *err)
{
	const struct opr_value *x = opr_infer_in(g, node, 0);
	struct opr_slice_plan sp;
	struct opr_shape xs, out;
	int i, rc;

	if (!x)
		return opr_infer_errf(g, node, err, "input data is missing");
	opr_infer_get(x, &xs);
	if (xs.rank < 0)
		return opr_infer_set(g, node, 0, x->dtype, NULL, err);
	rc = opr_slice_plan(g, node, &xs, &sp, err);
	if (rc != OPR_OK && rc != OPR_EUNSUPPORTED)
		return rc;
	out = xs;
	for (i = 0; i < xs.rank; i++) {
		if (rc == OPR_OK && !sp.sliced[i])
			continue;
		out.d[i] = rc == OPR_OK ? sp.count[i] : -1;
		out.p[i] = NULL;
	}
	return opr_infer_set(g, node, 0, x->dtype, &out, err);
}

/* Reads Pad's amounts (input 1 or attribute pads) per axis into pb/pe. */
static int pad_amounts(struct opr_graph *g, int node, int rank, int64_t *pb,
		       int64_t *pe, struct opr_err *err)
{
	const struct opr_node *n = &g->nodes[node];
	int64_t p[2 * OPR_MAX_RANK], ax[OPR_MAX_RANK];
	int np, na = rank, r, ra = 0, i, a;

	if (n->n_in > 1)
		r = opr_const_ints(g, n->in[1], p, 2 * OPR_MAX_RANK, &np);
	else if ((r = opr_attr_ints(n, "pads", p, 2 * OPR_MAX_RANK, &np)) == 0)
		r = opr_attr_ints(n, "paddings", p, 2 * OPR_MAX_RANK, &np);
	if (n->n_in > 3 && n->in[3] >= 0) {
		ra = opr_const_ints(g, n->in[3], ax, OPR_MAX_RANK, &na);
		if (ra == 0)
			return OPR_EUNSUPPORTED;
	}
	if (r == 0 && n->n_in > 1)
		return OPR_EUNSUPPORTED;
	if (r <= 0 || ra < 0 || np != 2 * na)
		return opr_infer_errf(g, node, err, "pads must be %d int64 values "
				      "(begin and end for %d axes)", 2 * na, na);
	for (i = 0; i < rank; i++)
		pb[i] = pe[i] = 0;
	for (i = 0; i < na; i++) {
		if (opr_norm_axis(ra ? ax[i] : i, rank, &a))
			return opr_infer_errf(g, node, err, "axes[%d] = %lld is out of "
					      "range for rank %d", i, (long long)ax[i],
					      rank);
		pb[a] = p[i];
		pe[a] = p[na + i];
		if (p[i] < -(INT64_MAX / 4) || p[i] > INT64_MAX / 4 ||
		    p[na + i] < -(INT64_MAX / 4) || p[na + i] > INT64_MAX / 4)
			return opr_infer_errf(g, node, err, "pads for axis %d are out "
					      "of range", a);
	}
	return OPR_OK;
}

int opr_infer_pad(struct opr_graph *g, int node, struct opr_err *err)
{
	const struct opr_value *x = opr_infer_in(g, node, 0);
	const struct opr_attr *mode = opr_node_attr(&g->nodes[node], "mode");
	int64_t pb[OPR_MAX_RANK], pe[OPR_MAX_RANK];
	struct opr_shape xs, out;
	int i, rc;

	if (!x)
		return opr_infer_errf(g, node, err, "input data is missing");
	if (mode && (mode->type != OPR_AT_STRING || !mode->s ||
		     (strcmp(mode->s, "constant") && strcmp(mode->s, "reflect") &&
		      strcmp(mode->s, "edge") && strcmp(mode->s, "wrap"))))
		return opr_infer_errf(g, node, err, "attribute mode = '%s' is not "
				      "constant, reflect, edge or wrap",
				      mode->type == OPR_AT_STRING && mode->s ? mode->s : "?");
	opr_infer_get(x, &xs);
	if (xs.rank < 0)
		return opr_infer_set(g, node, 0, x->dtype, NULL, err);
	rc = pad_amounts(g, node, xs.rank, pb, pe, err);
	if (rc != OPR_OK && rc != OPR_EUNSUPPORTED)
		return rc;
	out = xs;
	for (i = 0; i < xs.rank; i++) {
		if (rc == OPR_OK && pb[i] == 0 && pe[i] == 0)
			continue;
		opr_shape_dim_unknown(&out, i);
		if (rc != OPR_OK || xs.d[i] < 0)
			continue;
		if (xs.d[i] > INT64_MAX / 2)
			return opr_infer_errf(g, node, err, "axis %d is too large to "
					      "pad", i);
		out.d[i] = xs.d[i] + pb[i] + pe[i];
		if (out.d[i] < 0)
			return opr_infer_errf(g, node, err, "pads %lld, %lld on axis %d "
					      "of size %lld leave a negative size",
					      (long long)pb[i], (long long)pe[i], i,
					      (long long)xs.d[i]);
	}
	return opr_infer_set(g, node, 0, x->dtype, &out, err);
}

int opr_infer_gather(struct opr_graph *g, int node, struct opr_err *err)
{
	const struct opr_value *x = opr_infer_in(g, node, 0);
	const struct opr_value *iv = opr_infer_in(g, node, 1);
	int64_t axis = opr_node_attr_int(&g->nodes[node], "axis", 0), idx[64];
	struct opr_shape xs, is, out;
	int ax, i, n;

	if (!x || !iv)
		return opr_infer_errf(g, node, err, "input %s is missing",
				      x ? "indices" : "data");
	opr_infer_get(x, &xs);
	opr_infer_get(iv, &is);
	if (xs.rank == 0)
		return opr_infer_errf(g, node, err, "data is a scalar");
	if (xs.rank < 0 || is.rank < 0)
		return opr_infer_set(g, node, 0, x->dtype, NULL, err);
	if (opr_norm_axis(axis, xs.rank, &ax))
		return opr_infer_errf(g, node, err, "attribute axis = %lld is out of "
				      "range for rank %d", (long long)axis, xs.rank);
	if (xs.rank + is.rank - 1 > OPR_MAX_RANK)
		return opr_infer_errf(g, node, err, "output would have rank %d",
				      xs.rank + is.rank - 1);
	if (opr_const_ints(g, g->nodes[node].in[1], idx, 64, &n) > 0 && xs.d[ax] >= 0)
		for (i = 0; i < n; i++)
			if (idx[i] < -xs.d[ax] || idx[i] >= xs.d[ax])
				return opr_infer_errf(g, node, err, "indices[%d] = %lld is "
						      "out of range for size %lld",
						      i, (long long)idx[i],
						      (long long)xs.d[ax]);
	opr_shape_unknown(&out);
	out.rank = xs.rank + is.rank - 1;
	for (i = 0; i < ax; i++)
		out.d[i] = xs.d[i], out.p[i] = xs.p[i];
	for (i = 0; i < is.rank; i++)
		out.d[ax + i] = is.d[i], out.p[ax + i] = is.p[i];
	for (i = ax + 1; i < xs.rank; i++)
		out.d[i + is.rank - 1] = xs.d[i], out.p[i + is.rank - 1] = xs.p[i];
	return opr_infer_set(g, node, 0, x->dtype, &out, err);
}

/* 1 when input k of node is present and not an empty constant. */
static int resize_has(const struct opr_graph *g, int node, int k)
{
	const struct opr_value *v = opr_infer_in(g, node, k);

	return v && !(v->is_initializer && v->rank == 1 && v->dims[0] == 0);
}

/* Output dims of Resize from sizes (sz) or scales (sc) over its axes. */
static int resize_dims(struct opr_graph *g, int node, const struct opr_shape *xs,
		       const int64_t *sz, const double *sc, const int *axes,
		       int na, struct opr_shape *out, struct opr_err *err)
{
	const struct opr_attr *pol = opr_node_attr(&g->nodes[node],
						   "keep_aspect_ratio_policy");
	int keep = pol && pol->type == OPR_AT_STRING && pol->s &&
		   strcmp(pol->s, "stretch") != 0;
	double s = keep && strcmp(pol->s, "not_larger") == 0 ? INFINITY : 0;
	int i;

	for (i = 0; sz && keep && i < na; i++) {
		double r = xs->d[axes[i]] > 0 ? (double)sz[i] / xs->d[axes[i]] : -1;

		if (r < 0)
			return OPR_OK;
		s = strcmp(pol->s, "not_larger") == 0 ? fmin(s, r) : fmax(s, r);
	}
	for (i = 0; i < na; i++) {
		int a = axes[i];
		double f = sc ? sc[i] : keep ? s : -1;

		if ((sc && !(sc[i] > 0)) || (sz && !keep && sz[i] < 0))
			return opr_infer_errf(g, node, err, "%s[%d] must be positive",
					      sc ? "scales" : "sizes", i);
		if (f == 1.0 && sc)
			continue;	/* keeps a symbolic dim too */
		opr_shape_dim_unknown(out, a);
		if (sz && !keep)
			out->d[a] = sz[i];
		else if (xs->d[a] >= 0 && f * xs->d[a] < 9e18)
			out->d[a] = (int64_t)(sc ? floor(f * xs->d[a]) :
					      floor(f * xs->d[a] + 0.5));
	}
	return OPR_OK;
}

int opr_infer_resize(struct opr_graph *g, int node, struct opr_err *err)
{
	const struct opr_node *n = &g->nodes[node];
	const struct opr_value *x = opr_infer_in(g, node, 0);
	int64_t sz[OPR_MAX_RANK], ax64[OPR_MAX_RANK];
	double sc[OPR_MAX_RANK];
	struct opr_shape xs, out;
	int k_sc = 2, k_sz = 3, na, i, r, axes[OPR_MAX_RANK], cnt;

	if (!x)
		return opr_infer_errf(g, node, err, "input X is missing");
	opr_infer_get(x, &xs);
	if (opr_graph_opset(g) <= 10 && n->n_in == 2)
		k_sc = 1, k_sz = -1;
	if (xs.rank < 0)
		return opr_infer_set(g, node, 0, x->dtype, NULL, err);
	if (resize_has(g, node, k_sc) && resize_has(g, node, k_sz))
		return opr_infer_errf(g, node, err, "both scales and sizes are given");
	r = opr_attr_ints(n, "axes", ax64, OPR_MAX_RANK, &na);
	if (r < 0)
		return opr_infer_errf(g, node, err, "attribute axes is not a list "
				      "of at most %d ints", OPR_MAX_RANK);
	if (r == 0)
		na = xs.rank;
	for (i = 0; i < na; i++)
		if (opr_norm_axis(r > 0 ? ax64[i] : i, xs.rank, &axes[i]))
			return opr_infer_errf(g, node, err, "attribute axes[%d] is out "
					      "of range", i);
	out = xs;
	if (resize_has(g, node, k_sz)) {
		r = opr_const_ints(g, n->in[k_sz], sz, OPR_MAX_RANK, &cnt);
		if (r > 0 && cnt == na)
			goto known;
	} else if (resize_has(g, node, k_sc)) {
		r = opr_const_floats(g, n->in[k_sc], sc, OPR_MAX_RANK, &cnt);
		if (r > 0 && cnt == na)
			goto known;
	} else {
		return opr_infer_errf(g, node, err, "neither scales nor sizes is given");
	}
	if (r < 0 || r > 0)
		return opr_infer_errf(g, node, err, "%s must hold %d values",
				      resize_has(g, node, k_sz) ? "sizes" : "scales", na);
	for (i = 0; i < na; i++)
		opr_shape_dim_unknown(&out, axes[i]);
	return opr_infer_set(g, node, 0, x->dtype, &out, err);
known:
	i = resize_has(g, node, k_sz);
	if ((r = resize_dims(g, node, &xs, i ? sz : NULL, i ? NULL : sc, axes, na,
			     &out, err)))
		return r;
	return opr_infer_set(g, node, 0, x->dtype, &out, err);
}

int opr_infer_shape(struct opr_graph *g, int node, struct opr_err *err)
{
	const struct opr_node *n = &g->nodes[node];
	const struct opr_value *x = opr_infer_in(g, node, 0);
	int64_t st, en;
	struct opr_shape out;

	if (!x)
		return opr_infer_errf(g, node, err, "input 0 is missing");
	opr_shape_unknown(&out);
	out.rank = 1;
	if (x->rank >= 0) {
		st = opr_node_attr_int(n, "start", 0);
		en = opr_node_attr_int(n, "end", x->rank);
		st = st < 0 ? st + x->rank : st;
		en = en < 0 ? en + x->rank : en;
		st = st < 0 ? 0 : st > x->rank ? x->rank : st;
		en = en < 0 ? 0 : en > x->rank ? x->rank : en;
		out.d[0] = en > st ? en - st : 0;
	}
	return opr_infer_set(g, node, 0, OPR_DT_INT64, &out, err);
}

int opr_infer_constantofshape(struct opr_graph *g, int node, struct opr_err *err)
{
	const struct opr_attr *a = opr_node_attr(&g->nodes[node], "value");
	const struct opr_value *sv = opr_infer_in(g, node, 0);
	int64_t sh[OPR_MAX_RANK + 1];
	int dtype = OPR_DT_FLOAT, n, r, i;
	struct opr_shape out;

	if (!sv)
		return opr_infer_errf(g, node, err, "input 0 is missing");
	if (a && (a->type != OPR_AT_TENSOR || !a->t || a->t->nbytes !=
		  opr_dtype_size(a->t->dtype) || !a->t->nbytes))
		return opr_infer_errf(g, node, err, "attribute value must be a "
				      "one-element tensor");
	if (a)
		dtype = a->t->dtype;
	opr_shape_unknown(&out);
	r = opr_const_ints(g, g->nodes[node].in[0], sh, OPR_MAX_RANK + 1, &n);
	if (r < 0 || n > OPR_MAX_RANK)
		return opr_infer_errf(g, node, err, "shape '%s' must be an int64 "
				      "vector of at most %d entries", sv->name,
				      OPR_MAX_RANK);
	if (r == 0 && sv->rank == 1 && sv->dims[0] >= 0 && sv->dims[0] <= OPR_MAX_RANK)
		out.rank = (int)sv->dims[0];
	for (i = 0; r > 0 && i < n; i++)
		if (sh[i] < 0)
			return opr_infer_errf(g, node, err, "shape[%d] = %lld", i,
					      (long long)sh[i]);
	if (r > 0) {
		out.rank = n;
		memcpy(out.d, sh, (size_t)n * sizeof(int64_t));
	}
	return opr_infer_set(g, node, 0, dtype, &out, err);
}

int opr_infer_expand(struct opr_graph *g, int node, struct opr_err *err)
{
	const struct opr_value *x = opr_infer_in(g, node, 0);
	const struct opr_value *sv = opr_infer_in(g, node, 1);
	int64_t sh[OPR_MAX_RANK + 1];
	struct opr_shape xs, ss, out;
	int n, r, bad;

	if (!x || !sv)
		return opr_infer_errf(g, node, err, "input %s is missing",
				      x ? "shape" : "input");
	opr_infer_get(x, &xs);
	r = opr_const_ints(g, g->nodes[node].in[1], sh, OPR_MAX_RANK + 1, &n);
	if (r < 0 || n > OPR_MAX_RANK)
		return opr_infer_errf(g, node, err, "shape '%s' must be an int64 "
				      "vector of at most %d entries", sv->name,
				      OPR_MAX_RANK);
	if (r == 0)
		return opr_infer_set(g, node, 0, x->dtype, NULL, err);
	opr_shape_unknown(&ss);
	ss.rank = n;
	memcpy(ss.d, sh, (size_t)n * sizeof(int64_t));
	bad = opr_broadcast(&xs, &ss, &out);
	if (bad)
		return opr_infer_errf(g, node, err, "shape does not broadcast with "
				      "the input at output axis %d", bad - 1);
	return opr_infer_set(g, node, 0, x->dtype, &out, err);
}
