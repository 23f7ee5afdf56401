/*
 * plan.c - what opr_rt_new() decides once: the kind of every value, the
 * runtime op of every node, which nodes are static, and where each
 * activation lives in the workspace.
 *
 * Memory plan: an activation (or a chain of views of it) lives from the
 * node that writes it to the last node that reads it (graph outputs to the
 * end).  Slots are placed largest first at the lowest offset that overlaps
 * no slot alive at the same time (the greedy-by-size scheme of TFLite's
 * arena planner), so a node never writes over its own inputs.
 */
#include <stdlib.h>
#include <string.h>

#include "runtime/plan.h"

static size_t align_up(size_t x)
{
	return (x + RT_ALIGN - 1) / RT_ALIGN * RT_ALIGN;
}

/* Constants and graph inputs. */
static int classify_sources(struct opr_rt *rt, struct opr_err *err)
{
	const struct opr_graph *g = rt->g;
	int i, j;

	for (i = 0; i < g->n_values; i++) {
		const struct opr_value *gv = &g->values[i];
		struct rt_val *v = &rt->vals[i];
		int64_t numel;

		v->alias = -1;
		v->first = v->last = -1;
		if (!gv->data && gv->nbytes == 0 && !gv->is_initializer)
			continue;
		/* Strings and other unsized types: kept, refused by any op
		 * that reads them. */
		if (gv->rank < 0 || opr_numel(gv->dims, gv->rank, &numel) ||
		    (opr_dtype_size(gv->dtype) &&
		     (size_t)numel * opr_dtype_size(gv->dtype) != gv->nbytes))
			return opr_errf(err, OPR_EINVAL, "initializer '%s': %zu "
					"bytes do not match its shape", gv->name,
					gv->nbytes);
		v->kind = RT_CONST;
		v->dtype = gv->dtype;
		v->rank = gv->rank;
		for (j = 0; j < gv->rank; j++)
			v->dims[j] = gv->dims[j];
		v->numel = numel;
		v->nbytes = v->cap = gv->nbytes;
		v->data = gv->data;
	}
	for (i = 0; i < g->n_inputs; i++) {
		const struct opr_value *gv = &g->values[g->inputs[i]];
		struct rt_val *v = &rt->vals[g->inputs[i]];

		if (v->kind == RT_CONST)
			continue;	/* an input with a default: constant */
		if (gv->rank < 0 || gv->rank > OPR_MAX_RANK)
			return opr_errf(err, OPR_EUNSUPPORTED, "input '%s': rank "
					"not known", gv->name);
		if (!opr_dtype_size(gv->dtype))
			return opr_errf(err, OPR_EUNSUPPORTED, "input '%s': type "
					"%s not supported", gv->name,
					opr_dtype_name(gv->dtype));
		v->kind = RT_INPUT;
		rt->in[rt->n_in++] = g->inputs[i];
	}
	return OPR_OK;
}

/* Node i: op, static flag, output kinds. */
static int classify_node(struct opr_rt *rt, int i, struct opr_err *err)
{
	const struct opr_graph *g = rt->g;
	const struct opr_node *n = &g->nodes[i];
	struct rt_node *rn = &rt->nodes[i];
	int k, is_static = 1;

	rn->idx = i;
	rn->n = n;
	if (n->dead)
		return OPR_OK;
	rn->op = opr_rt_op_for(n->op);
	if (!rn->op)
		return opr_rt_errf(rt, rn, err, OPR_EUNSUPPORTED,
			       "op not supported by the runtime");
	for (k = 0; k < n->n_in; k++) {
		struct rt_val *v = opr_rt_in(rt, rn, k);

		if (!v)
			continue;
		if (v->kind == RT_UNUSED)
			return opr_rt_errf(rt, rn, err, OPR_EINVAL, "input '%s' is "
				       "not computed before this node",
				       g->values[n->in[k]].name);
		if (v->kind != RT_CONST && v->kind != RT_STATIC)
			is_static = 0;
	}
	if (rn->op->flags & RT_F_SHAPE_ONLY)
		is_static = 1;
	rn->is_static = is_static;
	for (k = 0; k < n->n_out; k++) {
		struct rt_val *v = opr_rt_out(rt, rn, k);

		if (!v)
			continue;
		if (v->kind != RT_UNUSED)
			return opr_rt_errf(rt, rn, err, OPR_EINVAL, "output '%s' is "
				       "computed twice", g->values[n->out[k]].name);
		v->kind = is_static ? RT_STATIC : RT_ACT;
		v->first = v->last = i;
	}
	if ((rn->op->flags & RT_F_VIEW) && opr_rt_out(rt, rn, 0)) {
		if (!opr_rt_in(rt, rn, 0))
			return opr_rt_errf(rt, rn, err, OPR_EINVAL, "no input");
		opr_rt_out(rt, rn, 0)->alias = n->in[0];
	}
	if (rn->op->param_size) {
		rn->param = calloc(1, rn->op->param_size);
		if (!rn->param)
			return opr_rt_errf(rt, rn, err, OPR_ENOMEM, "out of memory");
	}
	return OPR_OK;
}

int opr_rt_classify(struct opr_rt *rt, struct opr_err *err)
{
	const struct opr_graph *g = rt->g;
	int i, rc;

	if ((rc = classify_sources(rt, err)))
		return rc;
	for (i = 0; i < g->n_nodes; i++)
		if ((rc = classify_node(rt, i, err)))
			return rc;
	for (i = 0; i < g->n_outputs; i++)
		if (rt->vals[g->outputs[i]].kind == RT_UNUSED)
			return opr_errf(err, OPR_EINVAL, "graph output '%s' is "
					"computed by no node",
					g->values[g->outputs[i]].name);
	return OPR_OK;
}

