/*
 * infer.c - shape inference driver (opr_infer_shapes) and the helpers the
 * per-op functions in infer_*.c share: reading inputs, constants and
 * attributes, broadcasting and merging dims, writing outputs.
 *
 * The rules follow the ONNX operator spec at opset 13, with the attribute
 * and input forms of older and newer opsets where they differ.  A shape
 * that cannot be known (an input of unknown shape, a non-constant shape
 * input) leaves the output as it was; only inputs and attributes that
 * contradict the op are errors (OPR_ESHAPE naming node, op and the culprit).
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "infer.h"

int opr_infer_errf(const struct opr_graph *g, int node, struct opr_err *err,
		   const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = opr_node_verrf(err, OPR_ESHAPE, g, node, fmt, ap);
	va_end(ap);
	return rc;
}

struct opr_value *opr_infer_in(const struct opr_graph *g, int node, int k)
{
	const struct opr_node *n = &g->nodes[node];

	if (k < 0 || k >= n->n_in || n->in[k] < 0 || n->in[k] >= g->n_values)
		return NULL;
	return &g->values[n->in[k]];
}

void opr_shape_unknown(struct opr_shape *s)
{
	int i;

	s->rank = -1;
	for (i = 0; i < OPR_MAX_RANK; i++)
		opr_shape_dim_unknown(s, i);
}

void opr_shape_dim_unknown(struct opr_shape *s, int i)
{
	s->d[i] = -1;
	s->p[i] = NULL;
}

void opr_infer_get(const struct opr_value *v, struct opr_shape *s)
{
	int i;

	opr_shape_unknown(s);
	if (!v || v->rank < 0 || v->rank > OPR_MAX_RANK)
		return;
	s->rank = v->rank;
	for (i = 0; i < v->rank; i++) {
		s->d[i] = v->dims[i] >= 0 ? v->dims[i] : -1;
		s->p[i] = v->dims[i] >= 0 ? NULL : v->dim_param[i];
	}
}

int opr_shape_static(const struct opr_shape *s)
{
	int i;

	if (s->rank < 0)
		return 0;
	for (i = 0; i < s->rank; i++)
		if (s->d[i] < 0)
			return 0;
	return 1;
}

int opr_infer_set(struct opr_graph *g, int node, int k, int dtype,
		  const struct opr_shape *s, struct opr_err *err)
{
	const struct opr_node *n = &g->nodes[node];
	struct opr_value *v;
	int i;

	if (k >= n->n_out || n->out[k] < 0)
		return OPR_OK;
	v = &g->values[n->out[k]];
	if (dtype > OPR_DT_UNDEFINED && dtype < OPR_DT_COUNT)
		v->dtype = dtype;
	if (!s || s->rank < 0)
		return OPR_OK;
	if (s->rank > OPR_MAX_RANK)
		return opr_infer_errf(g, node, err, "output %d would have rank %d, "
				      "more than %d", k, s->rank, OPR_MAX_RANK);
	for (i = 0; i < s->rank; i++) {
		if (s->d[i] < 0 && !s->p[i] && v->rank == s->rank &&
		    (v->dims[i] >= 0 || v->dim_param[i]))
			continue;	/* keep what value_info said */
		v->dims[i] = s->d[i];
		v->dim_param[i] = (char *)s->p[i];
	}
	for (; i < OPR_MAX_RANK; i++) {
		v->dims[i] = -1;
		v->dim_param[i] = NULL;
	}
	v->rank = s->rank;
	return OPR_OK;
}

/* Reads element i of an integer initializer of dtype. */
static int64_t load_int(const struct opr_value *v, int64_t i)
{
	int64_t x;
	int32_t y;

	if (v->dtype == OPR_DT_INT64) {
		memcpy(&x, (const char *)v->data + i * 8, 8);
		return x;
	}
	memcpy(&y, (const char *)v->data + i * 4, 4);
	return y;
}

/* Element count of initializer v when it is of rank <= 1, else -1. */
static int64_t vec_len(const struct opr_value *v)
{
	if (v->rank == 0)
		return 1;
	if (v->rank == 1 && v->dims[0] >= 0)
		return v->dims[0];
	return -1;
}

/*
 * The initializer v as a vector of at most max entries of type t1 or t2:
 * 1 with *val and *len set, 0 when v is not an initializer, -1 when it
 * has another type, is longer than max or is not a vector.
 */
static int const_vec(const struct opr_graph *g, int v, int max, int t1, int t2,
		     const struct opr_value **val, int64_t *len)
{
	const struct opr_value *x;

	if (v < 0 || v >= g->n_values || !g->values[v].is_initializer)
		return 0;
	x = &g->values[v];
	if (x->dtype != t1 && x->dtype != t2)
		return -1;
	*len = vec_len(x);
	if (*len < 0 || *len > max ||
	    (size_t)*len * opr_dtype_size(x->dtype) > x->nbytes)
		return -1;
	*val = x;
	return 1;
}

int opr_const_ints(const struct opr_graph *g, int v, int64_t *out, int max,
		   int *n)
{
	const struct opr_value *val;
	int64_t len, i;
	int rc = const_vec(g, v, max, OPR_DT_INT64, OPR_DT_INT32, &val, &len);

	*n = 0;
	if (rc != 1)
		return rc;
	for (i = 0; i < len; i++)
		out[i] = load_int(val, i);
	*n = (int)len;
	return 1;
}

