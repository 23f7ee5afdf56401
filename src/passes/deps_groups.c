/*
 * deps_groups.c - the last step of the dependency analysis: slots -> classes
 * (roots of the union-find that have members), classes -> groups (classes
 * with the same (node, role, dir, port) key set), and per group the keys,
 * the reasons it is frozen or constrained and the MACs it touches.
 *
 * Numbering is deterministic: classes are first numbered by their smallest
 * slot, then renumbered group by group, groups sorted by their key
 * sequences (so by the first node they touch).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "passes/deps_internal.h"

/* A class and its key sequence, for sorting classes into groups. */
struct csort {
	int cls;				/* class number before sorting */
	const struct opr_deps_key *k;		/* its keys */
	int n;					/* how many */
};

static int cmp_int(int a, int b)
{
	return a < b ? -1 : a > b;
}

/* Node order with -1 (graph inputs and outputs) after every node. */
static int cmp_node(int a, int b)
{
	unsigned x = (unsigned)a, y = (unsigned)b;

	return x < y ? -1 : x > y;
}

/* Keys order by node, role, dir, port. */
static int cmp_key(const struct opr_deps_key *a, const struct opr_deps_key *b)
{
	int c = cmp_node(a->node, b->node);

	if (!c)
		c = cmp_int(a->role, b->role);
	if (!c)
		c = cmp_int(a->dir, b->dir);
	return c ? c : cmp_int(a->port, b->port);
}

static int cmp_member(const void *pa, const void *pb)
{
	const struct opr_deps_member *a = pa, *b = pb;
	struct opr_deps_key ka = { a->node, a->role, a->dir, a->port };
	struct opr_deps_key kb = { b->node, b->role, b->dir, b->port };
	int c = cmp_int(a->cls, b->cls);

	if (!c)
		c = cmp_key(&ka, &kb);
	if (!c)
		c = cmp_int(a->index, b->index);
	return c ? c : cmp_int(a->value, b->value);
}

/* Compares two key sequences; 0 when equal. */
static int cmp_seq(const struct csort *a, const struct csort *b)
{
	int i, c;

	for (i = 0; i < a->n && i < b->n; i++)
		if ((c = cmp_key(&a->k[i], &b->k[i])))
			return c;
	return cmp_int(a->n, b->n);
}

static int cmp_csort(const void *pa, const void *pb)
{
	const struct csort *a = pa, *b = pb;
	int c = cmp_seq(a, b);

	return c ? c : cmp_int(a->cls, b->cls);
}

/* Root of slot s (no path changes: the parent array is final). */
static int root(const int *parent, int s)
{
	while (parent[s] != s)
		s = parent[s];
	return s;
}

/*
 * Gives every slot with a member in its class a class number (in order of
 * the smallest slot), stores members' classes and sorts the members.
 * Returns the class count, or -1 when out of memory.
 */
static int number_classes(struct deps_build *b)
{
	struct opr_deps *d = b->d;
	int *cls, s, r, i, n = 0;

	d->slot_class = malloc(((size_t)d->n_slots + 1) * sizeof(int));
	cls = malloc(((size_t)d->n_slots + 1) * sizeof(int));
	if (!d->slot_class || !cls) {
		free(cls);
		return -1;
	}
	for (s = 0; s < d->n_slots; s++) {
		b->parent[s] = root(b->parent, s);
		cls[s] = -1;
	}
	for (i = 0; i < b->n_m; i++)
		cls[b->parent[b->m[i].cls]] = 0;	/* has a member */
	for (s = 0; s < d->n_slots; s++) {
		r = b->parent[s];
		if (cls[r] == 0 && r == s)
			cls[r] = ++n;	/* roots are their class's smallest slot */
	}
	for (s = 0; s < d->n_slots; s++)
		d->slot_class[s] = cls[b->parent[s]] > 0 ? cls[b->parent[s]] - 1 : -1;
	for (i = 0; i < b->n_m; i++)
		b->m[i].cls = d->slot_class[b->m[i].cls];
	free(cls);
	qsort(b->m, (size_t)b->n_m, sizeof(*b->m), cmp_member);
	return n;
}

/*
 * Fills cs[c] with the keys of class c (unique (node, role, dir, port) of
 * its sorted members) stored in keys[].
 */
static void class_keys(const struct deps_build *b, int n_cls,
		       struct opr_deps_key *keys, struct csort *cs)
{
	int i, nk = 0, c;

