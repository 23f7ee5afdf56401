/*
 * dump_shapes.c - test driver: imports an ONNX model (which folds constants
 * and infers shapes) and prints what the IR then holds, for
 * compare_shapes.py to check against ONNX's own shape inference.
 *
 * Output, tab-separated, one record a line:
 *	value	NAME	DTYPE	DIMS	KIND	DATA
 *	node	OP_TYPE	NAME	INPUT_KINDS	INPUTS
 * DIMS is "N,3,32,32" (a symbolic dim by its name, "?" for an unknown one,
 * "-" for a scalar, "?" alone for an unknown rank); KIND is init, input or
 * act; DATA lists the elements of an int32/int64 initializer of at most 64
 * elements (else empty); INPUT_KINDS has per input c (initializer), v
 * (activation) or - (omitted); INPUTS are the input names, comma-separated.  With --twice the graph is folded and inferred a second time
 * and "idempotent yes|no" is printed last.  Exit 0, or 2 with the error.
 */
#include <stdio.h>
#include <string.h>

#include "infer.h"

/* Prints dims of v into buf. */
static const char *dims_str(const struct opr_value *v, char *buf, size_t len)
{
	size_t n = 0;
	int i;

	if (v->rank < 0)
		return "?";
	if (v->rank == 0)
		return "-";
	buf[0] = 0;
	for (i = 0; i < v->rank && n < len; i++) {
		if (v->dims[i] >= 0)
			n += snprintf(buf + n, len - n, "%s%lld", i ? "," : "",
				      (long long)v->dims[i]);
		else
			n += snprintf(buf + n, len - n, "%s%s", i ? "," : "",
				      v->dim_param[i] ? v->dim_param[i] : "?");
	}
	return buf;
}

static int is_input(const struct opr_graph *g, int v)
{
	int i;

	for (i = 0; i < g->n_inputs; i++)
		if (g->inputs[i] == v)
			return 1;
	return 0;
}

/* Prints the elements of a small integer initializer, comma-separated. */
static void print_data(const struct opr_value *v)
{
	int64_t numel, i, x;
	int32_t y;

	if (!v->is_initializer || (v->dtype != OPR_DT_INT64 && v->dtype != OPR_DT_INT32) ||
	    opr_numel(v->dims, v->rank, &numel) || numel > 64 ||
	    (size_t)numel * opr_dtype_size(v->dtype) > v->nbytes)
		return;
	for (i = 0; i < numel; i++) {
		if (v->dtype == OPR_DT_INT64) {
			memcpy(&x, (const char *)v->data + 8 * i, 8);
		} else {
			memcpy(&y, (const char *)v->data + 4 * i, 4);
			x = y;
		}
		printf("%s%lld", i ? "," : "", (long long)x);
	}
}

static void dump(const struct opr_graph *g)
{
	char buf[512];
	int i, k;

	for (i = 0; i < g->n_values; i++) {
		const struct opr_value *v = &g->values[i];

		printf("value\t%s\t%s\t%s\t%s\t", v->name, opr_dtype_name(v->dtype),
		       dims_str(v, buf, sizeof(buf)),
		       v->is_initializer ? "init" : is_input(g, i) ? "input" : "act");
		print_data(v);
		putchar('\n');
	}
	for (i = 0; i < g->n_nodes; i++) {
		const struct opr_node *n = &g->nodes[i];

		printf("node\t%s\t%s\t", n->op_type, n->name ? n->name : "");
		for (k = 0; k < n->n_in; k++)
			putchar(n->in[k] < 0 ? '-' :
				g->values[n->in[k]].is_initializer ? 'c' : 'v');
		putchar('\t');
		for (k = 0; k < n->n_in; k++)
			printf("%s%s", k ? "," : "",
			       n->in[k] < 0 ? "" : g->values[n->in[k]].name);
		putchar('\n');
	}
}

/* Fingerprint for the idempotency check: counts plus every value's shape. */
static unsigned long fingerprint(const struct opr_graph *g)
{
	unsigned long h = 5381;
	char buf[512];
	int i;

	h = h * 33 + (unsigned long)g->n_nodes;
	h = h * 33 + (unsigned long)g->n_values;
	h = h * 33 + (unsigned long)g->n_inits;
	for (i = 0; i < g->n_values; i++) {
		const char *s = dims_str(&g->values[i], buf, sizeof(buf));

		for (; *s; s++)
			h = h * 33 + (unsigned char)*s;
		h = h * 33 + (unsigned long)g->values[i].dtype;
	}
	return h;
}

int main(int argc, char **argv)
{
	struct opr_graph *g = NULL;
	struct opr_err err = { 0 };
	int twice = argc > 2 && strcmp(argv[1], "--twice") == 0;
	unsigned long before;
	const char *path = argv[argc - 1];

	if (argc < 2) {
		fprintf(stderr, "usage: dump_shapes [--twice] MODEL.onnx\n");
		return 1;
	}
	if (opr_import_file(path, &g, &err) != OPR_OK) {
		fprintf(stderr, "%s\n", err.msg);
		return 2;
	}
	dump(g);
	if (twice) {
		before = fingerprint(g);
		if (opr_fold_constants(g, &err) != OPR_OK ||
		    opr_infer_shapes(g, &err) != OPR_OK ||
		    opr_graph_verify(g, &err) != OPR_OK) {
			fprintf(stderr, "second fold: %s\n", err.msg);
			opr_graph_free(g);
			return 2;
		}
		printf("idempotent\t%s\n", fingerprint(g) == before ? "yes" : "no");
	}
	opr_graph_free(g);
	return 0;
}
