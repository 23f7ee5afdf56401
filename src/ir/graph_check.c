/*
 * graph_check.c - whole-graph invariants: topological order, compaction
 * (dead-code removal and renumbering) and verification.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ir.h"

/* Pushes node v onto the binary min-heap h of *hn entries. */
static void heap_push(int *h, int *hn, int v)
{
	int k = (*hn)++;

	for (h[k] = v; k > 0 && h[(k - 1) / 2] > h[k]; k = (k - 1) / 2) {
		int t = h[k];

		h[k] = h[(k - 1) / 2];
		h[(k - 1) / 2] = t;
	}
}

/* Pops the smallest node index off the heap h of *hn > 0 entries. */
static int heap_pop(int *h, int *hn)
{
	int top = h[0], k = 0;

	h[0] = h[--*hn];
	for (;;) {
		int l = 2 * k + 1, r = l + 1, m = k, t;

		if (l < *hn && h[l] < h[m])
			m = l;
		if (r < *hn && h[r] < h[m])
			m = r;
		if (m == k)
			break;
		t = h[k], h[k] = h[m], h[m] = t;
		k = m;
	}
	return top;
}

/*
 * The edges producer -> consumer of g as lists: the consumers of node p
 * (one entry per input that reads one of p's outputs) are
 * adj[first[p] .. first[p + 1]).  Fills indeg[j] with node j's count of
 * inputs that some node produces.  Returns 0, or -1 when out of memory.
 */
static int consumer_lists(const struct opr_graph *g, int *indeg, int **first,
			  int **adj)
{
	int n = g->n_nodes, i, k, edges = 0;
	int *f = calloc((size_t)n + 2, sizeof(int)), *a;

	if (!f)
		return -1;
	for (i = 0; i < n; i++)
		for (k = 0; k < g->nodes[i].n_in; k++) {
			int v = g->nodes[i].in[k];

			if (v >= 0 && g->values[v].producer >= 0) {
				indeg[i]++;
				f[g->values[v].producer + 2]++;
				edges++;
			}
		}
	for (i = 0; i < n; i++)	/* f[p + 1]: start of p's list */
		f[i + 2] += f[i + 1];
	a = malloc(((size_t)edges + 1) * sizeof(int));
	if (!a) {
		free(f);
		return -1;
	}
	for (i = 0; i < n; i++)
		for (k = 0; k < g->nodes[i].n_in; k++) {
			int v = g->nodes[i].in[k];

			if (v >= 0 && g->values[v].producer >= 0)
				a[f[g->values[v].producer + 1]++] = i;
		}
	*first = f;	/* now f[p] .. f[p + 1] */
	*adj = a;
	return 0;
}

/*
 * Kahn's algorithm, picking the lowest-numbered ready node first so that an
 * already sorted graph keeps its order (and exports stay byte-stable).
 * O(E log N) with the consumer lists.
 */
