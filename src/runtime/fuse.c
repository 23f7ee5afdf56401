/*
 * fuse.c - plan-time fusion in the runtime (the graph is not changed):
 * a Conv followed by an inference BatchNormalization, a residual Add and a
 * Relu or Clip, in that order and each optional, runs as one Conv whose
 * weights and bias have the BatchNormalization folded in (done by the
 * Conv's prep) and whose output stage adds the residual and clamps.
 *
 * The fused Conv takes the slot of the chain's last node, so the residual
 * (computed anywhere before the Add) is ready when it runs; the Conv's own
 * inputs then live until that slot (plan.c's lifetimes see the moved
 * node).  The intermediates get no workspace.
 */
#include <math.h>
#include <stdlib.h>

#include "runtime/runtime.h"

/* Readers of each value: count (graph outputs count 2) and the last one. */
struct readers {
	int *cnt;		/* g->n_values counts */
	int *who;		/* the last live node reading the value */
};

static int count_readers(const struct opr_rt *rt, struct readers *r)
{
	const struct opr_graph *g = rt->g;
	int i, k;

	r->cnt = calloc((size_t)g->n_values + 1, sizeof(int));
	r->who = calloc((size_t)g->n_values + 1, sizeof(int));
	if (!r->cnt || !r->who)
		return -1;
	for (i = 0; i < g->n_nodes; i++) {
		if (!rt->nodes[i].op)
			continue;
		for (k = 0; k < g->nodes[i].n_in; k++)
			if (g->nodes[i].in[k] >= 0) {
				r->cnt[g->nodes[i].in[k]]++;
				r->who[g->nodes[i].in[k]] = i;
			}
	}
	for (i = 0; i < g->n_outputs; i++)
		r->cnt[g->outputs[i]] += 2;
	return 0;
}

/* The live, non-static node of op type op that alone reads v as input 0
 * (or, for Add, as either input), or -1. */
static int next_node(const struct opr_rt *rt, const struct readers *r, int v,
		     enum opr_op op)
{
	const struct opr_node *n;
	int j;

	if (v < 0 || r->cnt[v] != 1)
		return -1;
	j = r->who[v];
	n = &rt->g->nodes[j];
	if (n->op != op || !rt->nodes[j].op || rt->nodes[j].is_static ||
	    n->n_out < 1 || n->out[0] < 0)
		return -1;
	if (op == OPR_OP_ADD)
		return n->n_in == 2 && (n->in[0] == v) != (n->in[1] == v) ? j : -1;
	return n->n_in >= 1 && n->in[0] == v ? j : -1;
}

static int same_dims(const struct rt_val *a, const struct rt_val *b)
{
	int k;

	if (a->rank != b->rank || a->dtype != b->dtype)
		return 0;
	for (k = 0; k < a->rank; k++)
		if (a->dims[k] != b->dims[k])
			return 0;
	return 1;
}

/* 1 when BatchNormalization node j can fold into a Conv of m channels. */
static int bn_ok(const struct opr_rt *rt, int j, int64_t m)
{
	const struct opr_node *n = &rt->g->nodes[j];
	int k;

	if (n->n_in < 5 || opr_node_attr_int(n, "training_mode", 0))
		return 0;
	for (k = 1; k < n->n_out; k++)
		if (n->out[k] >= 0)
			return 0;
	for (k = 1; k <= 4; k++) {
		const struct rt_val *p = n->in[k] >= 0 ? &rt->vals[n->in[k]] : NULL;

		if (!p || p->kind != RT_CONST || p->dtype != OPR_DT_FLOAT ||
		    p->numel != m)
			return 0;
	}
	return 1;
}

/* Clip node j's bounds into f when they are known; 1 when so. */
static int clip_bounds(const struct opr_rt *rt, int j, struct rt_fuse *f)
{
	const struct opr_node *n = &rt->g->nodes[j];
	int k;

	f->lo = opr_node_attr_float(n, "min", -INFINITY);
	f->hi = opr_node_attr_float(n, "max", INFINITY);
	for (k = 1; k <= 2 && k < n->n_in; k++) {
		const struct rt_val *b = n->in[k] >= 0 ? &rt->vals[n->in[k]] : NULL;

		if (!b)
			continue;
		if (!opr_rt_is_known(b) || !b->data || b->dtype != OPR_DT_FLOAT ||
		    b->numel != 1)
			return 0;
		if (k == 1)
			f->lo = *(const float *)b->data;
		else
			f->hi = *(const float *)b->data;
	}
	return 1;
}

