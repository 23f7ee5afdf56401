/*
 * surgery.c - opr_prune_remove(): the driver of the channel surgery
 * (surgery.h, surgery_internal.h).
 *
 * Order: check the selection (surgery_check.c), plan the kept slots and
 * new dims (surgery_plan.c), find the constant removed channels and fold
 * them into biases (surgery_cst.c, surgery_fold.c), queue the initializer
 * edits (surgery_slice.c) and the shape-constant and attribute edits
 * (surgery_consts.c) of every node that touches a changed value; only then
 * edit the graph (surgery_edit.c), set the new dims, re-infer every shape,
 * check that inference agrees with the plan, drop what nothing reads any
 * more and verify.
 */
#include <stdio.h>
#include <string.h>

#include "infer.h"
#include "passes/surgery_internal.h"

/* 1 when node reads or writes a value that loses slots. */
static int touched(const struct surg *s, int node)
{
	const struct opr_node *n = &s->g->nodes[node];
	int k;

	for (k = 0; k < n->n_in; k++)
		if (n->in[k] >= 0 && n->in[k] < s->n_values && s->changed[n->in[k]])
			return 1;
	for (k = 0; k < n->n_out; k++)
		if (n->out[k] >= 0 && n->out[k] < s->n_values && s->changed[n->out[k]])
			return 1;
	return 0;
}

/* Queues every edit.  Nothing in g changes here. */
static int plan_edits(struct surg *s, struct opr_err *err)
{
	int i, rc;

	if ((rc = surg_fold(s, err)))
		return rc;
	for (i = 0; i < s->n_nodes; i++) {
		if (s->g->nodes[i].dead || !touched(s, i))
			continue;
		if ((rc = surg_slice_node(s, i, err)) ||
		    (rc = surg_consts_node(s, i, err)))
			return rc;
	}
	return OPR_OK;
}

/* Gives every changed activation its planned dims. */
static void set_dims(struct surg *s)
{
	int v;

	for (v = 0; v < s->n_values; v++)
		if (s->changed[v] && !s->g->values[v].is_initializer)
			memcpy(s->g->values[v].dims, s->dims[v], sizeof(s->dims[v]));
}

/* After inference: every activation must have the dims the plan gave it. */
static int check_dims(const struct surg *s, struct opr_err *err)
{
	const struct opr_value *x;
	int v, i;

	for (v = 0; v < s->n_values; v++) {
		x = &s->g->values[v];
		if (!surg_view(s, v) || x->is_initializer)
			continue;
		for (i = 1; i < x->rank; i++)
			if (s->dims[v][i] >= 0 && x->dims[i] != s->dims[v][i])
				return opr_errf(err, OPR_EINTERNAL, "surgery: '%s' "
						"has dim %d = %lld after inference, "
						"%lld planned", x->name, i,
						(long long)x->dims[i],
						(long long)s->dims[v][i]);
	}
	return OPR_OK;
}

int opr_prune_remove_stats(struct opr_graph *g, const struct opr_deps *d,
			   const unsigned char *remove,
			   struct opr_prune_stats *st, struct opr_err *err)
{
	struct surg s;
	int rc;

	if (!g)
		return opr_errf(err, OPR_EINVAL, "no graph given to the surgery");
	rc = surg_check(g, d, remove, err);
	if (rc != OPR_OK)
		return rc;
	rc = surg_plan(&s, g, d, remove, err);
	if (rc == OPR_OK)
		rc = plan_edits(&s, err);
	/* g is unchanged up to here */
	if (rc == OPR_OK)
		rc = surg_apply(&s, err);
	if (rc == OPR_OK) {
		set_dims(&s);
		rc = opr_infer_shapes(g, err);
	}
	if (rc == OPR_OK)
		rc = check_dims(&s, err);
	if (rc == OPR_OK)
		rc = opr_graph_compact(g, err);
	if (rc == OPR_OK)
		rc = opr_graph_verify(g, err);
	if (rc == OPR_OK && st)
		*st = s.st;
	surg_free(&s);
	return rc;
}

int opr_prune_remove(struct opr_graph *g, const struct opr_deps *d,
		     const unsigned char *remove, struct opr_err *err)
{
	return opr_prune_remove_stats(g, d, remove, NULL, err);
}