int opr_graph_toposort(struct opr_graph *g, struct opr_err *err)
{
	int n = g->n_nodes, i, k, done = 0, rc = OPR_ENOMEM;
	int *indeg = calloc((size_t)n + 1, sizeof(int));
	int *order = malloc(((size_t)n + 1) * sizeof(int));
	int *heap = malloc(((size_t)n + 1) * sizeof(int)), hn = 0;
	int *first = NULL, *adj = NULL;
	struct opr_node *sorted = NULL;
	char buf[300];

	if (!indeg || !order || !heap ||
	    consumer_lists(g, indeg, &first, &adj))
		goto out;
	for (i = 0; i < n; i++)
		if (!indeg[i])
			heap_push(heap, &hn, i);
	while (hn > 0) {
		int cur = heap_pop(heap, &hn);

		order[done++] = cur;
		for (k = first[cur]; k < first[cur + 1]; k++)
			if (--indeg[adj[k]] == 0)
				heap_push(heap, &hn, adj[k]);
	}
	if (done < n) {
		for (i = 0; i < n && indeg[i] == 0; i++)
			;
		rc = opr_errf(err, OPR_EINVAL, "%s%sgraph has a cycle through %s",
			      g->path ? g->path : "", g->path ? ": " : "",
			      opr_node_desc(g, i, buf, sizeof(buf)));
		goto out;
	}
	sorted = malloc(((size_t)n + 1) * sizeof(*sorted));
	if (!sorted)
		goto out;
	for (i = 0; i < n; i++)
		sorted[i] = g->nodes[order[i]];
	if (n)	/* g->nodes is NULL in a graph without nodes */
		memcpy(g->nodes, sorted, (size_t)n * sizeof(*sorted));
	for (i = 0; i < n; i++)
		for (k = 0; k < g->nodes[i].n_out; k++)
			if (g->nodes[i].out[k] >= 0)
				g->values[g->nodes[i].out[k]].producer = i;
	rc = OPR_OK;
out:
	if (rc == OPR_ENOMEM)
		opr_errf(err, rc, "out of memory sorting the graph");
	free(indeg);
	free(order);
	free(heap);
	free(first);
	free(adj);
	free(sorted);
	return rc;
}

/* Marks every node and value some graph output depends on. */
static void mark_live(const struct opr_graph *g, char *vlive, char *nlive)
{
	int i, k;

	for (i = 0; i < g->n_outputs; i++)
		vlive[g->outputs[i]] = 1;
	for (i = 0; i < g->n_inputs; i++)
		vlive[g->inputs[i]] = 1;
	/* Nodes are topologically ordered: one backward sweep suffices. */
	for (i = g->n_nodes - 1; i >= 0; i--) {
		const struct opr_node *n = &g->nodes[i];

		if (n->dead)
			continue;
		for (k = 0; k < n->n_out && !nlive[i]; k++)
			if (n->out[k] >= 0 && vlive[n->out[k]])
				nlive[i] = 1;
		if (!nlive[i])
			continue;
		for (k = 0; k < n->n_out; k++)
			if (n->out[k] >= 0)
				vlive[n->out[k]] = 1;
		for (k = 0; k < n->n_in; k++)
			if (n->in[k] >= 0)
				vlive[n->in[k]] = 1;
	}
}

/* Renumbers an index list through map, dropping entries mapped to -1. */
static int remap_list(int *list, int n, const int *map)
{
	int i, m = 0;

	for (i = 0; i < n; i++)
		if (map[list[i]] >= 0)
			list[m++] = map[list[i]];
	return m;
}

int opr_graph_compact(struct opr_graph *g, struct opr_err *err)
{
	char *vlive = calloc((size_t)g->n_values + 1, 1);
	char *nlive = calloc((size_t)g->n_nodes + 1, 1);
	int *vmap = malloc(((size_t)g->n_values + 1) * sizeof(int));
	int i, k, nv = 0, nn = 0, rc = OPR_OK;

	if (!vlive || !nlive || !vmap) {
		rc = opr_errf(err, OPR_ENOMEM, "out of memory compacting the graph");
		goto out;
	}
	mark_live(g, vlive, nlive);
	for (i = 0; i < g->n_values; i++) {
		vmap[i] = vlive[i] ? nv : -1;
		if (vlive[i])
			g->values[nv++] = g->values[i];
	}
	for (i = 0; i < g->n_nodes; i++) {
		struct opr_node *n = &g->nodes[i];

		if (!nlive[i])
			continue;
		for (k = 0; k < n->n_in; k++)
			n->in[k] = n->in[k] >= 0 ? vmap[n->in[k]] : -1;
		for (k = 0; k < n->n_out; k++)
			n->out[k] = n->out[k] >= 0 ? vmap[n->out[k]] : -1;
		g->nodes[nn++] = *n;
	}
	g->n_values = nv;
	g->n_nodes = nn;
	for (i = 0; i < nv; i++)
		g->values[i].producer = -1;
	for (i = 0; i < nn; i++)
		for (k = 0; k < g->nodes[i].n_out; k++)
			if (g->nodes[i].out[k] >= 0)
				g->values[g->nodes[i].out[k]].producer = i;
	g->n_inputs = remap_list(g->inputs, g->n_inputs, vmap);
	g->n_outputs = remap_list(g->outputs, g->n_outputs, vmap);
	g->n_inits = remap_list(g->inits, g->n_inits, vmap);
	if (opr_graph_reindex(g))
		rc = opr_errf(err, OPR_ENOMEM, "out of memory compacting the graph");
out:
	free(vlive);
	free(nlive);
	free(vmap);
	return rc;
}

