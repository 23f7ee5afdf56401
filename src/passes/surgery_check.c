/*
 * surgery_check.c - whether a selection is valid for an analysis
 * (surgery.h): no class of a frozen group, at least one class left in
 * every group, and grouped convs losing the same number of channels in
 * every group of their inputs and of their outputs.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "passes/surgery_internal.h"

/* "group 3 (node 'x' (Conv), 16 channels)" into buf. */
static const char *group_desc(const struct opr_graph *g,
			      const struct opr_deps *d, int gi, char *buf,
			      size_t len)
{
	const struct opr_deps_group *gr = &d->groups[gi];
	int i, node = -1;
	char nd[320];

	for (i = 0; i < gr->n_members && node < 0; i++)
		node = d->members[gr->first_member + i].node;
	if (node < 0)
		snprintf(nd, sizeof(nd), "graph input/output");
	else if (g && node < g->n_nodes)
		opr_node_desc(g, node, nd, sizeof(nd));
	else
		snprintf(nd, sizeof(nd), "node #%d", node);
	snprintf(buf, len, "group %d (%s, %d channels)", gi, nd, gr->n_classes);
	return buf;
}

/* Why group gi is frozen: its first reason that is a freeze. */
static const char *frozen_why(const struct opr_graph *g,
			      const struct opr_deps *d, int gi, char *buf,
			      size_t len)
{
	const struct opr_deps_group *gr = &d->groups[gi];
	int i;

	for (i = 0; i < gr->n_reasons; i++) {
		const struct opr_deps_reason *r = &d->reasons[gr->first_reason + i];

		if (r->kind == OPR_WHY_GROUPED)
			continue;
		if (g)
			return opr_deps_reason_str(g, r, buf, len);
		snprintf(buf, len, "reason %d", r->kind);
		return buf;
	}
	snprintf(buf, len, "frozen");
	return buf;
}

/* Frozen groups and groups left empty. */
static int check_groups(const struct opr_graph *g, const struct opr_deps *d,
			const unsigned char *remove, struct opr_err *err)
{
	char a[512], b[512];
	int gi, c, n;

	for (gi = 0; gi < d->n_groups; gi++) {
		const struct opr_deps_group *gr = &d->groups[gi];

		for (c = n = 0; c < gr->n_classes; c++)
			n += remove[gr->first_class + c] != 0;
		if (n == 0)
			continue;
		if (gr->frozen)
			return opr_errf(err, OPR_EINVAL, "selection removes %d "
					"channel(s) of frozen %s: %s", n,
					group_desc(g, d, gi, a, sizeof(a)),
					frozen_why(g, d, gi, b, sizeof(b)));
		if (n == gr->n_classes)
			return opr_errf(err, OPR_EINVAL, "selection removes all "
					"channels of %s: at least one must stay",
					group_desc(g, d, gi, a, sizeof(a)));
	}
	return OPR_OK;
}

/* One grouped conv being checked. */
struct gconv {
	int node;	/* the conv */
	int n;		/* its group count */
	int size[2];	/* channels: 0 inputs, 1 outputs (max index + 1) */
	int *cnt;	/* removed per group: [0, n) inputs, [n, 2n) outputs */
	int gi;		/* an analysis group naming it, for messages */
};

/* Counts removed channels per conv group and compares them. */
static int check_one(const struct opr_graph *g, const struct opr_deps *d,
		     const unsigned char *remove, struct gconv *gc,
		     struct opr_err *err)
{
	char a[512], nd[320];
	int i, side, j;

	for (i = 0; i < d->n_members; i++) {
		const struct opr_deps_member *m = &d->members[i];

		if (m->node != gc->node ||
		    (m->role != OPR_ROLE_IN && m->role != OPR_ROLE_OUT))
			continue;
		side = m->role == OPR_ROLE_OUT;
		if (m->index + 1 > gc->size[side])
			gc->size[side] = m->index + 1;
	}
	for (i = 0; i < d->n_members; i++) {
		const struct opr_deps_member *m = &d->members[i];
		int per;

		if (m->node != gc->node ||
		    (m->role != OPR_ROLE_IN && m->role != OPR_ROLE_OUT) ||
		    !remove[m->cls])
			continue;
		side = m->role == OPR_ROLE_OUT;
		per = gc->size[side] / gc->n;
		if (per > 0 && m->index / per < gc->n)
			gc->cnt[side * gc->n + m->index / per]++;
	}
	for (side = 0; side < 2; side++)
		for (j = 1; j < gc->n; j++) {
			if (gc->cnt[side * gc->n + j] == gc->cnt[side * gc->n])
				continue;
			if (g && gc->node < g->n_nodes)
				opr_node_desc(g, gc->node, nd, sizeof(nd));
			else
				snprintf(nd, sizeof(nd), "node #%d", gc->node);
			return opr_errf(err, OPR_EINVAL, "selection in %s removes "
					"%d %s channel(s) from group 0 of grouped "
					"%s (group %d) but %d from group %d: every "
					"group must lose the same number",
					group_desc(g, d, gc->gi, a, sizeof(a)),
					gc->cnt[side * gc->n], side ? "output" : "input",
					nd, gc->n, gc->cnt[side * gc->n + j], j);
		}
	return OPR_OK;
}

/* The grouped-conv rule, for every conv named by a GROUPED reason. */
static int check_grouped(const struct opr_graph *g, const struct opr_deps *d,
			 const unsigned char *remove, struct opr_err *err)
{
	struct gconv gc;
	int gi, r, rc = OPR_OK, any;

	for (gi = 0; gi < d->n_groups && rc == OPR_OK; gi++) {
		const struct opr_deps_group *gr = &d->groups[gi];

		for (r = any = 0; r < gr->n_classes; r++)
			any |= remove[gr->first_class + r] != 0;
		for (r = 0; any && r < gr->n_reasons && rc == OPR_OK; r++) {
			const struct opr_deps_reason *rs =
				&d->reasons[gr->first_reason + r];

			if (rs->kind != OPR_WHY_GROUPED || rs->n < 2 || rs->node < 0)
				continue;
			memset(&gc, 0, sizeof(gc));
			gc.node = rs->node;
			gc.n = rs->n;
			gc.gi = gi;
			gc.cnt = calloc(2 * (size_t)rs->n, sizeof(int));
			if (!gc.cnt)
				return opr_errf(err, OPR_ENOMEM, "out of memory "
						"checking the selection");
			rc = check_one(g, d, remove, &gc, err);
			free(gc.cnt);
		}
	}
	return rc;
}

int surg_check(const struct opr_graph *g, const struct opr_deps *d,
	       const unsigned char *remove, struct opr_err *err)
{
	int rc;

	if (!d || !remove)
		return opr_errf(err, OPR_EINVAL, "no analysis or no selection "
				"given to the surgery");
	if (g && d->n_values != g->n_values)
		return opr_errf(err, OPR_EINVAL, "the analysis does not describe "
				"this graph (%d values, the graph has %d)",
				d->n_values, g->n_values);
	rc = check_groups(g, d, remove, err);
	if (rc == OPR_OK)
		rc = check_grouped(g, d, remove, err);
	return rc;
}

int opr_prune_check(const struct opr_deps *d, const unsigned char *remove,
		    struct opr_err *err)
{
	return surg_check(NULL, d, remove, err);
}

int opr_prune_check_graph(const struct opr_graph *g, const struct opr_deps *d,
			  const unsigned char *remove, struct opr_err *err)
{
	return surg_check(g, d, remove, err);
}
