/*
 * fold.c - constant folding driver (opr_fold_constants) and the helpers the
 * per-op folders in fold_*.c share.
 *
 * One sweep in topological order: each node is shape-inferred, then
 *  1. when every input is an initializer (for Shape: when its input's shape
 *     is static) and the op has a .fold function, it is evaluated, its
 *     outputs become initializers and the node is marked dead;
 *  2. else its int64 outputs are evaluated as partial constants (elements
 *     known or equal to a symbolic dim such as the batch "N"), which folds
 *     Shape -> Gather -> ... chains whose result does not depend on N;
 *  3. a Reshape or Expand whose shape input is a partial constant gets a
 *     constant shape in which the symbolic dims are copied from its data
 *     input (0 for Reshape, 1 for Expand).
 * Dead nodes and values nothing needs are then compacted away and shapes
 * re-inferred.  A second run finds nothing to do, so folding is idempotent.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "infer.h"

/* Largest output (bytes) a fold may create. */
#define FOLD_MAX_BYTES ((size_t)64 << 20)

int opr_fold_add_init(struct opr_graph *g, int v, struct opr_err *err)
{
	int *p = realloc(g->inits, (size_t)(g->n_inits + 1) * sizeof(int));

	if (!p)
		return opr_errf(err, OPR_ENOMEM, "out of memory folding constants");
	g->inits = p;
	g->inits[g->n_inits++] = v;
	return OPR_OK;
}

int opr_fold_set(struct opr_graph *g, int v, const void *data, size_t nbytes,
		 int own, struct opr_err *err)
{
	struct opr_value *val = &g->values[v];
	int64_t numel;
	void *copy;

	if (opr_numel(val->dims, val->rank, &numel) || !opr_dtype_size(val->dtype) ||
	    (uint64_t)numel * opr_dtype_size(val->dtype) != nbytes)
		return OPR_EUNSUPPORTED;
	copy = own ? (void *)data : opr_arena_memdup(&g->arena, data, nbytes);
	if (!copy)
		return opr_errf(err, OPR_ENOMEM, "out of memory folding constants");
	val->data = copy;
	val->nbytes = nbytes;
	val->is_initializer = 1;
	val->producer = -1;
	memset(val->dim_param, 0, sizeof(val->dim_param));
	return opr_fold_add_init(g, v, err);
}

void opr_strides(const int64_t *dims, int rank, int64_t *st)
{
	int64_t s = 1;
	int i;

	for (i = rank - 1; i >= 0; i--) {
		st[i] = s;
		s *= dims[i];
	}
}

void opr_walk_init(struct opr_walk *w, const int64_t *dims, int rank)
{
	memset(w, 0, sizeof(*w));
	w->rank = rank;
	memcpy(w->dims, dims, (size_t)rank * sizeof(int64_t));
}

void opr_walk_next(struct opr_walk *w)
{
	int i, k;

	for (i = w->rank - 1; i >= 0; i--) {
		w->idx[i]++;
		for (k = 0; k < 3; k++)
			w->off[k] += w->stride[k][i];
		if (w->idx[i] < w->dims[i])
			return;
		for (k = 0; k < 3; k++)
			w->off[k] -= w->stride[k][i] * w->dims[i];
		w->idx[i] = 0;
	}
}

/*
 * 1 when node can be fully folded: all inputs initializers (Shape: its
 * input's shape static), every output present with a static shape, and
 * the outputs not larger than FOLD_MAX_BYTES.
 */
static int foldable(const struct opr_graph *g, int node)
{
	const struct opr_node *n = &g->nodes[node];
	size_t total = 0;
	int k;

	if (n->op <= OPR_OP_UNKNOWN || n->op >= OPR_OP_COUNT || !opr_ops[n->op].fold)
		return 0;
	for (k = 0; k < n->n_in && n->op != OPR_OP_SHAPE; k++)
		if (n->in[k] >= 0 && !g->values[n->in[k]].is_initializer)
			return 0;
	if (n->n_out == 0)
		return 0;
	for (k = 0; k < n->n_out; k++) {
		const struct opr_value *v;
		int64_t numel;

		if (n->out[k] < 0)	/* the folders fill every output */
			return 0;
		v = &g->values[n->out[k]];
		if (opr_numel(v->dims, v->rank, &numel) || !opr_dtype_size(v->dtype) ||
		    (uint64_t)numel > FOLD_MAX_BYTES / opr_dtype_size(v->dtype))
			return 0;
		total += (size_t)numel * opr_dtype_size(v->dtype);
	}
	return total <= FOLD_MAX_BYTES;
}

/* Marks a fully folded node dead and detaches its outputs. */
static void retire(struct opr_graph *g, int node)
{
	struct opr_node *n = &g->nodes[node];
	int k;

	for (k = 0; k < n->n_out; k++)
		if (n->out[k] >= 0)
			g->values[n->out[k]].producer = -1;
	n->dead = 1;
}

/* Step 1 of the sweep for one node; sets *folded when it was evaluated. */
static int fold_full(struct opr_graph *g, int node, int *folded,
		     struct opr_err *err)
{
	const struct opr_node *n = &g->nodes[node];
	int rc, k;

	*folded = 0;
	if (!foldable(g, node))
		return OPR_OK;
	rc = opr_ops[n->op].fold(g, node, err);
	if (rc == OPR_EUNSUPPORTED)
		return OPR_OK;
	if (rc)
		return rc;
	for (k = 0; k < n->n_out; k++)
		if (n->out[k] >= 0 && !g->values[n->out[k]].is_initializer)
			return opr_errf(err, OPR_EINTERNAL, "folding %s left output %d "
					"unset", n->op_type, k);
	retire(g, node);
	*folded = 1;
	return OPR_OK;
}

/* Runs the three steps of the sweep on one node. */
static int fold_node(struct opr_graph *g, struct opr_pctab *t, int node,
		     struct opr_err *err)
{
	int rc, folded = 0, changed = 0;

	if ((rc = opr_infer_node(g, node, err)) ||
	    (rc = fold_full(g, node, &folded, err)) || folded)
		return rc;
	if ((rc = opr_pconst_eval(g, t, node, &folded, err)))
		return rc;
	if (folded) {
		retire(g, node);
		return OPR_OK;
	}
	if ((rc = opr_pconst_rewrite(g, t, node, &changed, err)) || !changed)
		return rc;
	if ((rc = opr_infer_node(g, node, err)) ||
	    (rc = fold_full(g, node, &folded, err)))
		return rc;
	return OPR_OK;
}

int opr_fold_constants(struct opr_graph *g, struct opr_err *err)
{
	struct opr_pctab t;
	int i, rc = OPR_OK;

	memset(&t, 0, sizeof(t));
	t.n = g->n_values;
	t.pc = calloc((size_t)t.n + 1, sizeof(*t.pc));
	if (!t.pc)
		return opr_errf(err, OPR_ENOMEM, "out of memory folding constants");
	for (i = 0; i < g->n_nodes && rc == OPR_OK; i++)
		if (!g->nodes[i].dead)
			rc = fold_node(g, &t, i, err);
	free(t.pc);
	opr_arena_free(&t.arena);
	if (rc == OPR_OK)
		rc = opr_graph_compact(g, err);
	if (rc == OPR_OK)
		rc = opr_infer_shapes(g, err);
	return rc;
}
