/*
 * infer_elementwise.c - shape inference for ops whose output has the shape
 * of an input or of the broadcast of their inputs: unary activations,
 * Identity, Dropout, Clip, Cast, Softmax, BatchNormalization, the binary
 * arithmetic ops, Sum and PRelu, and Constant.
 */
#include <string.h>

#include "infer.h"

/* Copies input 0's shape and dtype to output 0. */
int opr_infer_same(struct opr_graph *g, int node, struct opr_err *err)
{
	const struct opr_value *x = opr_infer_in(g, node, 0);
	struct opr_shape s;

	if (!x)
		return opr_infer_errf(g, node, err, "input 0 is missing");
	opr_infer_get(x, &s);
	return opr_infer_set(g, node, 0, x->dtype, &s, err);
}

/* Fails when two known dtypes of the node's inputs differ. */
static int same_dtype(struct opr_graph *g, int node, int a, int b,
		      struct opr_err *err)
{
	const struct opr_value *x = opr_infer_in(g, node, a);
	const struct opr_value *y = opr_infer_in(g, node, b);

	if (x && y && x->dtype && y->dtype && x->dtype != y->dtype)
		return opr_infer_errf(g, node, err,
				      "input %d is %s but input %d is %s", a,
				      opr_dtype_name(x->dtype), b,
				      opr_dtype_name(y->dtype));
	return OPR_OK;
}

/* Broadcasts inputs 0..n_in-1 into output 0 (Add, Sub, Mul, Div, Sum). */
static int broadcast_all(struct opr_graph *g, int node, struct opr_err *err)
{
	const struct opr_node *n = &g->nodes[node];
	struct opr_shape acc, s, out;
	int k, bad, dtype = OPR_DT_UNDEFINED, rc;

	for (k = 0; k < n->n_in; k++) {
		const struct opr_value *v = opr_infer_in(g, node, k);

		if (!v)
			return opr_infer_errf(g, node, err, "input %d is missing", k);
		if (k && (rc = same_dtype(g, node, 0, k, err)))
			return rc;
		if (!dtype)
			dtype = v->dtype;
		opr_infer_get(v, &s);
		if (k == 0) {
			acc = s;
			continue;
		}
		bad = opr_broadcast(&acc, &s, &out);
		if (bad)
			return opr_infer_errf(g, node, err, "input %d '%s' does not "
					      "broadcast with the inputs before it "
					      "(output axis %d)", k, v->name, bad - 1);
		acc = out;
	}
	return opr_infer_set(g, node, 0, dtype, &acc, err);
}

int opr_infer_binary(struct opr_graph *g, int node, struct opr_err *err)
{
	return broadcast_all(g, node, err);
}

int opr_infer_sum(struct opr_graph *g, int node, struct opr_err *err)
{
	return broadcast_all(g, node, err);
}

/* PRelu: slope broadcasts to X (unidirectionally); the output is X. */
int opr_infer_prelu(struct opr_graph *g, int node, struct opr_err *err)
{
	const struct opr_value *x = opr_infer_in(g, node, 0);
	const struct opr_value *sl = opr_infer_in(g, node, 1);
	struct opr_shape xs, ss, out;
	int i, rc;

	if (!x || !sl)
		return opr_infer_errf(g, node, err, "input %d is missing", x ? 1 : 0);
	if ((rc = same_dtype(g, node, 0, 1, err)))
		return rc;
	opr_infer_get(x, &xs);
	opr_infer_get(sl, &ss);
	if (xs.rank >= 0 && ss.rank > xs.rank)
		return opr_infer_errf(g, node, err, "slope has rank %d, more than "
				      "X's %d", ss.rank, xs.rank);
	if (opr_broadcast(&xs, &ss, &out))
		goto bad;
	for (i = 0; xs.rank >= 0 && ss.rank >= 0 && i < xs.rank; i++)
		if (xs.d[i] >= 0 && out.d[i] >= 0 && xs.d[i] != out.d[i])
			goto bad;
	return opr_infer_set(g, node, 0, x->dtype, &xs, err);
bad:
	return opr_infer_errf(g, node, err, "slope '%s' does not broadcast to X",
			      sl->name);
}

/* Checks that BatchNormalization parameter k is a vector of c elements. */
static int bn_param(struct opr_graph *g, int node, int k, int64_t c,
		    struct opr_err *err)
{
	static const char *const names[] = { "X", "scale", "B", "mean", "var" };
	const struct opr_value *p = opr_infer_in(g, node, k);

	if (!p)
		return opr_infer_errf(g, node, err, "input %s is missing", names[k]);
	if (p->rank < 0)
		return OPR_OK;
	if (p->rank != 1)
		return opr_infer_errf(g, node, err, "%s '%s' has rank %d, want 1",
				      names[k], p->name, p->rank);
	if (c >= 0 && p->dims[0] >= 0 && p->dims[0] != c)
		return opr_infer_errf(g, node, err, "%s '%s' has %lld elements but "
				      "X has %lld channels", names[k], p->name,
				      (long long)p->dims[0], (long long)c);
	return OPR_OK;
}

