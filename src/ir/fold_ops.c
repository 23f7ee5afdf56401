/*
 * fold_ops.c - constant folding of the data-movement ops: Identity /
 * Reshape / Flatten / Squeeze / Unsqueeze (a copy), Transpose, Concat,
 * Split, Slice, Gather, Expand, and of the ops that make constants: Shape,
 * ConstantOfShape, Constant.
 *
 * These move whole elements, so one implementation serves every dtype of
 * fixed size.  Output shapes come from shape inference, which the folding
 * sweep runs first; each folder returns OPR_EUNSUPPORTED rather than guess.
 */
#include <string.h>

#include "infer.h"

/* Input k's initializer, or NULL. */
static const struct opr_value *init_in(const struct opr_graph *g, int node, int k)
{
	const struct opr_value *v = opr_infer_in(g, node, k);

	return v && v->is_initializer && v->rank >= 0 ? v : NULL;
}

/*
 * Allocates *dst for the nbytes of output k of node from its inferred
 * shape.  Returns OPR_OK, OPR_EUNSUPPORTED (shape not static) or OPR_ENOMEM.
 */
static int out_alloc(struct opr_graph *g, int node, int k, char **dst,
		     size_t *nbytes, struct opr_err *err)
{
	const struct opr_value *v = &g->values[g->nodes[node].out[k]];
	int64_t numel;

	*dst = NULL;
	*nbytes = 0;
	if (opr_numel(v->dims, v->rank, &numel) || !opr_dtype_size(v->dtype))
		return OPR_EUNSUPPORTED;
	*nbytes = (size_t)numel * opr_dtype_size(v->dtype);
	*dst = opr_arena_alloc(&g->arena, *nbytes + 1);
	if (!*dst)
		return opr_errf(err, OPR_ENOMEM, "out of memory folding constants");
	return OPR_OK;
}

/* Copies element-strided data through a walk over output k. */
static int walk_copy(struct opr_graph *g, int node, int k, struct opr_walk *w,
		     const void *src, struct opr_err *err)
{
	const struct opr_value *o = &g->values[g->nodes[node].out[k]];
	size_t es = opr_dtype_size(o->dtype), nbytes, i;
	char *dst;
	int rc;

	if ((rc = out_alloc(g, node, k, &dst, &nbytes, err)))
		return rc;
	for (i = 0; i < nbytes / es; i++, opr_walk_next(w))
		memcpy(dst + i * es, (const char *)src + w->off[0] * (int64_t)es, es);
	return opr_fold_set(g, g->nodes[node].out[k], dst, nbytes, 1, err);
}

/* Identity, Reshape, Flatten, Squeeze, Unsqueeze: same bytes, new shape. */
int opr_fold_copy(struct opr_graph *g, int node, struct opr_err *err)
{
	const struct opr_value *x = init_in(g, node, 0);

	if (!x || g->values[g->nodes[node].out[0]].dtype != x->dtype)
		return OPR_EUNSUPPORTED;
	return opr_fold_set(g, g->nodes[node].out[0], x->data, x->nbytes, 0, err);
}

int opr_fold_transpose(struct opr_graph *g, int node, struct opr_err *err)
{
	const struct opr_value *x = init_in(g, node, 0);
	const struct opr_value *o = &g->values[g->nodes[node].out[0]];
	int64_t perm[OPR_MAX_RANK], st[OPR_MAX_RANK];
	struct opr_walk w;
	int i, n;

	if (!x || o->rank != x->rank)
		return OPR_EUNSUPPORTED;
	if (opr_attr_ints(&g->nodes[node], "perm", perm, OPR_MAX_RANK, &n) <= 0)
		for (n = x->rank, i = 0; i < n; i++)
			perm[i] = n - 1 - i;
	opr_strides(x->dims, x->rank, st);
	opr_walk_init(&w, o->dims, o->rank);
	for (i = 0; i < o->rank; i++)
		w.stride[0][i] = st[perm[i]];
	return walk_copy(g, node, 0, &w, x->data, err);
}

/* Product of dims [lo, hi). */
static int64_t span(const int64_t *d, int lo, int hi)
{
	int64_t p = 1;

	for (; lo < hi; lo++)
		p *= d[lo];
	return p;
}

