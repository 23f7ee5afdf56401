/*
 * graph.c - building, looking up and freeing the IR (see ir.h).
 *
 * Topological sorting, compaction and verification live in graph_check.c.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ir.h"

static const struct {
	const char *name;
	size_t size;
} dtypes[OPR_DT_COUNT] = {
	[OPR_DT_UNDEFINED] = { "undefined", 0 },
	[OPR_DT_FLOAT] = { "float", 4 },
	[OPR_DT_UINT8] = { "uint8", 1 },
	[OPR_DT_INT8] = { "int8", 1 },
	[OPR_DT_UINT16] = { "uint16", 2 },
	[OPR_DT_INT16] = { "int16", 2 },
	[OPR_DT_INT32] = { "int32", 4 },
	[OPR_DT_INT64] = { "int64", 8 },
	[OPR_DT_STRING] = { "string", 0 },
	[OPR_DT_BOOL] = { "bool", 1 },
	[OPR_DT_FLOAT16] = { "float16", 2 },
	[OPR_DT_DOUBLE] = { "double", 8 },
	[OPR_DT_UINT32] = { "uint32", 4 },
	[OPR_DT_UINT64] = { "uint64", 8 },
	[OPR_DT_COMPLEX64] = { "complex64", 8 },
	[OPR_DT_COMPLEX128] = { "complex128", 16 },
	[OPR_DT_BFLOAT16] = { "bfloat16", 2 },
};

size_t opr_dtype_size(int dtype)
{
	return dtype > 0 && dtype < OPR_DT_COUNT ? dtypes[dtype].size : 0;
}

const char *opr_dtype_name(int dtype)
{
	return dtype >= 0 && dtype < OPR_DT_COUNT ? dtypes[dtype].name : "?";
}

struct opr_graph *opr_graph_new(void)
{
	return calloc(1, sizeof(struct opr_graph));
}

void opr_graph_free(struct opr_graph *g)
{
	if (!g)
		return;
	free(g->values);
	free(g->nodes);
	free(g->inputs);
	free(g->outputs);
	free(g->inits);
	free(g->name_index);
	opr_arena_free(&g->arena);
	free(g);
}

char *opr_graph_strdup(struct opr_graph *g, const char *str)
{
	return opr_arena_strdup(&g->arena, str);
}

static uint32_t hash_name(const char *s)
{
	uint32_t h = 2166136261u;

	while (*s)
		h = (h ^ (unsigned char)*s++) * 16777619u;
	return h;
}

/* Inserts value v into the name index; the index has room (load <= 1/2). */
static void index_insert(struct opr_graph *g, int v)
{
	uint32_t mask = (uint32_t)g->name_index_cap - 1;
	uint32_t h = hash_name(g->values[v].name) & mask;

	while (g->name_index[h] >= 0)
		h = (h + 1) & mask;
	g->name_index[h] = v;
}

/* Rebuilds the name index for cap slots.  Returns -1 when out of memory. */
static int index_rebuild(struct opr_graph *g, int cap)
{
	int *idx = malloc((size_t)cap * sizeof(int)), i;

	if (!idx)
		return -1;
	free(g->name_index);
	g->name_index = idx;
	g->name_index_cap = cap;
	for (i = 0; i < cap; i++)
		idx[i] = -1;
	for (i = 0; i < g->n_values; i++)
		index_insert(g, i);
	return 0;
}

int opr_graph_reindex(struct opr_graph *g)
{
	int cap = 64;

	while (cap < 2 * (g->n_values + 1))
		cap *= 2;
	return index_rebuild(g, cap);
}

int opr_graph_find_value(const struct opr_graph *g, const char *name)
{
	uint32_t mask, h;
	int v;

	if (!name || g->name_index_cap == 0)
		return -1;
	mask = (uint32_t)g->name_index_cap - 1;
	h = hash_name(name) & mask;
	while ((v = g->name_index[h]) >= 0) {
		if (strcmp(g->values[v].name, name) == 0)
			return v;
		h = (h + 1) & mask;
	}
	return -1;
}

/* Doubles *cap until it holds need entries; reallocs *arr of elem bytes each. */
static int grow(void **arr, int *cap, int need, size_t elem)
{
	int ncap = *cap ? *cap : 16;
	void *p;

	if (need <= *cap)
		return 0;
	while (ncap < need) {
		if (ncap > (1 << 29))
			return -1;
		ncap *= 2;
	}
	p = realloc(*arr, (size_t)ncap * elem);
	if (!p)
		return -1;
	memset((char *)p + (size_t)*cap * elem, 0, (size_t)(ncap - *cap) * elem);
	*arr = p;
	*cap = ncap;
	return 0;
}

int opr_graph_add_value(struct opr_graph *g, const char *name)
{
	struct opr_value *v;
	int i;

	if (!name || opr_graph_find_value(g, name) >= 0)
		return -1;
	if (grow((void **)&g->values, &g->cap_values, g->n_values + 1,
		 sizeof(*g->values)))
		return -1;
	v = &g->values[g->n_values];
	memset(v, 0, sizeof(*v));
	v->name = opr_graph_strdup(g, name);
	if (!v->name)
		return -1;
	v->rank = -1;
	v->producer = -1;
	for (i = 0; i < OPR_MAX_RANK; i++)
		v->dims[i] = -1;
	g->n_values++;
	if (2 * (g->n_values + 1) > g->name_index_cap) {
		if (opr_graph_reindex(g)) {
			g->n_values--;
			return -1;
		}
	} else {
		index_insert(g, g->n_values - 1);
	}
	return g->n_values - 1;
}