int opr_infer_batchnorm(struct opr_graph *g, int node, struct opr_err *err)
{
	const struct opr_value *x = opr_infer_in(g, node, 0);
	struct opr_shape xs, cs;
	int k, rc;

	if (!x)
		return opr_infer_errf(g, node, err, "input X is missing");
	opr_infer_get(x, &xs);
	if (xs.rank >= 0 && xs.rank < 2)
		return opr_infer_errf(g, node, err, "X has rank %d, want at least 2",
				      xs.rank);
	opr_shape_unknown(&cs);
	cs.rank = 1;
	if (xs.rank >= 2)
		cs.d[0] = xs.d[1], cs.p[0] = xs.p[1];
	for (k = 1; k < 5; k++)
		if ((rc = bn_param(g, node, k, cs.d[0], err)))
			return rc;
	for (k = 1; k < 5 && cs.d[0] < 0; k++) {
		const struct opr_value *p = opr_infer_in(g, node, k);

		if (p->rank == 1 && p->dims[0] >= 0)
			cs.d[0] = p->dims[0], cs.p[0] = NULL;
	}
	if ((rc = opr_infer_set(g, node, 0, x->dtype, &xs, err)))
		return rc;
	for (k = 1; k < g->nodes[node].n_out; k++) {
		const struct opr_value *m = opr_infer_in(g, node, k + 2);

		if ((rc = opr_infer_set(g, node, k, m ? m->dtype : x->dtype, &cs, err)))
			return rc;
	}
	return OPR_OK;
}

int opr_infer_clip(struct opr_graph *g, int node, struct opr_err *err)
{
	int k, rc;

	for (k = 1; k < g->nodes[node].n_in; k++) {
		const struct opr_value *b = opr_infer_in(g, node, k);
		int64_t numel;

		if (!b)
			continue;
		if ((rc = same_dtype(g, node, 0, k, err)))
			return rc;
		if (!opr_numel(b->dims, b->rank, &numel) && numel != 1)
			return opr_infer_errf(g, node, err, "%s '%s' has %lld "
					      "elements, want a scalar",
					      k == 1 ? "min" : "max", b->name,
					      (long long)numel);
	}
	return opr_infer_same(g, node, err);
}

int opr_infer_cast(struct opr_graph *g, int node, struct opr_err *err)
{
	const struct opr_node *n = &g->nodes[node];
	const struct opr_value *x = opr_infer_in(g, node, 0);
	const struct opr_attr *a = opr_node_attr(n, "to");
	struct opr_shape s;

	if (!x)
		return opr_infer_errf(g, node, err, "input 0 is missing");
	if (!a || a->type != OPR_AT_INT)
		return opr_infer_errf(g, node, err, "attribute 'to' is missing");
	if (a->i <= OPR_DT_UNDEFINED || a->i >= OPR_DT_COUNT)
		return opr_infer_errf(g, node, err, "attribute 'to' = %lld is not a "
				      "tensor element type", (long long)a->i);
	opr_infer_get(x, &s);
	return opr_infer_set(g, node, 0, (int)a->i, &s, err);
}

int opr_infer_dropout(struct opr_graph *g, int node, struct opr_err *err)
{
	const struct opr_value *x = opr_infer_in(g, node, 0);
	struct opr_shape s;
	int rc;

	if ((rc = opr_infer_same(g, node, err)))
		return rc;
	opr_infer_get(x, &s);
	return opr_infer_set(g, node, 1, OPR_DT_BOOL, &s, err);
}

int opr_infer_softmax(struct opr_graph *g, int node, struct opr_err *err)
{
	const struct opr_node *n = &g->nodes[node];
	const struct opr_value *x = opr_infer_in(g, node, 0);
	int64_t axis = opr_node_attr_int(n, "axis", opr_graph_opset(g) >= 13 ? -1 : 1);
	int ax;

	if (x && x->rank >= 0 && opr_norm_axis(axis, x->rank, &ax))
		return opr_infer_errf(g, node, err, "attribute axis = %lld is out of "
				      "range for rank %d", (long long)axis, x->rank);
	return opr_infer_same(g, node, err);
}

/* Constant: the output is the attribute's tensor. */
int opr_infer_constant(struct opr_graph *g, int node, struct opr_err *err)
{
	const struct opr_node *n = &g->nodes[node];
	const struct opr_attr *a = n->n_attrs == 1 ? &n->attrs[0] : NULL;
	struct opr_shape s;
	int dtype = OPR_DT_UNDEFINED, i;

	opr_shape_unknown(&s);
	if (!a)
		return opr_infer_errf(g, node, err, "has %d attributes, want exactly "
				      "one value", n->n_attrs);
	s.rank = 0;
	if (a->type == OPR_AT_TENSOR && a->t) {
		dtype = a->t->dtype;
		s.rank = a->t->rank;
		for (i = 0; i < s.rank && i < OPR_MAX_RANK; i++)
			s.d[i] = a->t->dims[i];
	} else if (a->type == OPR_AT_FLOAT || a->type == OPR_AT_FLOATS) {
		dtype = OPR_DT_FLOAT;
	} else if (a->type == OPR_AT_INT || a->type == OPR_AT_INTS) {
		dtype = OPR_DT_INT64;
	} else if (a->type == OPR_AT_STRING || a->type == OPR_AT_STRINGS) {
		dtype = OPR_DT_STRING;
	} else {
		return OPR_OK;	/* sparse_value: left as imported */
	}
	if (a->type == OPR_AT_FLOATS || a->type == OPR_AT_INTS ||
	    a->type == OPR_AT_STRINGS) {
		s.rank = 1;
		s.d[0] = a->n;
	}
	return opr_infer_set(g, node, 0, dtype, &s, err);
}