int opr_fold_concat(struct opr_graph *g, int node, struct opr_err *err)
{
	const struct opr_node *n = &g->nodes[node];
	const struct opr_value *o = &g->values[n->out[0]];
	size_t es = opr_dtype_size(o->dtype), nbytes, pos = 0;
	int64_t outer, j;
	char *dst;
	int ax, k, rc;

	if (opr_norm_axis(opr_node_attr_int(n, "axis", 0), o->rank, &ax))
		return OPR_EUNSUPPORTED;
	for (k = 0; k < n->n_in; k++)
		if (!init_in(g, node, k) || init_in(g, node, k)->dtype != o->dtype)
			return OPR_EUNSUPPORTED;
	if ((rc = out_alloc(g, node, 0, &dst, &nbytes, err)))
		return rc;
	outer = span(o->dims, 0, ax);
	for (j = 0; j < outer; j++)
		for (k = 0; k < n->n_in; k++) {
			const struct opr_value *x = init_in(g, node, k);
			size_t chunk = (size_t)span(x->dims, ax, x->rank) * es;

			if (pos + chunk > nbytes)
				return OPR_EUNSUPPORTED;
			memcpy(dst + pos, (const char *)x->data + j * chunk, chunk);
			pos += chunk;
		}
	return opr_fold_set(g, n->out[0], dst, nbytes, 1, err);
}

int opr_fold_split(struct opr_graph *g, int node, struct opr_err *err)
{
	const struct opr_node *n = &g->nodes[node];
	const struct opr_value *x = init_in(g, node, 0);
	size_t es, nbytes, off = 0;
	int64_t outer, j;
	int ax, k, rc;

	if (!x || opr_norm_axis(opr_node_attr_int(n, "axis", 0), x->rank, &ax))
		return OPR_EUNSUPPORTED;
	es = opr_dtype_size(x->dtype);
	outer = span(x->dims, 0, ax);
	for (k = 0; k < n->n_out; k++) {
		const struct opr_value *o;
		size_t chunk, pos = 0;
		char *dst;

		if (n->out[k] < 0)
			return OPR_EUNSUPPORTED;
		o = &g->values[n->out[k]];
		if (o->rank != x->rank || o->dtype != x->dtype)
			return OPR_EUNSUPPORTED;
		chunk = (size_t)span(o->dims, ax, o->rank) * es;
		if ((rc = out_alloc(g, node, k, &dst, &nbytes, err)))
			return rc == OPR_EUNSUPPORTED && k ? OPR_EINTERNAL : rc;
		for (j = 0; j < outer; j++, pos += chunk)
			memcpy(dst + pos, (const char *)x->data + j *
			       (size_t)span(x->dims, ax, x->rank) * es + off, chunk);
		off += chunk;
		rc = opr_fold_set(g, n->out[k], dst, nbytes, 1, err);
		if (rc)
			return rc == OPR_EUNSUPPORTED ? OPR_EINTERNAL : rc;
	}
	return OPR_OK;
}

int opr_fold_slice(struct opr_graph *g, int node, struct opr_err *err)
{
	const struct opr_value *x = init_in(g, node, 0);
	int64_t st[OPR_MAX_RANK];
	struct opr_slice_plan sp;
	struct opr_shape xs;
	struct opr_walk w;
	int i, rc;

	if (!x)
		return OPR_EUNSUPPORTED;
	opr_infer_get(x, &xs);
	if ((rc = opr_slice_plan(g, node, &xs, &sp, err)))
		return rc;
	opr_strides(x->dims, x->rank, st);
	opr_walk_init(&w, sp.count, x->rank);
	for (i = 0; i < x->rank; i++) {
		if (sp.count[i] < 0)
			return OPR_EUNSUPPORTED;
		w.off[0] += sp.start[i] * st[i];
		/* a step beyond the axis is only ever taken 0 times */
		w.stride[0][i] = sp.count[i] > 1 ? sp.step[i] * st[i] : 0;
	}
	return walk_copy(g, node, 0, &w, x->data, err);
}

int opr_fold_gather(struct opr_graph *g, int node, struct opr_err *err)
{
	const struct opr_value *x = init_in(g, node, 0);
	const struct opr_value *iv = init_in(g, node, 1);
	int64_t outer, inner, dim, numi, j, i, ix;
	size_t es, nbytes, pos = 0;
	char *dst;
	int ax, rc;

	if (!x || !iv || (iv->dtype != OPR_DT_INT64 && iv->dtype != OPR_DT_INT32) ||
	    opr_norm_axis(opr_node_attr_int(&g->nodes[node], "axis", 0), x->rank, &ax) ||
	    opr_numel(iv->dims, iv->rank, &numi))
		return OPR_EUNSUPPORTED;
	es = opr_dtype_size(x->dtype);
	outer = span(x->dims, 0, ax);
	inner = span(x->dims, ax + 1, x->rank);
	dim = x->dims[ax];
	if ((rc = out_alloc(g, node, 0, &dst, &nbytes, err)))
		return rc;
	for (j = 0; j < outer; j++)
		for (i = 0; i < numi; i++) {
			if (iv->dtype == OPR_DT_INT64) {
				memcpy(&ix, (const char *)iv->data + 8 * i, 8);
			} else {
				int32_t t;

				memcpy(&t, (const char *)iv->data + 4 * i, 4);
				ix = t;
			}
			if (ix < -dim || ix >= dim)
				return opr_infer_errf(g, node, err, "indices[%lld] = %lld "
						      "is out of range for size %lld",
						      (long long)i, (long long)ix,
						      (long long)dim);
			ix = ix < 0 ? ix + dim : ix;
			if (pos + (size_t)inner * es > nbytes)
				return OPR_EUNSUPPORTED;
			memcpy(dst + pos, (const char *)x->data +
			       ((size_t)(j * dim + ix) * inner) * es, (size_t)inner * es);
			pos += (size_t)inner * es;
		}
	return opr_fold_set(g, g->nodes[node].out[0], dst, nbytes, 1, err);
}

