/*
 * deps_dump.c - canonical text of a dependency analysis (see deps_dump.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "deps_dump.h"

static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return x < y ? -1 : x > y;
}

/* Appends the sorted unique ints v[0..n) as ranges "0-7,24-31". */
static size_t ranges(char *buf, size_t len, int *v, int n)
{
	size_t used = 0;
	int i, j, k = 0;

	qsort(v, (size_t)n, sizeof(int), cmp_int);
	for (i = 0; i < n; i++)
		if (k == 0 || v[k - 1] != v[i])
			v[k++] = v[i];
	for (i = 0; i < k && used < len; i = j + 1) {
		for (j = i; j + 1 < k && v[j + 1] == v[j] + 1; j++)
			;
		if (j == i)
			used += (size_t)snprintf(buf + used, len - used, "%s%d",
						 i ? "," : "", v[i]);
		else
			used += (size_t)snprintf(buf + used, len - used, "%s%d-%d",
						 i ? "," : "", v[i], v[j]);
	}
	return used;
}

const char *deps_dump_group(const struct opr_graph *g, const struct opr_deps *d,
			    int gi, char *buf, size_t len)
{
	const struct opr_deps_group *gr = &d->groups[gi];
	int *idx = malloc(((size_t)gr->n_members + 1) * sizeof(int));
	size_t used;
	int i, j, n;

	used = (size_t)snprintf(buf, len, "%d%s", gr->n_classes,
				gr->frozen ? "F" : "");
	for (i = 0; i < gr->n_keys && used < len && idx; i++) {
		const struct opr_deps_key *k = &d->keys[gr->first_key + i];
		const char *name;

		if (k->node >= 0)
			name = g->nodes[k->node].name;
		else
			name = g->values[k->role == OPR_ROLE_GRAPH_IN ?
					 g->inputs[k->port] : g->outputs[k->port]].name;
		used += (size_t)snprintf(buf + used, len - used, " %s:%s",
					 opr_deps_role_name(k->role), name);
		if (k->node >= 0 && (k->role == OPR_ROLE_MAP_IN ||
				     k->role == OPR_ROLE_MAP_OUT ||
				     k->role == OPR_ROLE_PARAM ||
				     k->role == OPR_ROLE_PASS) && used < len)
			used += (size_t)snprintf(buf + used, len - used, ".%d", k->port);
		if (k->role == OPR_ROLE_BLOCK && used < len)
			used += (size_t)snprintf(buf + used, len - used, ".%s%d",
						 k->dir ? "out" : "in", k->port);
		if (k->role == OPR_ROLE_PASS || k->role == OPR_ROLE_BLOCK ||
		    k->role == OPR_ROLE_GRAPH_IN || k->role == OPR_ROLE_GRAPH_OUT ||
		    k->role == OPR_ROLE_CLASSIFIER ||
		    (k->role == OPR_ROLE_PARAM &&
		     g->nodes[k->node].op != OPR_OP_CONCAT))
			continue;
		for (j = n = 0; j < gr->n_members; j++) {
			const struct opr_deps_member *m = &d->members[gr->first_member + j];

			if (m->node == k->node && m->role == k->role &&
			    m->dir == k->dir && m->port == k->port)
				idx[n++] = m->index;
		}
		if (used < len)
			used += (size_t)snprintf(buf + used, len - used, "=");
		if (used < len)
			used += ranges(buf + used, len - used, idx, n);
	}
	free(idx);
	for (i = 0; i < gr->n_reasons && used < len; i++) {
		const struct opr_deps_reason *r = &d->reasons[gr->first_reason + i];
		static const char *const kind[] = { "input", "output", "classifier",
						    "blocker", "grouped" };

		used += (size_t)snprintf(buf + used, len - used, "%s%s:%s", i ? " " : " | ",
					 kind[r->kind], r->node >= 0 ?
					 g->nodes[r->node].name : g->values[r->value].name);
		if (r->kind == OPR_WHY_GROUPED && used < len)
			used += (size_t)snprintf(buf + used, len - used, "/%d", r->n);
	}
	return buf;
}
