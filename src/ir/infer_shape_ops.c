/*
 * infer_shape_ops.c - shape inference for the ops that rearrange a tensor
 * without computing on it: Reshape, Flatten, Transpose, Concat, Split,
 * Squeeze and Unsqueeze.
 *
 * Symbolic dims (the batch "N") travel through them: a Reshape that copies
 * a dim (0) or infers one (-1) from an input holding the same symbols keeps
 * the symbol, so [N,C,H,W] -> [0,g,C/g,H,W] -> ... -> [0,-1] stay exact.
 */
#include <string.h>

#include "infer.h"

/* A product of dims: a known factor times symbols. */
struct prod {
	int64_t k;			/* known factor */
	const char *sym[OPR_MAX_RANK];	/* symbolic factors */
	int ns;				/* entries in sym */
	int unknown;			/* 1 when some factor is not known at all */
};

/* Multiplies dims [lo, hi) of s into p. */
static void prod_of(const struct opr_shape *s, int lo, int hi, struct prod *p)
{
	int i;

	memset(p, 0, sizeof(*p));
	p->k = 1;
	for (i = lo; i < hi; i++) {
		if (s->d[i] >= 0) {
			if (s->d[i] && p->k > INT64_MAX / s->d[i])
				p->unknown = 1;
			else
				p->k *= s->d[i];
		} else if (s->p[i]) {
			p->sym[p->ns++] = s->p[i];
		} else {
			p->unknown = 1;
		}
	}
}

/* Writes the product p as one dim: known, a lone symbol, or unknown. */
static void prod_dim(const struct prod *p, int64_t *d, const char **sym)
{
	*d = -1;
	*sym = NULL;
	if (p->unknown)
		return;
	if (p->ns == 0)
		*d = p->k;
	else if (p->ns == 1 && p->k == 1)
		*sym = p->sym[0];
}

/* Divides num by den (symbols cancel by name) into the dim *d / *sym. */
static void prod_div(struct prod *num, const struct prod *den, int64_t *d,
		     const char **sym)
{
	int i, j;

	*d = -1;
	*sym = NULL;
	if (num->unknown || den->unknown || den->k == 0 || num->k % den->k)
		return;
	for (i = 0; i < den->ns; i++) {
		for (j = 0; j < num->ns; j++)
			if (num->sym[j] && strcmp(num->sym[j], den->sym[i]) == 0)
				break;
		if (j == num->ns)
			return;
		num->sym[j] = num->sym[--num->ns];
	}
	num->k /= den->k;
	prod_dim(num, d, sym);
}

/* Reshape output from a constant shape of n entries. */
static int reshape_const(struct opr_graph *g, int node, const struct opr_shape *xs,
			 const int64_t *sh, int n, struct opr_shape *out,
			 struct opr_err *err)
{
	int allowzero = opr_node_attr_int(&g->nodes[node], "allowzero", 0) != 0;
	int i, neg = -1;
	struct prod in, known;

	opr_shape_unknown(out);
	out->rank = n;
	for (i = 0; i < n; i++) {
		if (sh[i] == -1) {
			if (neg >= 0)
				return opr_infer_errf(g, node, err, "shape has -1 at "
						      "positions %d and %d", neg, i);
			neg = i;
		} else if (sh[i] < -1) {
			return opr_infer_errf(g, node, err, "shape[%d] = %lld",
					      i, (long long)sh[i]);
		} else if (sh[i] == 0 && !allowzero) {
			if (xs->rank >= 0 && i >= xs->rank)
				return opr_infer_errf(g, node, err, "shape[%d] = 0 copies "
						      "a dim the rank-%d input lacks",
						      i, xs->rank);
			if (xs->rank >= 0)
				out->d[i] = xs->d[i], out->p[i] = xs->p[i];
		} else {
			out->d[i] = sh[i];
		}
	}
	if (neg >= 0 && allowzero)
		for (i = 0; i < n; i++)
			if (sh[i] == 0)
				return opr_infer_errf(g, node, err, "shape has both -1 "
						      "and 0 with allowzero = 1");
	if (xs->rank < 0)
		return OPR_OK;
	prod_of(xs, 0, xs->rank, &in);
	out->d[neg >= 0 ? neg : 0] = neg >= 0 ? 1 : out->d[0];
	prod_of(out, 0, n, &known);
	if (neg >= 0) {
		prod_div(&in, &known, &out->d[neg], &out->p[neg]);
		if (out->d[neg] < 0 && !out->p[neg] && !in.unknown && !known.unknown &&
		    in.ns == 0 && known.ns == 0)
			goto mismatch;
	} else if (!in.unknown && !known.unknown && in.ns == 0 && known.ns == 0 &&
		   in.k != known.k) {
		goto mismatch;
	}
	return OPR_OK;
mismatch:
	return opr_infer_errf(g, node, err, "cannot reshape %lld elements to the "
			      "given shape", (long long)in.k);
}

