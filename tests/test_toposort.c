/*
 * test_toposort.c - opr_graph_toposort() on graphs built in reverse order:
 * a long Relu chain (the consumer lists keep it linear: 50,000 nodes), a
 * diamond where the lowest-numbered ready node must come first, and a
 * cycle, which is an error naming a node of it.  Exits non-zero when a
 * check fails.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ir/ir.h"

static int failed;

#define CHECK(c) do { if (!(c)) { \
	fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #c); \
	failed = 1; } } while (0)

/* Adds node op reading value a (and b when >= 0), writing value y. */
static int add(struct opr_graph *g, int a, int b, int y)
{
	int nd = opr_graph_add_node(g, b >= 0 ? "Add" : "Relu", "", b >= 0 ? 2 : 1, 1);

	if (nd < 0)
		abort();
	g->nodes[nd].in[0] = a;
	if (b >= 0)
		g->nodes[nd].in[1] = b;
	g->nodes[nd].out[0] = y;
	g->values[y].producer = nd;
	return nd;
}

/* v[i] = value "v<i>", for i < n. */
static int *values(struct opr_graph *g, int n)
{
	int *v = malloc((size_t)n * sizeof(int)), i;
	char name[32];

	for (i = 0; i < n && v; i++) {
		snprintf(name, sizeof(name), "v%d", i);
		if ((v[i] = opr_graph_add_value(g, name)) < 0)
			abort();
	}
	return v;
}

/* Relu chain v0 -> v1 -> ... -> v[n-1], nodes added last-first. */
static void test_reversed_chain(int n)
{
	struct opr_graph *g = opr_graph_new();
	int *v = values(g, n), i, ok = 1;
	struct opr_err err;

	for (i = n - 1; i >= 1; i--)
		add(g, v[i - 1], -1, v[i]);
	CHECK(opr_graph_toposort(g, &err) == OPR_OK);
	for (i = 0; i < g->n_nodes; i++)
		ok &= g->nodes[i].in[0] == v[i] && g->values[v[i + 1]].producer == i;
	CHECK(ok);
	free(v);
	opr_graph_free(g);
}

/* Diamond v0 -> {a: v1, b: v2} -> Add v3; b is added before a. */
static void test_diamond(void)
{
	struct opr_graph *g = opr_graph_new();
	int *v = values(g, 4);
	struct opr_err err;

	add(g, v[1], v[2], v[3]);	/* node 0: the join, must go last */
	add(g, v[0], -1, v[2]);		/* node 1 */
	add(g, v[0], -1, v[1]);		/* node 2 */
	CHECK(opr_graph_toposort(g, &err) == OPR_OK);
	CHECK(g->nodes[0].out[0] == v[2]);	/* lowest ready index first */
	CHECK(g->nodes[1].out[0] == v[1]);
	CHECK(g->nodes[2].out[0] == v[3]);
	free(v);
	opr_graph_free(g);
}

static void test_cycle(void)
{
	struct opr_graph *g = opr_graph_new();
	int *v = values(g, 3);
	struct opr_err err;

	add(g, v[0], -1, v[1]);
	add(g, v[1], v[2], v[2]);	/* reads its own output */
	CHECK(opr_graph_toposort(g, &err) == OPR_EINVAL);
	CHECK(strstr(err.msg, "cycle") != NULL);
	free(v);
	opr_graph_free(g);
}

int main(void)
{
	test_reversed_chain(50000);
	test_diamond();
	test_cycle();
	if (!failed)
		printf("toposort checks passed\n");
	return failed;
}