/* Drops node j from the run (its op, param and buffer). */
static void drop_node(struct opr_rt *rt, int j)
{
	struct rt_node *rn = &rt->nodes[j];

	free(rn->param);
	free(rn->own);
	rn->param = rn->own = NULL;
	rn->op = NULL;
	rn->scratch = 0;
}

/* Moves Conv i into slot last with chain f and re-plans it. */
static int apply(struct opr_rt *rt, int i, int last, const int *chain, int nc,
		 struct rt_fuse *f, struct opr_err *err)
{
	const struct opr_graph *g = rt->g;
	struct rt_node conv = rt->nodes[i];
	int k;

	rt->vals[g->nodes[i].out[0]].kind = RT_UNUSED;
	for (k = 0; k < nc; k++) {
		if (chain[k] != last)
			rt->vals[g->nodes[chain[k]].out[0]].kind = RT_UNUSED;
		drop_node(rt, chain[k]);
	}
	rt->nodes[i].op = NULL;
	rt->nodes[i].param = rt->nodes[i].own = NULL;
	rt->nodes[i].scratch = 0;
	f->on = 1;
	f->out = g->nodes[last].out[0];
	conv.fuse = *f;
	conv.scratch = 0;
	rt->nodes[last] = conv;
	return conv.op->prep(rt, &rt->nodes[last], err);
}

/* Fuses the chain that starts at Conv i, if any. */
static int fuse_conv(struct opr_rt *rt, const struct readers *r, int i,
		     struct opr_err *err)
{
	const struct opr_graph *g = rt->g;
	const struct opr_node *n = &g->nodes[i];
	struct rt_fuse f = { 0, -1, -1, -1, -INFINITY, INFINITY };
	int chain[3], nc = 0, cur, j, last = i;
	const struct rt_val *y;

	if (!rt->nodes[i].op || rt->nodes[i].is_static || n->n_in < 2 ||
	    n->n_out < 1 || n->out[0] < 0 ||
	    rt->vals[n->in[1]].kind != RT_CONST ||
	    (n->n_in > 2 && n->in[2] >= 0 && rt->vals[n->in[2]].kind != RT_CONST))
		return OPR_OK;
	cur = n->out[0];
	y = &rt->vals[cur];
	if (y->dtype != OPR_DT_FLOAT || y->rank < 3)
		return OPR_OK;
	if ((j = next_node(rt, r, cur, OPR_OP_BATCHNORM)) >= 0 &&
	    bn_ok(rt, j, y->dims[1])) {
		f.bn = j;
		chain[nc++] = last = j;
		cur = g->nodes[j].out[0];
	}
	if ((j = next_node(rt, r, cur, OPR_OP_ADD)) >= 0) {
		int res = g->nodes[j].in[g->nodes[j].in[0] == cur ? 1 : 0];
		const struct rt_val *rv = &rt->vals[res];

		if ((rv->kind == RT_ACT || rv->kind == RT_INPUT) &&
		    same_dims(rv, y) && same_dims(&rt->vals[g->nodes[j].out[0]], y)) {
			f.res = res;
			chain[nc++] = last = j;
			cur = g->nodes[j].out[0];
		}
	}
	if ((j = next_node(rt, r, cur, OPR_OP_RELU)) >= 0) {
		f.lo = 0;
		chain[nc++] = last = j;
	} else if ((j = next_node(rt, r, cur, OPR_OP_CLIP)) >= 0 &&
		   clip_bounds(rt, j, &f)) {
		chain[nc++] = last = j;
	} else {
		f.lo = -INFINITY;
		f.hi = INFINITY;
	}
	if (!nc)
		return OPR_OK;
	return apply(rt, i, last, chain, nc, &f, err);
}

int opr_rt_fuse(struct opr_rt *rt, struct opr_err *err)
{
	struct readers r;
	int i, rc = OPR_OK;

	if (getenv("OPR_RT_NO_FUSE"))
		return OPR_OK;
	if (count_readers(rt, &r)) {
		free(r.cnt);
		free(r.who);
		return opr_errf(err, OPR_ENOMEM, "out of memory");
	}
	for (i = 0; i < rt->g->n_nodes && rc == OPR_OK; i++)
		if (rt->g->nodes[i].op == OPR_OP_CONV && !rt->nodes[i].fuse.on)
			rc = fuse_conv(rt, &r, i, err);
	free(r.cnt);
	free(r.who);
	return rc;
}