/* The value whose bytes v shows: v itself unless v is a view. */
static int root_of(const struct opr_rt *rt, int v)
{
	while (rt->vals[v].alias >= 0)
		v = rt->vals[v].alias;
	return v;
}

/* Extends the lifetime of the buffer behind v to node t. */
static void touch(struct opr_rt *rt, int v, int t)
{
	struct rt_val *r = &rt->vals[root_of(rt, v)];

	if (r->kind == RT_ACT && r->last < t)
		r->last = t;
}

static void lifetimes(struct opr_rt *rt)
{
	const struct opr_graph *g = rt->g;
	int i, k;

	for (i = 0; i < g->n_nodes; i++) {
		const struct rt_node *rn = &rt->nodes[i];

		if (!rn->op || rn->is_static)
			continue;
		for (k = 0; k < rn->n->n_in; k++)
			if (rn->n->in[k] >= 0)
				touch(rt, rn->n->in[k], i);
		for (k = 0; k < rn->n->n_out; k++)
			if (rn->n->out[k] >= 0)
				touch(rt, rn->n->out[k], i);
		if (rn->fuse.on) {
			touch(rt, rn->fuse.out, i);
			if (rn->fuse.res >= 0)
				touch(rt, rn->fuse.res, i);
		}
	}
	for (i = 0; i < g->n_outputs; i++)
		touch(rt, g->outputs[i], g->n_nodes);
}

static int cmp_size(const void *a, const void *b, void *ctx)
{
	const struct rt_val *v = ctx;
	int x = *(const int *)a, y = *(const int *)b;

	if (v[x].cap != v[y].cap)
		return v[x].cap > v[y].cap ? -1 : 1;
	return v[x].first - v[y].first;
}

/* Insertion sort with a context (qsort_r is not C11). */
static void sort_ids(int *ids, int n, const void *ctx)
{
	int i, j, t;

	for (i = 1; i < n; i++) {
		t = ids[i];
		for (j = i; j > 0 && cmp_size(&ids[j - 1], &t, (void *)ctx) > 0; j--)
			ids[j] = ids[j - 1];
		ids[j] = t;
	}
}

/* Offset for root id among the placed ones; conflicts sorted by offset. */
static size_t place(struct opr_rt *rt, int id, const int *placed, int np,
		    int *tmp)
{
	const struct rt_val *v = &rt->vals[id];
	size_t off = 0;
	int i, j, nc = 0, t;

	for (i = 0; i < np; i++) {
		const struct rt_val *p = &rt->vals[placed[i]];

		if (p->last < v->first || v->last < p->first)
			continue;
		t = placed[i];
		for (j = nc; j > 0 && rt->vals[tmp[j - 1]].off > p->off; j--)
			tmp[j] = tmp[j - 1];
		tmp[j] = t;
		nc++;
	}
	for (i = 0; i < nc; i++) {
		const struct rt_val *p = &rt->vals[tmp[i]];

		if (off + align_up(v->cap) <= p->off)
			break;
		if (p->off + align_up(p->cap) > off)
			off = p->off + align_up(p->cap);
	}
	return off;
}

int opr_rt_plan_memory(struct opr_rt *rt, struct opr_err *err)
{
	const struct opr_graph *g = rt->g;
	int *ids, *tmp, n = 0, i;
	size_t total = 0, stride = 0;

	lifetimes(rt);
	ids = calloc((size_t)g->n_values + 1, sizeof(int));
	tmp = calloc((size_t)g->n_values + 1, sizeof(int));
	if (!ids || !tmp) {
		free(ids);
		free(tmp);
		return opr_errf(err, OPR_ENOMEM, "out of memory");
	}
	for (i = 0; i < g->n_values; i++)
		if (rt->vals[i].kind == RT_ACT && rt->vals[i].alias < 0)
			ids[n++] = i;
	sort_ids(ids, n, rt->vals);
	for (i = 0; i < n; i++) {
		struct rt_val *v = &rt->vals[ids[i]];

		v->off = place(rt, ids[i], ids, i, tmp);
		if (v->off + align_up(v->cap) > total)
			total = v->off + align_up(v->cap);
	}
	free(ids);
	free(tmp);
	for (i = 0; i < g->n_nodes; i++)
		if (rt->nodes[i].op && rt->nodes[i].scratch > stride)
			stride = rt->nodes[i].scratch;
	stride = align_up(stride);
	rt->act_bytes = total;
	rt->scratch_stride = stride;
	rt->ws_bytes = total + stride * (size_t)rt->pool.n;
	if (rt->ws_bytes) {
		void *p = NULL;

		if (posix_memalign(&p, RT_ALIGN, rt->ws_bytes))
			return opr_errf(err, OPR_ENOMEM, "out of memory for the "
					"%zu-byte workspace", rt->ws_bytes);
		rt->ws = p;	/* touched by opr_rt_new unless lanes run */
	}
	rt->scratch = rt->ws ? rt->ws + total : NULL;
	for (i = 0; i < g->n_values; i++) {
		struct rt_val *v = &rt->vals[i];

		if (v->kind == RT_ACT && v->alias < 0)
			v->data = rt->ws + v->off;
	}
	for (i = 0; i < g->n_values; i++)
		if (rt->vals[i].kind == RT_ACT && rt->vals[i].alias >= 0)
			rt->vals[i].data = rt->vals[root_of(rt, i)].data;
	return OPR_OK;
}
