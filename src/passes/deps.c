/*
 * deps.c - the channel dependency analysis (see deps.h): channel views and
 * slots of every activation, the union-find over slots, members, graph
 * inputs/outputs and the classifier; deps_rules.c and deps_maps.c apply
 * the op rules and deps_groups.c turns the result into classes and groups.
 *
 * Order of work: default views (axis 1 of each activation), split views
 * from Reshape/Transpose in node order, slots, coupling of the fixed dims of
 * split views, graph input/output members, each node's rule, the
 * classifier, then classes and groups.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "infer.h"
#include "passes/deps_internal.h"

/* Upper bound on slots: beyond this a model is refused, not guessed. */
#define MAX_SLOTS (1 << 26)

/* Defined in deps_groups.c. */
int deps_finish(struct deps_build *b, const struct opr_model_stats *st,
		struct opr_err *err);

int deps_act(const struct deps_build *b, int v)
{
	return v >= 0 && v < b->g->n_values && !b->g->values[v].is_initializer;
}

const struct opr_deps_view *deps_view(const struct deps_build *b, int v)
{
	if (v < 0 || v >= b->g->n_values || b->d->views[v].k < 1)
		return NULL;
	return &b->d->views[v];
}

int deps_same_view(const struct deps_build *b, int v, int w)
{
	const struct opr_deps_view *a = deps_view(b, v), *c = deps_view(b, w);

	if (!a || !c || a->k != c->k || a->free != c->free || a->n != c->n)
		return 0;
	return memcmp(b->g->values[v].dims + 1, b->g->values[w].dims + 1,
		      (size_t)a->k * sizeof(int64_t)) == 0;
}

int deps_chan_n(const struct deps_build *b, int v)
{
	const struct opr_deps_view *a = deps_view(b, v);

	if (!a || a->free != 1)
		return -1;
	return (int)b->g->values[v].dims[1];
}

int deps_chan_slot(const struct deps_build *b, int v, int c)
{
	const struct opr_deps_view *a = &b->d->views[v];

	return a->base + c * (a->n / (int)b->g->values[v].dims[1]);
}

/* Root of slot s, halving the path on the way. */
static int find(int *parent, int s)
{
	while (parent[s] != s) {
		parent[s] = parent[parent[s]];
		s = parent[s];
	}
	return s;
}

void deps_union(struct deps_build *b, int s, int t)
{
	s = find(b->parent, s);
	t = find(b->parent, t);
	if (s < t)
		b->parent[t] = s;	/* the smaller slot is the root */
	else if (t < s)
		b->parent[s] = t;
}

int deps_add(struct deps_build *b, int node, int role, int dir, int port,
	     int value, int axis, int index, int slot)
{
	struct opr_deps_member *m;

	if (b->n_m == b->cap_m) {
		int cap = b->cap_m ? 2 * b->cap_m : 1024;

		m = realloc(b->m, (size_t)cap * sizeof(*m));
		if (!m)
			return OPR_ENOMEM;
		b->m = m;
		b->cap_m = cap;
	}
	m = &b->m[b->n_m++];
	m->node = node;
	m->role = role;
	m->dir = dir;
	m->port = port;
	m->value = value;
	m->axis = axis;
	m->index = index;
	m->cls = slot;
	return OPR_OK;
}

/* BLOCK members (or role) for every slot of value v at dir/port of node. */
static int mark_value(struct deps_build *b, int node, int role, int dir,
		      int port, int v)
{
	const struct opr_deps_view *a = deps_view(b, v);
	int s, rc = OPR_OK;

	for (s = 0; a && s < a->n && rc == OPR_OK; s++)
		rc = deps_add(b, node, role, dir, port, v, 1, s, a->base + s);
	return rc;
}

int deps_block(struct deps_build *b, int node, const char *why)
{
	const struct opr_node *n = &b->g->nodes[node];
	int i, rc = OPR_OK;

	b->d->node_why[node] = why;
	for (i = 0; i < n->n_in && rc == OPR_OK; i++)
		rc = mark_value(b, node, OPR_ROLE_BLOCK, 0, i, n->in[i]);
	for (i = 0; i < n->n_out && rc == OPR_OK; i++)
		rc = mark_value(b, node, OPR_ROLE_BLOCK, 1, i, n->out[i]);
	return rc;
}

int deps_couple_flat(struct deps_build *b, int node, int role, int port,
		     int v, int w)
{
	const struct opr_deps_view *a = deps_view(b, v), *c = deps_view(b, w);
	int s, rc = OPR_OK;

	for (s = 0; s < a->n && rc == OPR_OK; s++) {
		deps_union(b, a->base + s, c->base + s);
		if (role >= 0)
			rc = deps_add(b, node, role, 1, port, w, 1, s, c->base + s);
	}
	return rc;
}

