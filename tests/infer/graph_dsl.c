/*
 * graph_dsl.c - graph-building and checking helpers of the shape-inference
 * and folding unit tests (see graph_dsl.h).
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "graph_dsl.h"

int t_failures;

/* Sets value v's shape from a string like "N,3,32,32" ("?" = unknown rank). */
void t_set_shape(struct opr_graph *g, int v, const char *s)
{
	struct opr_value *val = &g->values[v];
	char buf[256], *tok, *save = NULL;

	val->rank = -1;
	if (strcmp(s, "?") == 0)
		return;
	val->rank = 0;
	snprintf(buf, sizeof(buf), "%s", s);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		int i = val->rank++;

		if (*tok >= '0' && *tok <= '9') {
			val->dims[i] = atoll(tok);
			val->dim_param[i] = NULL;
		} else {
			val->dims[i] = -1;
			val->dim_param[i] = *tok == '?' ? NULL : opr_graph_strdup(g, tok);
		}
	}
}

/* Adds a value name of dtype and shape string; returns its index. */
int t_val(struct opr_graph *g, const char *name, int dtype, const char *shape)
{
	int v = opr_graph_add_value(g, name);

	g->values[v].dtype = dtype;
	t_set_shape(g, v, shape);
	return v;
}

/* Value called name, created (unknown) when absent. */
static int get(struct opr_graph *g, const char *name)
{
	int v = opr_graph_find_value(g, name);

	return v >= 0 ? v : opr_graph_add_value(g, name);
}

/* Adds an initializer with the given shape and bytes (copied). */
int t_init(struct opr_graph *g, const char *name, int dtype,
		const char *shape, const void *data, size_t nbytes)
{
	int v = t_val(g, name, dtype, shape);

	g->values[v].data = opr_arena_memdup(&g->arena, data, nbytes ? nbytes : 1);
	g->values[v].nbytes = nbytes;
	g->values[v].is_initializer = 1;
	g->inits = realloc(g->inits, (size_t)(g->n_inits + 1) * sizeof(int));
	g->inits[g->n_inits++] = v;
	return v;
}

/* int64 initializer; n values follow (a scalar when shape is ""). */
int t_init_i64(struct opr_graph *g, const char *name, const char *shape,
		    int n, ...)
{
	int64_t v[64];
	va_list ap;
	int i;

	va_start(ap, n);
	for (i = 0; i < n; i++)
		v[i] = va_arg(ap, int64_t);
	va_end(ap);
	return t_init(g, name, OPR_DT_INT64, shape, v, (size_t)n * 8);
}

/* float initializer of zeros. */
int t_init_f(struct opr_graph *g, const char *name, const char *shape)
{
	static float zeros[1 << 16];
	int v = t_val(g, name, OPR_DT_FLOAT, shape);
	int64_t n;

	opr_numel(g->values[v].dims, g->values[v].rank, &n);
	g->values[v].data = opr_arena_memdup(&g->arena, zeros, (size_t)n * 4 + 1);
	g->values[v].nbytes = (size_t)n * 4;
	g->values[v].is_initializer = 1;
	g->inits = realloc(g->inits, (size_t)(g->n_inits + 1) * sizeof(int));
	g->inits[g->n_inits++] = v;
	return v;
}

/* Splits a comma list into value indices; "" entries give -1. */
static int names(struct opr_graph *g, const char *list, int *out)
{
	const char *p = list;
	int n = 0;

	if (!*list)
		return 0;
	for (;;) {
		const char *e = strchr(p, ',');
		char buf[128];
		size_t len = e ? (size_t)(e - p) : strlen(p);

		snprintf(buf, sizeof(buf), "%.*s", (int)len, p);
		out[n++] = len ? get(g, buf) : -1;
		if (!e)
			return n;
		p = e + 1;
	}
}

/* Adds node op with inputs and outputs from comma lists; returns its index. */
int t_node(struct opr_graph *g, const char *op, const char *ins,
		const char *outs)
{
	int in[64], out[64], ni = names(g, ins, in), no = names(g, outs, out), i, k;

	i = opr_graph_add_node(g, op, "", ni, no);
	for (k = 0; k < ni; k++)
		g->nodes[i].in[k] = in[k];
	for (k = 0; k < no; k++) {
		g->nodes[i].out[k] = out[k];
		if (out[k] >= 0)
			g->values[out[k]].producer = i;
	}
	return i;
}

void t_attr_i(struct opr_graph *g, int nd, const char *name, int64_t v)
{
	opr_node_add_attr(g, nd, name, OPR_AT_INT)->i = v;
}