int opr_infer_reshape(struct opr_graph *g, int node, struct opr_err *err)
{
	const struct opr_value *x = opr_infer_in(g, node, 0);
	const struct opr_value *sv = opr_infer_in(g, node, 1);
	int64_t sh[OPR_MAX_RANK + 1];
	struct opr_shape xs, out;
	int n, r, rc;

	if (!x || !sv)
		return opr_infer_errf(g, node, err, "input %s is missing",
				      x ? "shape" : "data");
	opr_infer_get(x, &xs);
	r = opr_const_ints(g, g->nodes[node].in[1], sh, OPR_MAX_RANK + 1, &n);
	if (r < 0 || n > OPR_MAX_RANK)
		return opr_infer_errf(g, node, err, "shape '%s' must be an int64 "
				      "vector of at most %d entries", sv->name,
				      OPR_MAX_RANK);
	if (r == 0) {
		opr_shape_unknown(&out);
		if (sv->rank == 1 && sv->dims[0] >= 0 && sv->dims[0] <= OPR_MAX_RANK)
			out.rank = (int)sv->dims[0];
		return opr_infer_set(g, node, 0, x->dtype, &out, err);
	}
	if ((rc = reshape_const(g, node, &xs, sh, n, &out, err)))
		return rc;
	return opr_infer_set(g, node, 0, x->dtype, &out, err);
}

int opr_infer_flatten(struct opr_graph *g, int node, struct opr_err *err)
{
	const struct opr_value *x = opr_infer_in(g, node, 0);
	int64_t axis = opr_node_attr_int(&g->nodes[node], "axis", 1);
	struct opr_shape xs, out;
	struct prod p;

	if (!x)
		return opr_infer_errf(g, node, err, "input 0 is missing");
	opr_infer_get(x, &xs);
	if (xs.rank < 0)
		return opr_infer_set(g, node, 0, x->dtype, NULL, err);
	if (axis < -(int64_t)xs.rank || axis > xs.rank)
		return opr_infer_errf(g, node, err, "attribute axis = %lld is out of "
				      "range for rank %d", (long long)axis, xs.rank);
	if (axis < 0)
		axis += xs.rank;
	opr_shape_unknown(&out);
	out.rank = 2;
	prod_of(&xs, 0, (int)axis, &p);
	prod_dim(&p, &out.d[0], &out.p[0]);
	prod_of(&xs, (int)axis, xs.rank, &p);
	prod_dim(&p, &out.d[1], &out.p[1]);
	return opr_infer_set(g, node, 0, x->dtype, &out, err);
}

int opr_infer_transpose(struct opr_graph *g, int node, struct opr_err *err)
{
	const struct opr_value *x = opr_infer_in(g, node, 0);
	int64_t perm[OPR_MAX_RANK];
	struct opr_shape xs, out;
	int i, n, r, seen = 0;

	if (!x)
		return opr_infer_errf(g, node, err, "input 0 is missing");
	opr_infer_get(x, &xs);
	r = opr_attr_ints(&g->nodes[node], "perm", perm, OPR_MAX_RANK, &n);
	if (r < 0 || (r > 0 && xs.rank >= 0 && n != xs.rank))
		return opr_infer_errf(g, node, err, "attribute perm has %d entries "
				      "for an input of rank %d", n, xs.rank);
	if (r == 0 && xs.rank < 0)
		return opr_infer_set(g, node, 0, x->dtype, NULL, err);
	if (r == 0)
		for (n = xs.rank, i = 0; i < n; i++)
			perm[i] = n - 1 - i;
	for (i = 0; i < n; i++) {
		if (perm[i] < 0 || perm[i] >= n || (seen & (1 << perm[i])))
			return opr_infer_errf(g, node, err, "attribute perm is not a "
					      "permutation of 0..%d (perm[%d] = %lld)",
					      n - 1, i, (long long)perm[i]);
		seen |= 1 << perm[i];
	}
	opr_shape_unknown(&out);
	out.rank = n;
	for (i = 0; i < n && xs.rank >= 0; i++)
		out.d[i] = xs.d[perm[i]], out.p[i] = xs.p[perm[i]];
	return opr_infer_set(g, node, 0, x->dtype, &out, err);
}