int opr_const_floats(const struct opr_graph *g, int v, double *out, int max,
		     int *n)
{
	const struct opr_value *val;
	int64_t len, i;
	int rc = const_vec(g, v, max, OPR_DT_FLOAT, OPR_DT_DOUBLE, &val, &len);

	*n = 0;
	if (rc != 1)
		return rc;
	for (i = 0; i < len; i++) {
		if (val->dtype == OPR_DT_FLOAT) {
			float f;

			memcpy(&f, (const char *)val->data + i * 4, 4);
			out[i] = f;
		} else {
			memcpy(&out[i], (const char *)val->data + i * 8, 8);
		}
	}
	*n = (int)len;
	return 1;
}

int opr_attr_ints(const struct opr_node *n, const char *name, int64_t *out,
		  int max, int *cnt)
{
	const struct opr_attr *a = opr_node_attr(n, name);

	*cnt = 0;
	if (!a)
		return 0;
	if (a->type != OPR_AT_INTS || a->n > max || a->n < 0)
		return -1;
	if (a->n)
		memcpy(out, a->ints, (size_t)a->n * sizeof(int64_t));
	*cnt = a->n;
	return 1;
}

int opr_norm_axis(int64_t a, int rank, int *out)
{
	if (a < -(int64_t)rank || a >= rank)
		return -1;
	*out = (int)(a < 0 ? a + rank : a);
	return 0;
}

int64_t opr_graph_opset(const struct opr_graph *g)
{
	int i;

	for (i = 0; i < g->n_opsets; i++)
		if (!g->opsets[i].domain || !*g->opsets[i].domain ||
		    strcmp(g->opsets[i].domain, "ai.onnx") == 0)
			return g->opsets[i].version;
	return 13;
}

int opr_dim_merge(int64_t d1, const char *p1, int64_t d2, const char *p2,
		  int64_t *d, const char **p)
{
	if (d1 >= 0 && d2 >= 0 && d1 != d2)
		return -1;
	if (d1 >= 0 || d2 >= 0) {
		*d = d1 >= 0 ? d1 : d2;
		*p = NULL;
	} else {
		*d = -1;
		*p = p1 ? p1 : p2;
	}
	return 0;
}

/* One broadcast dim from x and y (1 stretches; symbols only match themselves). */
static int bcast_dim(int64_t x, const char *px, int64_t y, const char *py,
		     int64_t *d, const char **p)
{
	*d = -1;
	*p = NULL;
	if (x == 1) {
		*d = y, *p = py;
	} else if (y == 1) {
		*d = x, *p = px;
	} else if (x >= 0 && y >= 0) {
		if (x != y)
			return -1;
		*d = x;
	} else if (x >= 0 || y >= 0) {
		*d = x >= 0 ? x : y;	/* the unknown one must be 1 or equal */
	} else if (px && py && strcmp(px, py) == 0) {
		*p = px;
	}
	return 0;
}

int opr_broadcast(const struct opr_shape *a, const struct opr_shape *b,
		  struct opr_shape *out)
{
	int r, i;

	opr_shape_unknown(out);
	if (a->rank < 0 || b->rank < 0)
		return 0;
	r = a->rank > b->rank ? a->rank : b->rank;
	out->rank = r;
	for (i = 0; i < r; i++) {
		int ia = i - (r - a->rank), ib = i - (r - b->rank);
		int64_t x = ia >= 0 ? a->d[ia] : 1, y = ib >= 0 ? b->d[ib] : 1;
		const char *px = ia >= 0 ? a->p[ia] : NULL;
		const char *py = ib >= 0 ? b->p[ib] : NULL;

		if (bcast_dim(x, px, y, py, &out->d[i], &out->p[i]))
			return i + 1;
	}
	return 0;
}

/* Checks node's input and output counts against the op table. */
static int check_arity(const struct opr_graph *g, int node, struct opr_err *err)
{
	const struct opr_node *n = &g->nodes[node];
	const struct opr_op_def *d = &opr_ops[n->op];

	if (n->n_in < d->min_in || n->n_in > d->max_in)
		return opr_infer_errf(g, node, err, "%d inputs, the op takes %d to %d",
				      n->n_in, d->min_in, d->max_in);
	if (n->n_out < d->min_out || n->n_out > d->max_out)
		return opr_infer_errf(g, node, err, "%d outputs, the op has %d to %d",
				      n->n_out, d->min_out, d->max_out);
	return OPR_OK;
}

int opr_infer_node(struct opr_graph *g, int node, struct opr_err *err)
{
	const struct opr_node *n = &g->nodes[node];
	int rc;

	if (n->dead || n->op <= OPR_OP_UNKNOWN || n->op >= OPR_OP_COUNT ||
	    !opr_ops[n->op].infer)
		return OPR_OK;
	if ((rc = check_arity(g, node, err)))
		return rc;
	return opr_ops[n->op].infer(g, node, err);
}

int opr_infer_shapes(struct opr_graph *g, struct opr_err *err)
{
	int i, rc;

	for (i = 0; i < g->n_nodes; i++)
		if ((rc = opr_infer_node(g, i, err)))
			return rc;
	return OPR_OK;
}