	for (c = 0; c < n_cls; c++) {
		cs[c].cls = c;
		cs[c].n = 0;
	}
	for (i = 0; i < b->n_m; i++) {
		const struct opr_deps_member *m = &b->m[i];
		struct opr_deps_key k = { m->node, m->role, m->dir, m->port };

		c = m->cls;
		if (cs[c].n == 0) {
			cs[c].k = &keys[nk];
		} else if (cmp_key(&keys[nk - 1], &k) == 0) {
			continue;
		}
		keys[nk++] = k;
		cs[c].n++;
	}
}

/* Appends reason (kind, node, value, n, text) to group gr unless there. */
static void add_reason(struct opr_deps *d, struct opr_deps_group *gr, int kind,
		       int node, int value, int n, const char *text)
{
	struct opr_deps_reason *r;
	int i;

	for (i = 0; i < gr->n_reasons; i++) {
		r = &d->reasons[gr->first_reason + i];
		if (r->kind == kind && r->node == node && r->value == value)
			return;
	}
	r = &d->reasons[d->n_reasons++];
	r->kind = kind;
	r->node = node;
	r->value = value;
	r->n = n;
	r->text = text;
	gr->n_reasons++;
	if (kind != OPR_WHY_GROUPED)
		gr->frozen = 1;
}

/* The reasons of group gr, from its keys. */
static void group_reasons(const struct deps_build *b, struct opr_deps_group *gr)
{
	struct opr_deps *d = b->d;
	const struct opr_graph *g = b->g;
	int i;

	gr->first_reason = d->n_reasons;
	for (i = 0; i < gr->n_keys; i++) {
		const struct opr_deps_key *k = &d->keys[gr->first_key + i];
		const struct opr_node *n = k->node >= 0 ? &g->nodes[k->node] : NULL;
		int64_t grp;

		if (k->role == OPR_ROLE_GRAPH_IN)
			add_reason(d, gr, OPR_WHY_GRAPH_INPUT, -1,
				   g->inputs[k->port], 0, NULL);
		else if (k->role == OPR_ROLE_GRAPH_OUT)
			add_reason(d, gr, OPR_WHY_GRAPH_OUTPUT, -1,
				   g->outputs[k->port], 0, NULL);
		else if (k->role == OPR_ROLE_CLASSIFIER)
			add_reason(d, gr, OPR_WHY_CLASSIFIER, k->node, -1, 0, NULL);
		else if (k->role == OPR_ROLE_BLOCK)
			add_reason(d, gr, OPR_WHY_BLOCKER, k->node, -1, 0,
				   d->node_why[k->node]);
		else if ((k->role == OPR_ROLE_OUT || k->role == OPR_ROLE_IN) &&
			 n->op == OPR_OP_CONV &&
			 (grp = opr_node_attr_int(n, "group", 1)) > 1 &&
			 grp != deps_chan_n(b, n->in[0]))
			add_reason(d, gr, OPR_WHY_GROUPED, k->node, -1, (int)grp,
				   NULL);
	}
}

/*
 * MACs of group gr: each producer it touches counts with the share of its
 * output (fo) and input (fi) channels in the group, 1 - (1-fo)(1-fi).
 * cnt holds 2 zeroed ints per node and is left zeroed.
 */
static int64_t group_macs(const struct deps_build *b,
			  const struct opr_deps_group *gr,
			  const struct opr_model_stats *st, int *cnt)
{
	const struct opr_graph *g = b->g;
	double sum = 0;
	int i;

	for (i = 0; i < gr->n_members; i++) {
		const struct opr_deps_member *m = &b->d->members[gr->first_member + i];

		if (m->role == OPR_ROLE_OUT || m->role == OPR_ROLE_IN)
			cnt[2 * m->node + (m->role == OPR_ROLE_OUT)]++;
	}
	for (i = 0; i < gr->n_members; i++) {
		const struct opr_deps_member *m = &b->d->members[gr->first_member + i];
		const struct opr_node *n;
		double fi, fo;
		int ci, co;

		if ((m->role != OPR_ROLE_OUT && m->role != OPR_ROLE_IN) ||
		    cnt[2 * m->node] + cnt[2 * m->node + 1] == 0)
			continue;
		n = &g->nodes[m->node];
		ci = deps_chan_n(b, n->in[0]);
		co = deps_chan_n(b, n->out[0]);
		fi = ci > 0 ? (double)cnt[2 * m->node] / ci : 0;
		fo = co > 0 ? (double)cnt[2 * m->node + 1] / co : 0;
		if (st->layers[m->node].macs > 0)
			sum += (double)st->layers[m->node].macs *
			       (1 - (1 - fo) * (1 - fi));
		cnt[2 * m->node] = cnt[2 * m->node + 1] = 0;
	}
	return (int64_t)llround(sum);
}