/* Folds input k's shape s into the Concat output acc along axis ax. */
static int concat_one(struct opr_graph *g, int node, int k, int ax,
		      const struct opr_shape *s, struct opr_shape *acc,
		      struct opr_err *err)
{
	int i;

	if (s->rank != acc->rank)
		return opr_infer_errf(g, node, err, "input %d has rank %d, input 0 "
				      "has rank %d", k, s->rank, acc->rank);
	for (i = 0; i < s->rank; i++) {
		if (i == ax) {
			if (acc->d[i] >= 0 && s->d[i] >= 0 &&
			    acc->d[i] <= INT64_MAX - s->d[i])
				acc->d[i] += s->d[i];
			else
				opr_shape_dim_unknown(acc, i);
			continue;
		}
		if (opr_dim_merge(acc->d[i], acc->p[i], s->d[i], s->p[i],
				  &acc->d[i], &acc->p[i]))
			return opr_infer_errf(g, node, err, "input %d has %lld on "
					      "axis %d, input 0 has %lld", k,
					      (long long)s->d[i], i,
					      (long long)acc->d[i]);
	}
	return OPR_OK;
}

int opr_infer_concat(struct opr_graph *g, int node, struct opr_err *err)
{
	const struct opr_node *n = &g->nodes[node];
	const struct opr_attr *a = opr_node_attr(n, "axis");
	struct opr_shape acc, s;
	int k, ax = 0, rc, dtype = OPR_DT_UNDEFINED;

	if (!a || a->type != OPR_AT_INT)
		return opr_infer_errf(g, node, err, "attribute axis is missing");
	opr_shape_unknown(&acc);
	for (k = 0; k < n->n_in; k++) {
		const struct opr_value *v = opr_infer_in(g, node, k);

		if (!v)
			return opr_infer_errf(g, node, err, "input %d is missing", k);
		if (dtype && v->dtype && v->dtype != dtype)
			return opr_infer_errf(g, node, err, "input %d is %s, input 0 "
					      "is %s", k, opr_dtype_name(v->dtype),
					      opr_dtype_name(dtype));
		if (!dtype)
			dtype = v->dtype;
		opr_infer_get(v, &s);
		if (s.rank < 0)
			return opr_infer_set(g, node, 0, dtype, NULL, err);
		if (acc.rank < 0) {
			if (opr_norm_axis(a->i, s.rank, &ax))
				return opr_infer_errf(g, node, err, "attribute axis = "
						      "%lld is out of range for "
						      "rank %d", (long long)a->i,
						      s.rank);
			acc = s;
		} else if ((rc = concat_one(g, node, k, ax, &s, &acc, err))) {
			return rc;
		}
	}
	return opr_infer_set(g, node, 0, dtype, &acc, err);
}