int opr_fold_expand(struct opr_graph *g, int node, struct opr_err *err)
{
	const struct opr_value *x = init_in(g, node, 0);
	const struct opr_value *o = &g->values[g->nodes[node].out[0]];
	int64_t st[OPR_MAX_RANK];
	struct opr_walk w;
	int i;

	if (!x || o->rank < x->rank)
		return OPR_EUNSUPPORTED;
	opr_strides(x->dims, x->rank, st);
	opr_walk_init(&w, o->dims, o->rank);
	for (i = 0; i < x->rank; i++) {
		int oi = i + o->rank - x->rank;

		w.stride[0][oi] = x->dims[i] == 1 ? 0 : st[i];
	}
	return walk_copy(g, node, 0, &w, x->data, err);
}

int opr_fold_shape(struct opr_graph *g, int node, struct opr_err *err)
{
	const struct opr_value *x = opr_infer_in(g, node, 0);
	const struct opr_value *o = &g->values[g->nodes[node].out[0]];
	int64_t st, numel;

	if (!x || x->rank < 0 || opr_numel(x->dims, x->rank, &numel) ||
	    o->rank != 1 || o->dims[0] < 0)
		return OPR_EUNSUPPORTED;
	st = opr_node_attr_int(&g->nodes[node], "start", 0);
	st = st < 0 ? st + x->rank : st;
	st = st < 0 ? 0 : st > x->rank ? x->rank : st;
	if (st + o->dims[0] > x->rank)
		return OPR_EUNSUPPORTED;
	return opr_fold_set(g, g->nodes[node].out[0], x->dims + st,
			    (size_t)o->dims[0] * sizeof(int64_t), 0, err);
}

int opr_fold_constantofshape(struct opr_graph *g, int node, struct opr_err *err)
{
	const struct opr_attr *a = opr_node_attr(&g->nodes[node], "value");
	const struct opr_value *o = &g->values[g->nodes[node].out[0]];
	static const float zero;
	const void *val = &zero;
	size_t es = sizeof(float), nbytes, i;
	char *dst;
	int rc;

	if (a && a->type == OPR_AT_TENSOR && a->t && a->t->data) {
		val = a->t->data;
		es = opr_dtype_size(a->t->dtype);
	}
	if (!es || es != opr_dtype_size(o->dtype))
		return OPR_EUNSUPPORTED;
	if ((rc = out_alloc(g, node, 0, &dst, &nbytes, err)))
		return rc;
	for (i = 0; i + es <= nbytes; i += es)
		memcpy(dst + i, val, es);
	return opr_fold_set(g, g->nodes[node].out[0], dst, nbytes, 1, err);
}

int opr_fold_constant(struct opr_graph *g, int node, struct opr_err *err)
{
	const struct opr_node *n = &g->nodes[node];
	const struct opr_attr *a = n->n_attrs == 1 ? &n->attrs[0] : NULL;
	int v = n->out[0];

	if (!a)
		return OPR_EUNSUPPORTED;
	switch (a->type) {
	case OPR_AT_TENSOR:
		return a->t && a->t->data ?
			opr_fold_set(g, v, a->t->data, a->t->nbytes, 0, err) :
			OPR_EUNSUPPORTED;
	case OPR_AT_FLOAT:
		return opr_fold_set(g, v, &a->f, sizeof(float), 0, err);
	case OPR_AT_INT:
		return opr_fold_set(g, v, &a->i, sizeof(int64_t), 0, err);
	case OPR_AT_FLOATS:
		return opr_fold_set(g, v, a->n ? (const void *)a->floats : "",
				    (size_t)a->n * sizeof(float), 0, err);
	case OPR_AT_INTS:
		return opr_fold_set(g, v, a->n ? (const void *)a->ints : "",
				    (size_t)a->n * sizeof(int64_t), 0, err);
	default:
		return OPR_EUNSUPPORTED;
	}
}