/*
 * Sorts the classes into groups, renumbers them group by group and fills
 * d->classes, groups, keys (copied from the first class of each group).
 * Returns 0 or -1 when out of memory.
 */
static int make_groups(struct deps_build *b, int n_cls, struct csort *cs)
{
	struct opr_deps *d = b->d;
	int *newid, i, c, nk = 0;
	struct opr_deps_group *gr = NULL;

	newid = malloc(((size_t)n_cls + 1) * sizeof(int));
	d->classes = calloc((size_t)n_cls + 1, sizeof(*d->classes));
	d->groups = calloc((size_t)n_cls + 1, sizeof(*d->groups));
	for (i = 0; i < n_cls; i++)
		nk += cs[i].n;
	d->keys = malloc(((size_t)nk + 1) * sizeof(*d->keys));
	d->reasons = malloc(((size_t)nk + 1) * sizeof(*d->reasons));
	if (!newid || !d->classes || !d->groups || !d->keys || !d->reasons) {
		free(newid);
		return -1;
	}
	qsort(cs, (size_t)n_cls, sizeof(*cs), cmp_csort);
	d->n_classes = n_cls;
	for (i = nk = 0; i < n_cls; i++) {
		c = cs[i].cls;
		newid[c] = i;
		if (i == 0 || cmp_seq(&cs[i - 1], &cs[i])) {
			gr = &d->groups[d->n_groups++];
			gr->first_class = i;
			gr->first_key = nk;
			gr->n_keys = cs[i].n;
			memcpy(&d->keys[nk], cs[i].k, (size_t)cs[i].n * sizeof(*d->keys));
			nk += cs[i].n;
		}
		gr->n_classes++;
		d->classes[i].group = d->n_groups - 1;
	}
	d->n_keys = nk;
	for (i = 0; i < b->n_m; i++)
		b->m[i].cls = newid[b->m[i].cls];
	for (i = 0; i < d->n_slots; i++)
		if (d->slot_class[i] >= 0)
			d->slot_class[i] = newid[d->slot_class[i]];
	free(newid);
	qsort(b->m, (size_t)b->n_m, sizeof(*b->m), cmp_member);
	for (i = b->n_m - 1; i >= 0; i--) {
		d->classes[b->m[i].cls].first = i;
		d->classes[b->m[i].cls].n++;
	}
	for (i = 0; i < d->n_groups; i++) {
		gr = &d->groups[i];
		gr->first_member = d->classes[gr->first_class].first;
		c = gr->first_class + gr->n_classes - 1;
		gr->n_members = d->classes[c].first + d->classes[c].n -
				gr->first_member;
	}
	return 0;
}

int deps_finish(struct deps_build *b, const struct opr_model_stats *st,
		struct opr_err *err)
{
	struct opr_deps *d = b->d;
	struct opr_deps_key *keys = NULL;
	struct csort *cs = NULL;
	int *cnt = NULL, n_cls, i, rc = OPR_OK;

	n_cls = number_classes(b);
	if (n_cls >= 0) {
		keys = malloc(((size_t)b->n_m + 1) * sizeof(*keys));
		cs = malloc(((size_t)n_cls + 1) * sizeof(*cs));
		cnt = calloc(2 * (size_t)b->g->n_nodes + 1, sizeof(int));
	}
	if (n_cls < 0 || !keys || !cs || !cnt) {
		rc = opr_errf(err, OPR_ENOMEM, "out of memory in the dependency "
			      "analysis");
		goto out;
	}
	class_keys(b, n_cls, keys, cs);
	if (make_groups(b, n_cls, cs)) {
		rc = opr_errf(err, OPR_ENOMEM, "out of memory in the dependency "
			      "analysis");
		goto out;
	}
	d->members = b->m;
	d->n_members = b->n_m;
	b->m = NULL;
	b->n_m = b->cap_m = 0;
	d->total_macs = st->macs;
	for (i = 0; i < d->n_groups; i++) {
		group_reasons(b, &d->groups[i]);
		d->groups[i].macs = group_macs(b, &d->groups[i], st, cnt);
	}
out:
	free(keys);
	free(cs);
	free(cnt);
	return rc;
}
