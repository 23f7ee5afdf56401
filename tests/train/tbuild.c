/*
 * tbuild.c - a small graph builder for the training tests: values by
 * name, random float initializers, int64 constants, nodes and attributes,
 * then shape inference.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tcheck.h"

static void list_add(int **a, int *n, int v)
{
	*a = realloc(*a, (size_t)(*n + 1) * sizeof(int));
	(*a)[(*n)++] = v;
}

int tb_val(const struct opr_graph *g, const char *name)
{
	return opr_graph_find_value(g, name);
}

struct opr_graph *tb_new(int rank, const int64_t *d)
{
	struct opr_graph *g = opr_graph_new();
	int v = opr_graph_add_value(g, "x"), i;

	g->values[v].dtype = OPR_DT_FLOAT;
	g->values[v].rank = rank;
	for (i = 0; i < rank; i++) {
		g->values[v].dims[i] = d[i];
		if (d[i] < 0)
			g->values[v].dim_param[i] = opr_graph_strdup(g, "N");
	}
	list_add(&g->inputs, &g->n_inputs, v);
	g->ir_version = 7;
	g->n_opsets = 1;
	g->opsets = opr_arena_alloc(&g->arena, sizeof(*g->opsets));
	g->opsets[0].domain = opr_graph_strdup(g, "");
	g->opsets[0].version = 13;
	return g;
}

static int add_init(struct opr_graph *g, const char *name, int dtype,
		    int rank, const int64_t *d, const void *data, size_t bytes)
{
	int v = opr_graph_add_value(g, name), i;

	g->values[v].dtype = dtype;
	g->values[v].rank = rank;
	for (i = 0; i < rank; i++)
		g->values[v].dims[i] = d[i];
	g->values[v].data = opr_arena_memdup(&g->arena, data, bytes ? bytes : 1);
	g->values[v].nbytes = bytes;
	g->values[v].is_initializer = 1;
	list_add(&g->inits, &g->n_inits, v);
	return v;
}

int tb_init(struct opr_graph *g, const char *name, int rank,
	    const int64_t *d, unsigned *seed, float scale, float add)
{
	int64_t n = 1, i;
	float *f;
	int v;

	for (i = 0; i < rank; i++)
		n *= d[i];
	f = malloc((size_t)(n + 1) * sizeof(float));
	for (i = 0; i < n; i++)
		f[i] = tc_rand(seed) * scale + add;
	v = add_init(g, name, OPR_DT_FLOAT, rank, d, f, (size_t)n * sizeof(float));
	free(f);
	return v;
}

int tb_ints(struct opr_graph *g, const char *name, int n, const int64_t *v)
{
	int64_t d = n;

	return add_init(g, name, OPR_DT_INT64, 1, &d, v,
			(size_t)n * sizeof(int64_t));
}

int tb_floats(struct opr_graph *g, const char *name, int rank,
	      const int64_t *d, const float *v)
{
	int64_t n = 1;
	int i;

	for (i = 0; i < rank; i++)
		n *= d[i];
	return add_init(g, name, OPR_DT_FLOAT, rank, d, v,
			(size_t)n * sizeof(float));
}

int tb_node(struct opr_graph *g, const char *op, const char *const *ins,
	    int nin, const char *const *outs, int nout)
{
	int i = opr_graph_add_node(g, op, "", nin, nout), k;

	g->nodes[i].name = opr_graph_strdup(g, outs[0]);
	for (k = 0; k < nin; k++) {
		if (!ins[k] || !*ins[k])
			continue;
		g->nodes[i].in[k] = opr_graph_find_value(g, ins[k]);
		if (g->nodes[i].in[k] < 0) {
			fprintf(stderr, "tb_node: no value '%s'\n", ins[k]);
			abort();
		}
	}
	for (k = 0; k < nout; k++) {
		int v = opr_graph_add_value(g, outs[k]);

		g->nodes[i].out[k] = v;
		g->values[v].producer = i;
	}
	return i;
}

void tb_attr_i(struct opr_graph *g, int i, const char *name, int64_t v)
{
	opr_node_add_attr(g, i, name, OPR_AT_INT)->i = v;
}

void tb_attr_f(struct opr_graph *g, int i, const char *name, float v)
{
	opr_node_add_attr(g, i, name, OPR_AT_FLOAT)->f = v;
}

void tb_attr_ints(struct opr_graph *g, int i, const char *name, int n,
		  const int64_t *v)
{
	struct opr_attr *a = opr_node_add_attr(g, i, name, OPR_AT_INTS);

	a->ints = opr_arena_memdup(&g->arena, v, (size_t)(n ? n : 1) * sizeof(int64_t));
	a->n = n;
}

void tb_attr_s(struct opr_graph *g, int i, const char *name, const char *s)
{
	struct opr_attr *a = opr_node_add_attr(g, i, name, OPR_AT_STRING);

	a->s = opr_graph_strdup(g, s);
	a->s_len = strlen(s);
}

int tb_finish(struct opr_graph *g, const char *name)
{
	struct opr_err err;
	int v = opr_graph_find_value(g, name);

	if (v < 0) {
		printf("tb_finish: no value '%s'\n", name);
		return -1;
	}
	list_add(&g->outputs, &g->n_outputs, v);
	if (opr_infer_shapes(g, &err) != OPR_OK ||
	    opr_graph_verify(g, &err) != OPR_OK) {
		printf("tb_finish: %s\n", err.msg);
		return -1;
	}
	return 0;
}