/* Split sizes: from input 1, attribute split, num_outputs or equal parts. */
static int split_sizes(struct opr_graph *g, int node, int64_t dim,
		       int64_t *sz, struct opr_err *err)
{
	const struct opr_node *n = &g->nodes[node];
	int cnt = 0, r, i;
	int64_t chunk;

	r = opr_const_ints(g, n->n_in > 1 ? n->in[1] : -1, sz, n->n_out, &cnt);
	if (r == 0 && n->n_in > 1 && n->in[1] >= 0)
		return OPR_EUNSUPPORTED;	/* sizes computed at run time */
	if (r == 0)
		r = opr_attr_ints(n, "split", sz, n->n_out, &cnt);
	if (r < 0 || (r > 0 && cnt != n->n_out))
		return opr_infer_errf(g, node, err, "split sizes must be %d int64 "
				      "values, one per output", n->n_out);
	if (r > 0)
		return OPR_OK;
	if (dim < 0)
		return OPR_EUNSUPPORTED;
	chunk = dim / n->n_out;
	if (opr_node_attr(n, "num_outputs")) {
		chunk = (dim + n->n_out - 1) / n->n_out;
	} else if (dim % n->n_out) {
		return opr_infer_errf(g, node, err, "%lld elements on the split axis "
				      "do not divide into %d outputs",
				      (long long)dim, n->n_out);
	}
	for (i = 0; i < n->n_out; i++) {
		sz[i] = chunk < dim - chunk * i ? chunk : dim - chunk * i;
		if (sz[i] < 0)
			sz[i] = 0;
	}
	return OPR_OK;
}

int opr_infer_split(struct opr_graph *g, int node, struct opr_err *err)
{
	const struct opr_node *n = &g->nodes[node];
	const struct opr_value *x = opr_infer_in(g, node, 0);
	int64_t axis = opr_node_attr_int(n, "axis", 0), *sz, sum = 0;
	struct opr_shape xs, out;
	int ax, k, rc;

	if (!x)
		return opr_infer_errf(g, node, err, "input 0 is missing");
	opr_infer_get(x, &xs);
	if (xs.rank < 0) {
		for (k = 0; k < n->n_out; k++)
			if ((rc = opr_infer_set(g, node, k, x->dtype, NULL, err)))
				return rc;
		return OPR_OK;
	}
	if (opr_norm_axis(axis, xs.rank, &ax))
		return opr_infer_errf(g, node, err, "attribute axis = %lld is out of "
				      "range for rank %d", (long long)axis, xs.rank);
	sz = opr_arena_alloc(&g->arena, (size_t)n->n_out * sizeof(int64_t));
	if (!sz)
		return opr_errf(err, OPR_ENOMEM, "out of memory");
	rc = split_sizes(g, node, xs.d[ax], sz, err);
	if (rc != OPR_OK && rc != OPR_EUNSUPPORTED)
		return rc;
	for (k = 0; rc == OPR_OK && k < n->n_out; k++) {
		if (sz[k] < 0 || sz[k] > INT64_MAX - sum)
			return opr_infer_errf(g, node, err, "split[%d] = %lld", k,
					      (long long)sz[k]);
		sum += sz[k];
	}
	if (rc == OPR_OK && xs.d[ax] >= 0 && sum != xs.d[ax])
		return opr_infer_errf(g, node, err, "split sizes add up to %lld, the "
				      "axis has %lld", (long long)sum,
				      (long long)xs.d[ax]);
	for (k = 0; k < n->n_out; k++) {
		int rc2;

		out = xs;
		out.d[ax] = rc == OPR_OK ? sz[k] : -1;
		out.p[ax] = NULL;
		if ((rc2 = opr_infer_set(g, node, k, x->dtype, &out, err)))
			return rc2;
	}
	return OPR_OK;
}

/*
 * Reads the axes of Squeeze/Unsqueeze/ReduceMean (input 1 or attribute) and
 * normalises them against rank.  Returns 1 when read, 0 when absent, 2 when
 * given as a non-constant input, or an error (negative status).
 */
int opr_read_axes(struct opr_graph *g, int node, int rank, int *axes, int *n,
		  struct opr_err *err)
{
	const struct opr_node *nd = &g->nodes[node];
	int64_t raw[OPR_MAX_RANK + 1];
	int r, i, j;

	r = opr_const_ints(g, nd->n_in > 1 ? nd->in[1] : -1, raw, OPR_MAX_RANK + 1, n);
	if (r == 0 && nd->n_in > 1 && nd->in[1] >= 0)
		return 2;
	if (r == 0)
		r = opr_attr_ints(nd, "axes", raw, OPR_MAX_RANK + 1, n);
	if (r < 0 || *n > OPR_MAX_RANK)
		return -opr_infer_errf(g, node, err, "axes must be at most %d int64 "
				       "values", OPR_MAX_RANK);
	for (i = 0; r > 0 && i < *n; i++) {
		if (opr_norm_axis(raw[i], rank, &axes[i]))
			return -opr_infer_errf(g, node, err, "axes[%d] = %lld is out "
					       "of range for rank %d", i,
					       (long long)raw[i], rank);
		for (j = 0; j < i; j++)
			if (axes[j] == axes[i])
				return -opr_infer_errf(g, node, err, "axis %d is "
						       "repeated in axes", axes[i]);
	}
	return r;
}