int opr_graph_add_node(struct opr_graph *g, const char *op_type,
		       const char *domain, int n_in, int n_out)
{
	struct opr_node *n;
	int i;

	if (n_in < 0 || n_out < 0 || n_in > OPR_MAX_INPUTS || n_out > OPR_MAX_INPUTS)
		return -1;
	if (grow((void **)&g->nodes, &g->cap_nodes, g->n_nodes + 1,
		 sizeof(*g->nodes)))
		return -1;
	n = &g->nodes[g->n_nodes];
	memset(n, 0, sizeof(*n));
	n->op_type = opr_graph_strdup(g, op_type ? op_type : "");
	n->domain = opr_graph_strdup(g, domain ? domain : "");
	n->name = opr_graph_strdup(g, "");
	n->in = opr_arena_alloc(&g->arena, (size_t)(n_in + 1) * sizeof(int));
	n->out = opr_arena_alloc(&g->arena, (size_t)(n_out + 1) * sizeof(int));
	if (!n->op_type || !n->domain || !n->name || !n->in || !n->out)
		return -1;
	n->n_in = n_in;
	n->n_out = n_out;
	for (i = 0; i < n_in; i++)
		n->in[i] = -1;
	for (i = 0; i < n_out; i++)
		n->out[i] = -1;
	n->op = opr_op_lookup(op_type, domain);
	return g->n_nodes++;
}

struct opr_attr *opr_node_attr(const struct opr_node *n, const char *name)
{
	int i;

	for (i = 0; i < n->n_attrs; i++)
		if (strcmp(n->attrs[i].name, name) == 0)
			return &n->attrs[i];
	return NULL;
}

int64_t opr_node_attr_int(const struct opr_node *n, const char *name, int64_t dflt)
{
	const struct opr_attr *a = opr_node_attr(n, name);

	return a && a->type == OPR_AT_INT ? a->i : dflt;
}

float opr_node_attr_float(const struct opr_node *n, const char *name, float dflt)
{
	const struct opr_attr *a = opr_node_attr(n, name);

	return a && a->type == OPR_AT_FLOAT ? a->f : dflt;
}

struct opr_attr *opr_node_add_attr(struct opr_graph *g, int node,
				   const char *name, int type)
{
	struct opr_node *n = &g->nodes[node];
	struct opr_attr *a;

	/* Attributes live in the arena: copy into a block one larger. */
	a = opr_arena_alloc(&g->arena, (size_t)(n->n_attrs + 1) * sizeof(*a));
	if (!a)
		return NULL;
	if (n->n_attrs)
		memcpy(a, n->attrs, (size_t)n->n_attrs * sizeof(*a));
	n->attrs = a;
	a = &n->attrs[n->n_attrs];
	memset(a, 0, sizeof(*a));
	a->name = opr_graph_strdup(g, name);
	if (!a->name)
		return NULL;
	a->type = type;
	n->n_attrs++;
	return a;
}

int opr_numel(const int64_t *dims, int rank, int64_t *out)
{
	int64_t p = 1;
	int i;

	if (rank < 0 || rank > OPR_MAX_RANK)
		return -1;
	for (i = 0; i < rank; i++) {
		if (dims[i] < 0)
			return -1;
		if (dims[i] != 0 && p > INT64_MAX / dims[i])
			return -1;
		p *= dims[i];
	}
	*out = p;
	return 0;
}

int opr_value_n_consumers(const struct opr_graph *g, int v)
{
	int i, k, c = 0;

	for (i = 0; i < g->n_nodes; i++) {
		if (g->nodes[i].dead)
			continue;
		for (k = 0; k < g->nodes[i].n_in; k++)
			if (g->nodes[i].in[k] == v)
				c++;
	}
	return c;
}

int opr_value_is_graph_output(const struct opr_graph *g, int v)
{
	int i;

	for (i = 0; i < g->n_outputs; i++)
		if (g->outputs[i] == v)
			return 1;
	return 0;
}

const char *opr_node_desc(const struct opr_graph *g, int i, char *buf, size_t len)
{
	const struct opr_node *n;

	if (i < 0 || i >= g->n_nodes) {
		snprintf(buf, len, "node #%d", i);
		return buf;
	}
	n = &g->nodes[i];
	if (n->name && *n->name)
		snprintf(buf, len, "node '%s' (%s)", n->name, n->op_type);
	else
		snprintf(buf, len, "node #%d (%s)", i, n->op_type);
	return buf;
}

int opr_node_verrf(struct opr_err *err, int code, const struct opr_graph *g,
		   int node, const char *fmt, va_list ap)
{
	char desc[300], msg[OPR_ERR_MSG];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	return opr_errf(err, code, "%s%s%s: %s", g->path ? g->path : "",
			g->path ? ": " : "", opr_node_desc(g, node, desc,
							   sizeof(desc)), msg);
}