/* Default views: axis 1 of every activation of rank >= 2. */
static void default_views(struct deps_build *b)
{
	int v;

	for (v = 0; v < b->g->n_values; v++) {
		const struct opr_value *x = &b->g->values[v];
		struct opr_deps_view *a = &b->d->views[v];

		if (!deps_act(b, v) || x->rank < 2 || x->dims[1] < 1 ||
		    x->dims[1] > MAX_SLOTS)
			continue;
		a->k = a->free = 1;
		a->n = (int)x->dims[1];
	}
}

/*
 * Numbers the slots and couples, in every split view, the slots that
 * differ only in the fixed dims.  Returns OPR_OK, OPR_ENOMEM, or
 * OPR_EUNSUPPORTED past MAX_SLOTS.
 */
static int make_slots(struct deps_build *b, struct opr_err *err)
{
	struct opr_deps *d = b->d;
	int v, s, i, n = 0;

	for (v = 0; v < d->n_values; v++) {
		if (d->views[v].k < 1)
			continue;
		if (d->views[v].n > MAX_SLOTS - n)
			return opr_errf(err, OPR_EUNSUPPORTED, "%s%smore than %d "
					"channel slots: the dependency analysis "
					"does not handle a model this wide",
					b->g->path ? b->g->path : "",
					b->g->path ? ": " : "", MAX_SLOTS);
		d->views[v].base = n;
		n += d->views[v].n;
	}
	d->n_slots = n;
	b->parent = malloc(((size_t)n + 1) * sizeof(int));
	if (!b->parent)
		return opr_errf(err, OPR_ENOMEM, "out of memory in the dependency "
				"analysis");
	for (s = 0; s < n; s++)
		b->parent[s] = s;
	for (v = 0; v < d->n_values; v++) {
		const struct opr_deps_view *a = &d->views[v];
		const int64_t *dims = b->g->values[v].dims;
		int64_t stride = 1;

		if (a->k < 2)
			continue;
		for (i = a->free + 1; i <= a->k; i++)
			stride *= dims[i];
		for (s = 0; s < a->n; s++)
			deps_union(b, a->base + s, a->base +
				   (int)((s / stride) % dims[a->free] * stride));
	}
	return OPR_OK;
}

/* GRAPH_IN / GRAPH_OUT members for every slot of the graph's inputs/outputs. */
static int graph_io(struct deps_build *b)
{
	const struct opr_graph *g = b->g;
	int i, rc = OPR_OK;

	for (i = 0; i < g->n_inputs && rc == OPR_OK; i++)
		rc = mark_value(b, -1, OPR_ROLE_GRAPH_IN, 0, i, g->inputs[i]);
	for (i = 0; i < g->n_outputs && rc == OPR_OK; i++)
		rc = mark_value(b, -1, OPR_ROLE_GRAPH_OUT, 1, i, g->outputs[i]);
	return rc;
}

/*
 * The classifier: every producer (Conv, Gemm, MatMul) whose output reaches
 * a graph output through non-producers only gets CLASSIFIER members on its
 * output channels, so that they stay even where a blocker on the way broke
 * the coupling with the graph output.
 */
static int classifier(struct deps_build *b)
{
	const struct opr_graph *g = b->g;
	int *stack, *seen, n = 0, i, v, p, rc = OPR_OK;

	stack = malloc(((size_t)g->n_values + 1) * sizeof(int));
	seen = calloc((size_t)g->n_values + 1, sizeof(int));
	if (!stack || !seen) {
		rc = OPR_ENOMEM;
		goto out;
	}
	for (i = 0; i < g->n_outputs; i++)
		if (!seen[g->outputs[i]]) {
			seen[g->outputs[i]] = 1;
			stack[n++] = g->outputs[i];
		}
	while (n > 0 && rc == OPR_OK) {
		v = stack[--n];
		p = g->values[v].producer;
		if (p < 0 || g->nodes[p].dead)
			continue;
		if (g->nodes[p].op > 0 && g->nodes[p].op < OPR_OP_COUNT &&
		    opr_ops[g->nodes[p].op].chan == OPR_CHAN_PRODUCER) {
			rc = mark_value(b, p, OPR_ROLE_CLASSIFIER, 1, 0,
					g->nodes[p].out[0]);
			continue;
		}
		for (i = 0; i < g->nodes[p].n_in; i++) {
			v = g->nodes[p].in[i];
			if (deps_act(b, v) && !seen[v]) {
				seen[v] = 1;
				stack[n++] = v;
			}
		}
	}
out:
	free(stack);
	free(seen);
	return rc;
}