int opr_infer_squeeze(struct opr_graph *g, int node, struct opr_err *err)
{
	const struct opr_value *x = opr_infer_in(g, node, 0);
	struct opr_shape xs, out;
	int axes[OPR_MAX_RANK], drop[OPR_MAX_RANK] = { 0 }, n, r, i;

	if (!x)
		return opr_infer_errf(g, node, err, "input 0 is missing");
	opr_infer_get(x, &xs);
	if (xs.rank < 0)
		return opr_infer_set(g, node, 0, x->dtype, NULL, err);
	r = opr_read_axes(g, node, xs.rank, axes, &n, err);
	if (r < 0)
		return -r;
	if (r == 2)
		return opr_infer_set(g, node, 0, x->dtype, NULL, err);
	for (i = 0; r == 1 && i < n; i++) {
		if (xs.d[axes[i]] >= 0 && xs.d[axes[i]] != 1)
			return opr_infer_errf(g, node, err, "axis %d has size %lld, "
					      "not 1", axes[i],
					      (long long)xs.d[axes[i]]);
		drop[axes[i]] = 1;
	}
	for (i = 0; r == 0 && i < xs.rank; i++) {
		if (xs.d[i] < 0)	/* might be 1 at run time */
			return opr_infer_set(g, node, 0, x->dtype, NULL, err);
		drop[i] = xs.d[i] == 1;
	}
	opr_shape_unknown(&out);
	out.rank = 0;
	for (i = 0; i < xs.rank; i++)
		if (!drop[i]) {
			out.d[out.rank] = xs.d[i];
			out.p[out.rank++] = xs.p[i];
		}
	return opr_infer_set(g, node, 0, x->dtype, &out, err);
}

int opr_infer_unsqueeze(struct opr_graph *g, int node, struct opr_err *err)
{
	const struct opr_value *x = opr_infer_in(g, node, 0);
	const struct opr_value *av = opr_infer_in(g, node, 1);
	struct opr_shape xs, out;
	int axes[OPR_MAX_RANK], ins[OPR_MAX_RANK] = { 0 }, n, r, i, j, ar;

	if (!x)
		return opr_infer_errf(g, node, err, "input 0 is missing");
	opr_infer_get(x, &xs);
	if (xs.rank < 0)
		return opr_infer_set(g, node, 0, x->dtype, NULL, err);
	if (av) {
		int64_t tmp[OPR_MAX_RANK + 1];

		if (opr_const_ints(g, g->nodes[node].in[1], tmp, OPR_MAX_RANK + 1,
				   &n) < 0)
			return opr_infer_errf(g, node, err, "axes '%s' must be at most "
					      "%d int64 values", av->name,
					      OPR_MAX_RANK);
	} else {
		const struct opr_attr *a = opr_node_attr(&g->nodes[node], "axes");

		n = a ? a->n : 0;
	}
	ar = xs.rank + n;
	if (ar > OPR_MAX_RANK)
		return opr_infer_errf(g, node, err, "output would have rank %d, more "
				      "than %d", ar, OPR_MAX_RANK);
	r = opr_read_axes(g, node, ar, axes, &n, err);
	if (r < 0)
		return -r;
	if (r == 2)
		return opr_infer_set(g, node, 0, x->dtype, NULL, err);
	if (r == 0)
		return opr_infer_errf(g, node, err, "axes are missing");
	for (i = 0; i < n; i++)
		ins[axes[i]] = 1;
	opr_shape_unknown(&out);
	out.rank = xs.rank + n;
	for (i = 0, j = 0; i < out.rank; i++) {
		if (ins[i]) {
			out.d[i] = 1;
		} else {
			out.d[i] = xs.d[j];
			out.p[i] = xs.p[j++];
		}
	}
	return opr_infer_set(g, node, 0, x->dtype, &out, err);
}
