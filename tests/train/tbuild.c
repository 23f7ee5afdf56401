/* Used by train_grad_ops*, train_engine: errors abort at file:line; tb_finish returns -1, checked. */
/*
 * tbuild.c - a small graph builder for the training tests: values by
 * name, random float initializers, int64 constants, nodes and attributes,
 * then shape inference.  Every library call and allocation is checked: a
 * graph that cannot be built as asked (out of memory, a name used twice,
 * an input that does not exist) stops the test with TC_DIE.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tcheck.h"

static void list_add(int **a, int *n, int v)
{
	*a = TC_NEED(realloc(*a, (size_t)(*n + 1) * sizeof(int)),
		     "out of memory adding to a list of %d", *n);
	(*a)[(*n)++] = v;
}

/* A new value called name: dies when the name is taken or memory is out. */
static int new_value(struct opr_graph *g, const char *name)
{
	int v = opr_graph_add_value(g, name);

	TREQUIRE(v >= 0,
		"cannot add value '%s': %s", name,
		       opr_graph_find_value(g, name) >= 0 ? "name already used" :
		       "out of memory");
	return v;
}

/* opr_graph_strdup() that dies when out of memory. */
static char *gstrdup(struct opr_graph *g, const char *s)
{
	return TC_NEED(opr_graph_strdup(g, s), "out of memory copying '%s'", s);
}

int tb_val(const struct opr_graph *g, const char *name)
{
	return opr_graph_find_value(g, name);
}

struct opr_graph *tb_new(int rank, const int64_t *d)
{
	struct opr_graph *g = TC_NEED(opr_graph_new(), "out of memory");
	int v = new_value(g, "x"), i;

	TREQUIRE(rank >= 0 && rank <= OPR_MAX_RANK,
		"input rank %d", rank);
	g->values[v].dtype = OPR_DT_FLOAT;
	g->values[v].rank = rank;
	for (i = 0; i < rank; i++) {
		g->values[v].dims[i] = d[i];
		if (d[i] < 0)
			g->values[v].dim_param[i] = gstrdup(g, "N");
	}
	list_add(&g->inputs, &g->n_inputs, v);
	g->ir_version = 7;
	g->n_opsets = 1;
	g->opsets = TC_NEED(opr_arena_alloc(&g->arena, sizeof(*g->opsets)),
			    "out of memory");
	g->opsets[0].domain = gstrdup(g, "");
	g->opsets[0].version = 13;
	return g;
}

static int add_init(struct opr_graph *g, const char *name, int dtype,
		    int rank, const int64_t *d, const void *data, size_t bytes)
{
	int v = new_value(g, name), i;

	TREQUIRE(rank >= 0 && rank <= OPR_MAX_RANK,
		"initializer '%s': rank %d", name, rank);
	g->values[v].dtype = dtype;
	g->values[v].rank = rank;
	for (i = 0; i < rank; i++)
		g->values[v].dims[i] = d[i];
	g->values[v].data = TC_NEED(opr_arena_memdup(&g->arena, data,
						     bytes ? bytes : 1),
				    "out of memory for initializer '%s'", name);
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
	f = TC_NEED(malloc((size_t)(n + 1) * sizeof(float)),
		    "out of memory for %lld floats of '%s'", (long long)n, name);
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

	TREQUIRE(i >= 0,
		"cannot add %s node '%s': out of memory", op, outs[0]);
	g->nodes[i].name = gstrdup(g, outs[0]);
	for (k = 0; k < nin; k++) {
		if (!ins[k] || !*ins[k])
			continue;
		g->nodes[i].in[k] = opr_graph_find_value(g, ins[k]);
		TREQUIRE(g->nodes[i].in[k] >= 0,
			"%s node '%s': no value '%s'", op, outs[0], ins[k]);
	}
	for (k = 0; k < nout; k++) {
		int v = new_value(g, outs[k]);

		g->nodes[i].out[k] = v;
		g->values[v].producer = i;
	}
	return i;
}

/* Attribute name of type on node i: dies when i is no node or memory is out. */
static struct opr_attr *add_attr(struct opr_graph *g, int i, const char *name,
				 int type)
{
	TREQUIRE(i >= 0 && i < g->n_nodes,
		"attribute '%s' on node %d of %d", name, i, g->n_nodes);
	return TC_NEED(opr_node_add_attr(g, i, name, type), "out of memory "
		       "adding attribute '%s'", name);
}

void tb_attr_i(struct opr_graph *g, int i, const char *name, int64_t v)
{
	add_attr(g, i, name, OPR_AT_INT)->i = v;
}

void tb_attr_f(struct opr_graph *g, int i, const char *name, float v)
{
	add_attr(g, i, name, OPR_AT_FLOAT)->f = v;
}

void tb_attr_ints(struct opr_graph *g, int i, const char *name, int n,
		  const int64_t *v)
{
	struct opr_attr *a = add_attr(g, i, name, OPR_AT_INTS);

	a->ints = TC_NEED(opr_arena_memdup(&g->arena, v, (size_t)(n ? n : 1) *
					   sizeof(int64_t)),
			  "out of memory for attribute '%s'", name);
	a->n = n;
}

void tb_attr_s(struct opr_graph *g, int i, const char *name, const char *s)
{
	struct opr_attr *a = add_attr(g, i, name, OPR_AT_STRING);

	a->s = gstrdup(g, s);
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