/* Counts the nodes that read each value. */
static int count_consumers(struct deps_build *b)
{
	const struct opr_graph *g = b->g;
	int i, k;

	b->n_cons = calloc((size_t)g->n_values + 1, sizeof(int));
	if (!b->n_cons)
		return OPR_ENOMEM;
	for (i = 0; i < g->n_nodes; i++)
		for (k = 0; k < g->nodes[i].n_in; k++)
			if (!g->nodes[i].dead && g->nodes[i].in[k] >= 0)
				b->n_cons[g->nodes[i].in[k]]++;
	return OPR_OK;
}

int opr_deps_analyze(const struct opr_graph *g, struct opr_deps **out,
		     struct opr_err *err)
{
	struct deps_build b;
	struct opr_model_stats st;
	struct opr_deps *d;
	int i, rc;

	*out = NULL;
	memset(&b, 0, sizeof(b));
	memset(&st, 0, sizeof(st));
	rc = opr_model_stats(g, &st, err);
	if (rc != OPR_OK)
		return rc;
	d = calloc(1, sizeof(*d));
	b.g = g;
	b.d = d;
	b.opset = opr_graph_opset(g);
	if (d) {
		d->n_values = g->n_values;
		d->views = calloc((size_t)g->n_values + 1, sizeof(*d->views));
		d->node_why = calloc((size_t)g->n_nodes + 1, sizeof(*d->node_why));
	}
	if (!d || !d->views || !d->node_why || count_consumers(&b)) {
		rc = opr_errf(err, OPR_ENOMEM, "out of memory in the dependency "
			      "analysis");
		goto out;
	}
	default_views(&b);
	for (i = 0; i < g->n_nodes; i++)
		if (!g->nodes[i].dead)
			deps_rule_view(&b, i);
	rc = make_slots(&b, err);
	if (rc == OPR_OK)
		rc = graph_io(&b);
	for (i = 0; i < g->n_nodes && rc == OPR_OK; i++)
		rc = deps_rule_couple(&b, i);
	if (rc == OPR_OK)
		rc = classifier(&b);
	if (rc == OPR_ENOMEM)
		rc = opr_errf(err, OPR_ENOMEM, "out of memory in the dependency "
			      "analysis");
	if (rc == OPR_OK)
		rc = deps_finish(&b, &st, err);
out:
	free(b.parent);
	free(b.n_cons);
	free(b.m);
	opr_stats_free(&st);
	if (rc != OPR_OK) {
		opr_deps_free(d);
		return rc;
	}
	*out = d;
	return OPR_OK;
}

void opr_deps_free(struct opr_deps *d)
{
	if (!d)
		return;
	free(d->views);
	free(d->slot_class);
	free(d->members);
	free(d->classes);
	free(d->groups);
	free(d->keys);
	free(d->reasons);
	free(d->node_why);
	free(d);
}

const char *opr_deps_role_name(int role)
{
	static const char *const names[OPR_ROLE_COUNT] = {
		[OPR_ROLE_OUT] = "out", [OPR_ROLE_IN] = "in",
		[OPR_ROLE_PARAM] = "param", [OPR_ROLE_PASS] = "pass",
		[OPR_ROLE_MAP_IN] = "map-in", [OPR_ROLE_MAP_OUT] = "map-out",
		[OPR_ROLE_PADDED] = "padded", [OPR_ROLE_BLOCK] = "block",
		[OPR_ROLE_GRAPH_IN] = "graph-input",
		[OPR_ROLE_GRAPH_OUT] = "graph-output",
		[OPR_ROLE_CLASSIFIER] = "classifier",
	};

	return role >= 0 && role < OPR_ROLE_COUNT ? names[role] : "?";
}

const char *opr_deps_reason_str(const struct opr_graph *g,
				const struct opr_deps_reason *r, char *buf,
				size_t len)
{
	char node[320] = "";

	if (r->node >= 0 && r->node < g->n_nodes)
		opr_node_desc(g, r->node, node, sizeof(node));
	switch (r->kind) {
	case OPR_WHY_GRAPH_INPUT:
		snprintf(buf, len, "graph input '%s'", g->values[r->value].name);
		break;
	case OPR_WHY_GRAPH_OUTPUT:
		snprintf(buf, len, "graph output '%s'", g->values[r->value].name);
		break;
	case OPR_WHY_CLASSIFIER:
		snprintf(buf, len, "classifier output of %s", node);
		break;
	case OPR_WHY_BLOCKER:
		snprintf(buf, len, "blocker %s: %s", node, r->text ? r->text : "?");
		break;
	case OPR_WHY_GROUPED:
		snprintf(buf, len, "grouped %s (group %d): every group must lose "
			 "the same number of channels", node, r->n);
		break;
	default:
		snprintf(buf, len, "?");
	}
	return buf;
}
