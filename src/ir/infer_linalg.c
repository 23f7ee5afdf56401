/*
 * infer_linalg.c - shape inference for the matrix and reduction ops: Gemm
 * (with transA/transB and the unidirectional broadcast of C), MatMul (numpy
 * semantics, 1-D promotion, batch broadcast) and ReduceMean (axes as
 * attribute before opset 18, as input after, keepdims,
 * noop_with_empty_axes).
 */
#include <string.h>

#include "infer.h"

/* Checks that Gemm's C broadcasts to (m, n). */
static int gemm_bias(struct opr_graph *g, int node, int64_t m, int64_t n,
		     struct opr_err *err)
{
	const struct opr_value *c = opr_infer_in(g, node, 2);
	int64_t want[2] = { m, n };
	int i;

	if (!c || c->rank < 0)
		return OPR_OK;
	if (c->rank > 2)
		goto bad;
	for (i = 0; i < c->rank; i++) {
		int64_t d = c->dims[i], w = want[2 - c->rank + i];

		if (d >= 0 && d != 1 && w >= 0 && d != w)
			goto bad;
	}
	return OPR_OK;
bad:
	return opr_infer_errf(g, node, err, "C '%s' does not broadcast to the "
			      "%lld x %lld output", c->name, (long long)m,
			      (long long)n);
}

int opr_infer_gemm(struct opr_graph *g, int node, struct opr_err *err)
{
	const struct opr_node *nd = &g->nodes[node];
	const struct opr_value *a = opr_infer_in(g, node, 0);
	const struct opr_value *b = opr_infer_in(g, node, 1);
	int ta = opr_node_attr_int(nd, "transA", 0) != 0;
	int tb = opr_node_attr_int(nd, "transB", 0) != 0;
	struct opr_shape as, bs, out;
	int64_t k1, k2;
	int rc;

	if (!a || !b)
		return opr_infer_errf(g, node, err, "input %s is missing", a ? "B" : "A");
	opr_infer_get(a, &as);
	opr_infer_get(b, &bs);
	if ((as.rank >= 0 && as.rank != 2) || (bs.rank >= 0 && bs.rank != 2))
		return opr_infer_errf(g, node, err, "A has rank %d and B rank %d, "
				      "both must be 2", as.rank, bs.rank);
	opr_shape_unknown(&out);
	out.rank = 2;
	k1 = k2 = -1;
	if (as.rank == 2) {
		out.d[0] = as.d[ta], out.p[0] = as.p[ta];
		k1 = as.d[!ta];
	}
	if (bs.rank == 2) {
		out.d[1] = bs.d[!tb], out.p[1] = bs.p[!tb];
		k2 = bs.d[tb];
	}
	if (k1 >= 0 && k2 >= 0 && k1 != k2)
		return opr_infer_errf(g, node, err, "inner dims differ: A gives %lld, "
				      "B gives %lld (transA %d, transB %d)",
				      (long long)k1, (long long)k2, ta, tb);
	if ((rc = gemm_bias(g, node, out.d[0], out.d[1], err)))
		return rc;
	return opr_infer_set(g, node, 0, a->dtype, &out, err);
}

int opr_infer_matmul(struct opr_graph *g, int node, struct opr_err *err)
{
	const struct opr_value *a = opr_infer_in(g, node, 0);
	const struct opr_value *b = opr_infer_in(g, node, 1);
	struct opr_shape as, bs, ab, bb, out;
	int i, bad;

	if (!a || !b)
		return opr_infer_errf(g, node, err, "input %s is missing", a ? "B" : "A");
	opr_infer_get(a, &as);
	opr_infer_get(b, &bs);
	if (as.rank == 0 || bs.rank == 0)
		return opr_infer_errf(g, node, err, "MatMul of a scalar");
	if (as.rank < 0 || bs.rank < 0)
		return opr_infer_set(g, node, 0, a->dtype, NULL, err);
	if (as.d[as.rank - 1] >= 0 && bs.d[bs.rank > 1 ? bs.rank - 2 : 0] >= 0 &&
	    as.d[as.rank - 1] != bs.d[bs.rank > 1 ? bs.rank - 2 : 0])
		return opr_infer_errf(g, node, err, "inner dims differ: %lld and %lld",
				      (long long)as.d[as.rank - 1],
				      (long long)bs.d[bs.rank > 1 ? bs.rank - 2 : 0]);
	/* Broadcast the batch dims (all but the last two). */
	ab = as, bb = bs;
	ab.rank = as.rank > 2 ? as.rank - 2 : 0;
	bb.rank = bs.rank > 2 ? bs.rank - 2 : 0;
	bad = opr_broadcast(&ab, &bb, &out);
	if (bad)
		return opr_infer_errf(g, node, err, "batch dims do not broadcast "
				      "(axis %d)", bad - 1);
	if (as.rank > 1) {
		out.d[out.rank] = as.d[as.rank - 2];
		out.p[out.rank++] = as.p[as.rank - 2];
	}
	if (bs.rank > 1) {
		out.d[out.rank] = bs.d[bs.rank - 1];
		out.p[out.rank++] = bs.p[bs.rank - 1];
	}
	for (i = out.rank; i < OPR_MAX_RANK; i++)
		opr_shape_dim_unknown(&out, i);
	return opr_infer_set(g, node, 0, a->dtype, &out, err);
}

int opr_infer_reducemean(struct opr_graph *g, int node, struct opr_err *err)
{
	const struct opr_node *nd = &g->nodes[node];
	const struct opr_value *x = opr_infer_in(g, node, 0);
	int keep = opr_node_attr_int(nd, "keepdims", 1) != 0;
	int noop = opr_node_attr_int(nd, "noop_with_empty_axes", 0) != 0;
	int axes[OPR_MAX_RANK], red[OPR_MAX_RANK] = { 0 }, n, r, i;
	struct opr_shape xs, out;

	if (!x)
		return opr_infer_errf(g, node, err, "input data is missing");
	opr_infer_get(x, &xs);
	if (xs.rank < 0)
		return opr_infer_set(g, node, 0, x->dtype, NULL, err);
	r = opr_read_axes(g, node, xs.rank, axes, &n, err);
	if (r < 0)
		return -r;
	if (r == 2) {
		opr_shape_unknown(&out);
		out.rank = keep ? xs.rank : -1;
		return opr_infer_set(g, node, 0, x->dtype, &out, err);
	}
	if (r == 0 || n == 0) {
		if (noop)
			return opr_infer_set(g, node, 0, x->dtype, &xs, err);
		for (i = 0; i < xs.rank; i++)
			red[i] = 1;
	}
	for (i = 0; r == 1 && i < n; i++)
		red[axes[i]] = 1;
	opr_shape_unknown(&out);
	out.rank = 0;
	for (i = 0; i < xs.rank; i++) {
		if (!red[i]) {
			out.d[out.rank] = xs.d[i];
			out.p[out.rank++] = xs.p[i];
		} else if (keep) {
			out.d[out.rank++] = 1;
		}
	}
	return opr_infer_set(g, node, 0, x->dtype, &out, err);
}
