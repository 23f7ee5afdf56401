/* Used by deps_models (test_deps) and deps_cli_groups (dump_groups): errors abort at file:line. */
/*
 * deps_dump.c - canonical text of a dependency analysis (see deps_dump.h).
 * A line that cannot be written whole (out of memory, buffer too small, a
 * key or reason that names no node or value) stops the program: a cut or
 * wrong line must never be compared as if it were the analysis' own.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "deps_dump.h"
#include "../common/tdie.h"

#define DIE(...) TDIE("deps_dump_group: " __VA_ARGS__)
#define REQUIRE(c, ...) TREQUIRE(c, "deps_dump_group: " __VA_ARGS__)

/* Appends printf text at buf + *used; dies when it does not fit in len. */
static void put(char *buf, size_t len, size_t *used, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void put(char *buf, size_t len, size_t *used, const char *fmt, ...)
{
	va_list ap;
	int n;

	REQUIRE(*used < len,
		"line longer than %zu bytes", len);
	va_start(ap, fmt);
	n = vsnprintf(buf + *used, len - *used, fmt, ap);
	va_end(ap);
	REQUIRE(n >= 0 && (size_t)n < len - *used,
		"line longer than %zu bytes", len);
	*used += (size_t)n;
}

/* Name of node k (0 <= k < n_nodes), or dies. */
static const char *node_name(const struct opr_graph *g, int k)
{
	REQUIRE(k >= 0 && k < g->n_nodes,
		"node %d of %d", k, g->n_nodes);
	return g->nodes[k].name;
}

/* Name of value v (0 <= v < n_values), or dies. */
static const char *value_name(const struct opr_graph *g, int v)
{
	REQUIRE(v >= 0 && v < g->n_values,
		"value %d of %d", v, g->n_values);
	return g->values[v].name;
}

static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return x < y ? -1 : x > y;
}

/* Appends the sorted unique ints v[0..n) as ranges "0-7,24-31". */
static void ranges(char *buf, size_t len, size_t *used, int *v, int n)
{
	int i, j, k = 0;

	qsort(v, (size_t)n, sizeof(int), cmp_int);
	for (i = 0; i < n; i++)
		if (k == 0 || v[k - 1] != v[i])
			v[k++] = v[i];
	for (i = 0; i < k; i = j + 1) {
		for (j = i; j + 1 < k && v[j + 1] == v[j] + 1; j++)
			;
		if (j == i)
			put(buf, len, used, "%s%d", i ? "," : "", v[i]);
		else
			put(buf, len, used, "%s%d-%d", i ? "," : "", v[i], v[j]);
	}
}

const char *deps_dump_group(const struct opr_graph *g, const struct opr_deps *d,
			    int gi, char *buf, size_t len)
{
	const struct opr_deps_group *gr;
	size_t used = 0;
	int *idx, i, j, n;

	REQUIRE(gi >= 0 && gi < d->n_groups,
		"group %d of %d", gi, d->n_groups);
	gr = &d->groups[gi];
	idx = malloc(((size_t)gr->n_members + 1) * sizeof(int));
	REQUIRE(idx,
		"out of memory for %d members", gr->n_members);
	put(buf, len, &used, "%d%s", gr->n_classes, gr->frozen ? "F" : "");
	for (i = 0; i < gr->n_keys; i++) {
		const struct opr_deps_key *k = &d->keys[gr->first_key + i];
		const char *name;

		if (k->node >= 0)
			name = node_name(g, k->node);
		else if (k->role == OPR_ROLE_GRAPH_IN && k->port >= 0 &&
			 k->port < g->n_inputs)
			name = value_name(g, g->inputs[k->port]);
		else if (k->role != OPR_ROLE_GRAPH_IN && k->port >= 0 &&
			 k->port < g->n_outputs)
			name = value_name(g, g->outputs[k->port]);
		else
			DIE("key %d of group %d: role %d, no node, port %d", i,
			    gi, k->role, k->port);
		put(buf, len, &used, " %s:%s", opr_deps_role_name(k->role), name);
		if (k->node >= 0 && (k->role == OPR_ROLE_MAP_IN ||
				     k->role == OPR_ROLE_MAP_OUT ||
				     k->role == OPR_ROLE_PARAM ||
				     k->role == OPR_ROLE_PASS))
			put(buf, len, &used, ".%d", k->port);
		if (k->role == OPR_ROLE_BLOCK)
			put(buf, len, &used, ".%s%d", k->dir ? "out" : "in", k->port);
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
		put(buf, len, &used, "=");
		ranges(buf, len, &used, idx, n);
	}
	free(idx);
	for (i = 0; i < gr->n_reasons; i++) {
		const struct opr_deps_reason *r = &d->reasons[gr->first_reason + i];
		static const char *const kind[] = { "input", "output", "classifier",
						    "blocker", "grouped" };

		REQUIRE(r->kind >= 0 && r->kind < (int)(sizeof(kind) / sizeof(kind[0])),
			"reason %d of group %d: kind %d", i, gi, r->kind);
		put(buf, len, &used, "%s%s:%s", i ? " " : " | ", kind[r->kind],
		    r->node >= 0 ? node_name(g, r->node) : value_name(g, r->value));
		if (r->kind == OPR_WHY_GROUPED)
			put(buf, len, &used, "/%d", r->n);
	}
	return buf;
}