void t_attr_ints(struct opr_graph *g, int nd, const char *name, int n, ...)
{
	struct opr_attr *a = opr_node_add_attr(g, nd, name, OPR_AT_INTS);
	va_list ap;
	int i;

	a->n = n;
	a->ints = opr_arena_alloc(&g->arena, (size_t)(n + 1) * 8);
	va_start(ap, n);
	for (i = 0; i < n; i++)
		a->ints[i] = va_arg(ap, int64_t);
	va_end(ap);
}

void t_attr_s(struct opr_graph *g, int nd, const char *name, const char *s)
{
	struct opr_attr *a = opr_node_add_attr(g, nd, name, OPR_AT_STRING);

	a->s = opr_graph_strdup(g, s);
	a->s_len = strlen(s);
}

/* Marks the listed values as graph outputs. */
void t_outputs(struct opr_graph *g, const char *list)
{
	int v[64], n = names(g, list, v);

	g->outputs = realloc(g->outputs, (size_t)n * sizeof(int));
	memcpy(g->outputs, v, (size_t)n * sizeof(int));
	g->n_outputs = n;
}

void t_inputs(struct opr_graph *g, const char *list)
{
	int v[64], n = names(g, list, v);

	g->inputs = realloc(g->inputs, (size_t)n * sizeof(int));
	memcpy(g->inputs, v, (size_t)n * sizeof(int));
	g->n_inputs = n;
}

/* Formats value name's shape like the shape strings. */
static const char *fmt(const struct opr_graph *g, const char *name)
{
	static char buf[256];
	int v = opr_graph_find_value(g, name), i;
	size_t len = 0;

	if (v < 0)
		return "<no such value>";
	if (g->values[v].rank < 0)
		return "?";
	buf[0] = 0;
	for (i = 0; i < g->values[v].rank; i++) {
		const struct opr_value *x = &g->values[v];

		if (x->dims[i] >= 0)
			len += snprintf(buf + len, sizeof(buf) - len, "%s%lld",
					i ? "," : "", (long long)x->dims[i]);
		else
			len += snprintf(buf + len, sizeof(buf) - len, "%s%s", i ? "," : "",
					x->dim_param[i] ? x->dim_param[i] : "?");
	}
	return buf;
}

/* Checks value name's shape string and (when dtype > 0) dtype. */
void t_expect(const struct opr_graph *g, const char *name, int dtype,
		   const char *shape, int line)
{
	int v = opr_graph_find_value(g, name);

	if (v < 0 || strcmp(fmt(g, name), shape) != 0 ||
	    (dtype && g->values[v].dtype != dtype)) {
		fprintf(stderr, "line %d: %s is %s %s, want %s %s\n", line, name,
			v >= 0 ? opr_dtype_name(g->values[v].dtype) : "-",
			fmt(g, name), opr_dtype_name(dtype), shape);
		t_failures++;
	}
}

/* Runs inference and checks it fails with OPR_ESHAPE mentioning word. */
void t_expect_fail(struct opr_graph *g, const char *word, int line)
{
	struct opr_err err = { 0 };
	int rc = opr_infer_shapes(g, &err);

	if (rc != OPR_ESHAPE || !strstr(err.msg, word)) {
		fprintf(stderr, "line %d: want OPR_ESHAPE mentioning '%s', got %s: %s\n",
			line, word, opr_status_name(rc), err.msg);
		t_failures++;
	}
	opr_graph_free(g);
}

/* Runs inference and checks it succeeds. */
void t_run_infer(struct opr_graph *g, int line)
{
	struct opr_err err = { 0 };

	if (opr_infer_shapes(g, &err) != OPR_OK) {
		fprintf(stderr, "line %d: inference failed: %s\n", line, err.msg);
		t_failures++;
	}
}

void t_run_fold(struct opr_graph *g, int line)
{
	struct opr_err err = { 0 };

	if (opr_fold_constants(g, &err) != OPR_OK ||
	    opr_graph_verify(g, &err) != OPR_OK) {
		fprintf(stderr, "line %d: folding failed: %s\n", line, err.msg);
		t_failures++;
	}
}

/* A graph with input x of the given shape. */
struct opr_graph *t_with_x(const char *shape)
{
	struct opr_graph *g = opr_graph_new();

	t_val(g, "x", OPR_DT_FLOAT, shape);
	t_inputs(g, "x");
	return g;
}

/* A Conv x * w -> y with w of wshape, attributes set by the caller. */
struct opr_graph *t_conv(const char *xs, const char *ws, int *nd)
{
	struct opr_graph *g = t_with_x(xs);

	t_init_f(g, "w", ws);
	*nd = t_node(g, "Conv", "x,w", "y");
	t_outputs(g, "y");
	return g;
}