/* Checks one value index of node i; slot names the role for the message. */
static int check_ref(const struct opr_graph *g, int i, int v, const char *slot,
		     int k, struct opr_err *err)
{
	char buf[300];

	if (v >= -1 && v < g->n_values)
		return OPR_OK;
	return opr_errf(err, OPR_EINVAL, "%s: %s %d refers to value #%d of %d",
			opr_node_desc(g, i, buf, sizeof(buf)), slot, k, v,
			g->n_values);
}

static int verify_nodes(const struct opr_graph *g, char *produced,
			struct opr_err *err)
{
	char buf[300];
	int i, k, rc;

	for (i = 0; i < g->n_nodes; i++) {
		const struct opr_node *n = &g->nodes[i];

		for (k = 0; k < n->n_in; k++) {
			int v = n->in[k];

			if ((rc = check_ref(g, i, v, "input", k, err)))
				return rc;
			if (v >= 0 && !produced[v])
				return opr_errf(err, OPR_EINVAL,
						"%s: input '%s' is used before it is produced",
						opr_node_desc(g, i, buf, sizeof(buf)),
						g->values[v].name);
		}
		for (k = 0; k < n->n_out; k++) {
			int v = n->out[k];

			if ((rc = check_ref(g, i, v, "output", k, err)))
				return rc;
			if (v < 0)
				continue;
			if (produced[v] || g->values[v].producer != i)
				return opr_errf(err, OPR_EINVAL,
						"%s: output '%s' has another producer",
						opr_node_desc(g, i, buf, sizeof(buf)),
						g->values[v].name);
			produced[v] = 1;
		}
	}
	return OPR_OK;
}

static int verify_values(const struct opr_graph *g, struct opr_err *err)
{
	int i;

	for (i = 0; i < g->n_values; i++) {
		const struct opr_value *v = &g->values[i];
		int64_t numel;

		if (opr_graph_find_value(g, v->name) != i)
			return opr_errf(err, OPR_EINVAL, "value name '%s' is not unique",
					v->name);
		if (!v->is_initializer)
			continue;
		if (opr_numel(v->dims, v->rank, &numel) ||
		    (opr_dtype_size(v->dtype) &&
		     (uint64_t)numel * opr_dtype_size(v->dtype) != v->nbytes))
			return opr_errf(err, OPR_EINVAL,
					"initializer '%s': %zu bytes do not match its shape",
					v->name, v->nbytes);
	}
	return OPR_OK;
}

int opr_graph_verify(const struct opr_graph *g, struct opr_err *err)
{
	char *produced = calloc((size_t)g->n_values + 1, 1);
	int i, rc;

	if (!produced)
		return opr_errf(err, OPR_ENOMEM, "out of memory verifying the graph");
	for (i = 0; i < g->n_values; i++)
		produced[i] = g->values[i].is_initializer;
	for (i = 0; i < g->n_inputs; i++)
		produced[g->inputs[i]] = 1;
	rc = verify_values(g, err);
	if (rc == OPR_OK)
		rc = verify_nodes(g, produced, err);
	for (i = 0; rc == OPR_OK && i < g->n_outputs; i++)
		if (!produced[g->outputs[i]])
			rc = opr_errf(err, OPR_EINVAL,
				      "graph output '%s' is produced by no node",
				      g->values[g->outputs[i]].name);
	free(produced);
	return rc;
}
