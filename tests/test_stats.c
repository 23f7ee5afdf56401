/*
 * test_stats.c - unit test of opr_model_stats(): parameter and MAC counts
 * of hand-built graphs whose numbers are worked out in the comments.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "ir.h"

static int n_checks, n_failed;

#define CHECK_EQ(got, want) check_eq((int64_t)(got), (int64_t)(want), #got, __LINE__)

static void check_eq(int64_t got, int64_t want, const char *what, int line)
{
	n_checks++;
	if (got == want)
		return;
	n_failed++;
	fprintf(stderr, "test_stats.c:%d: %s = %lld, want %lld\n", line, what,
		(long long)got, (long long)want);
}

/* Adds a value of the given shape; rank -1 leaves it unknown. */
static int value(struct opr_graph *g, const char *name, int rank, ...)
{
	int v = opr_graph_add_value(g, name), i;
	va_list ap;

	if (v < 0)
		return -1;
	g->values[v].dtype = OPR_DT_FLOAT;
	g->values[v].rank = rank;
	va_start(ap, rank);
	for (i = 0; i < rank; i++)
		g->values[v].dims[i] = va_arg(ap, int64_t);
	va_end(ap);
	return v;
}

/* Turns value v into a float initializer of zeros. */
static int init(struct opr_graph *g, int v, int dtype)
{
	struct opr_value *val = &g->values[v];
	int64_t n;

	if (v < 0 || opr_numel(val->dims, val->rank, &n))
		return -1;
	val->dtype = dtype;
	val->is_initializer = 1;
	val->nbytes = (size_t)n * opr_dtype_size(dtype);
	val->data = opr_arena_alloc(&g->arena, val->nbytes ? val->nbytes : 1);
	return val->data ? 0 : -1;
}

/* Adds a node op(in...) -> out; ins ends with -2. */
static int node(struct opr_graph *g, const char *op, int out, ...)
{
	int ins[8], n_in = 0, v, i, k;
	va_list ap;

	va_start(ap, out);
	while ((v = va_arg(ap, int)) != -2 && n_in < 8)
		ins[n_in++] = v;
	va_end(ap);
	i = opr_graph_add_node(g, op, "", n_in, 1);
	if (i < 0)
		return -1;
	for (k = 0; k < n_in; k++)
		g->nodes[i].in[k] = ins[k];
	g->nodes[i].out[0] = out;
	g->values[out].producer = i;
	g->nodes[i].name = opr_graph_strdup(g, g->values[out].name);
	return i;
}

static void set_int(struct opr_graph *g, int i, const char *name, int64_t val)
{
	struct opr_attr *a = opr_node_add_attr(g, i, name, OPR_AT_INT);

	if (a)
		a->i = val;
}

#define D(x) ((int64_t)(x))
#define W(name, ...) w = value(g, name, __VA_ARGS__), init(g, w, OPR_DT_FLOAT)

/*
 * x[N,3,8,8] -> Conv 3x3 pad 1 (4 filters, bias) -> BN -> Relu
 * -> Conv 3x3 stride 2 group 2 -> Conv 1x1 (w2) -> Conv 1x1 (w2 again)
 * -> ConvTranspose 2x2 stride 2 -> PRelu -> GAP -> Flatten -> Gemm
 * -> MatMul -> Add.
 */
static void test_chain(void)
{
	struct opr_graph *g = opr_graph_new();
	struct opr_model_stats st;
	struct opr_err err = { 0 };
	int x, y[13], w, w2, c, s, b, m, v, i;

	x = value(g, "x", 4, D(-1), D(3), D(8), D(8));
	g->values[x].dim_param[0] = opr_graph_strdup(g, "N");
	y[0] = value(g, "y0", 4, D(-1), D(4), D(8), D(8));
	W("w0", 4, D(4), D(3), D(3), D(3));
	c = value(g, "b0", 1, D(4));
	init(g, c, OPR_DT_FLOAT);
	/* 4*8*8 outputs * 3*3*3 = 6912 MACs; 108 + 4 params */
	node(g, "Conv", y[0], x, w, c, -2);
	y[1] = value(g, "y1", 4, D(-1), D(4), D(8), D(8));
	s = value(g, "s", 1, D(4)), init(g, s, OPR_DT_FLOAT);
	b = value(g, "b", 1, D(4)), init(g, b, OPR_DT_FLOAT);
	m = value(g, "m", 1, D(4)), init(g, m, OPR_DT_FLOAT);
	v = value(g, "v", 1, D(4)), init(g, v, OPR_DT_FLOAT);
	node(g, "BatchNormalization", y[1], y[0], s, b, m, v, -2);	/* 16 params */
	y[2] = value(g, "y2", 4, D(-1), D(4), D(8), D(8));
	node(g, "Relu", y[2], y[1], -2);
	y[3] = value(g, "y3", 4, D(-1), D(4), D(4), D(4));
	W("w1", 4, D(4), D(2), D(3), D(3));
	/* 4*4*4 outputs * (4/2)*3*3 = 1152 MACs; 72 params */
	i = node(g, "Conv", y[3], y[2], w, -2);
	set_int(g, i, "group", 2);
	y[4] = value(g, "y4", 4, D(1), D(4), D(4), D(4));
	W("w2", 4, D(4), D(4), D(1), D(1));
	w2 = w;
	node(g, "Conv", y[4], y[3], w2, -2);	/* 64 * 4 = 256 MACs; 16 params */
	y[5] = value(g, "y5", 4, D(1), D(4), D(4), D(4));
	node(g, "Conv", y[5], y[4], w2, -2);	/* 256 MACs; w2 counted already */
	y[6] = value(g, "y6", 4, D(1), D(2), D(8), D(8));
	W("wt", 4, D(4), D(2), D(2), D(2));
	/* 4*4*4 inputs * 2*2*2 = 512 MACs; 32 params */
	node(g, "ConvTranspose", y[6], y[5], w, -2);
	y[7] = value(g, "y7", 4, D(1), D(2), D(8), D(8));
	W("slope", 3, D(2), D(1), D(1));
	node(g, "PRelu", y[7], y[6], w, -2);	/* 2 params */
	y[8] = value(g, "y8", 4, D(1), D(2), D(1), D(1));
	node(g, "GlobalAveragePool", y[8], y[7], -2);
	y[9] = value(g, "y9", 2, D(1), D(2));
	node(g, "Flatten", y[9], y[8], -2);
	y[10] = value(g, "y10", 2, D(1), D(10));
	W("wg", 2, D(10), D(2));
	c = value(g, "bg", 1, D(10)), init(g, c, OPR_DT_FLOAT);
	/* N=10, K=2: 20 MACs; 20 + 10 params */
	i = node(g, "Gemm", y[10], y[9], w, c, -2);
	set_int(g, i, "transB", 1);
	y[11] = value(g, "y11", 2, D(1), D(5));
	W("wm", 2, D(10), D(5));
	node(g, "MatMul", y[11], y[10], w, -2);	/* 10*5 = 50 MACs; 50 params */
	y[12] = value(g, "y12", 2, D(1), D(5));
	W("bias", 1, D(5));
	node(g, "Add", y[12], y[11], w, -2);	/* not a compute node: 0 */

	CHECK_EQ(opr_model_stats(g, &st, &err), OPR_OK);
	CHECK_EQ(st.n_layers, 13);
	CHECK_EQ(st.n_unknown, 0);
	CHECK_EQ(st.layers[0].macs, 6912);
	CHECK_EQ(st.layers[0].params, 112);
	CHECK_EQ(st.layers[1].macs, 0);
	CHECK_EQ(st.layers[1].params, 16);
	CHECK_EQ(st.layers[2].params + st.layers[2].macs, 0);
	CHECK_EQ(st.layers[3].macs, 1152);
	CHECK_EQ(st.layers[3].params, 72);
	CHECK_EQ(st.layers[4].macs, 256);
	CHECK_EQ(st.layers[4].params, 16);
	CHECK_EQ(st.layers[5].macs, 256);
	CHECK_EQ(st.layers[5].params, 0);
	CHECK_EQ(st.layers[6].macs, 512);
	CHECK_EQ(st.layers[6].params, 32);
	CHECK_EQ(st.layers[7].params, 2);
	CHECK_EQ(st.layers[7].macs, 0);
	CHECK_EQ(st.layers[10].macs, 20);
	CHECK_EQ(st.layers[10].params, 30);
	CHECK_EQ(st.layers[11].macs, 50);
	CHECK_EQ(st.layers[11].params, 50);
	CHECK_EQ(st.layers[12].params, 0);
	CHECK_EQ(st.params, 112 + 16 + 72 + 16 + 32 + 2 + 30 + 50);
	CHECK_EQ(st.macs, 6912 + 1152 + 256 + 256 + 512 + 20 + 50);
	opr_stats_free(&st);
	CHECK_EQ(st.layers == NULL, 1);
	opr_graph_free(g);
}

/*
 * A fixed batch of 8 counts as 1; an int64 initializer is no parameter; a
 * rank-3 MatMul counts every row; an unknown shape gives macs -1.
 */
static void test_batch_and_unknown(void)
{
	struct opr_graph *g = opr_graph_new();
	struct opr_model_stats st;
	struct opr_err err = { 0 };
	int x, y0, y1, y2, y3, w;

	x = value(g, "x", 4, D(8), D(3), D(8), D(8));
	y0 = value(g, "y0", 4, D(8), D(4), D(8), D(8));
	W("w0", 4, D(4), D(3), D(3), D(3));
	node(g, "Conv", y0, x, w, -2);		/* 6912 MACs, not 8 * 6912 */
	y1 = value(g, "y1", 3, D(8), D(6), D(5));
	w = value(g, "a", 3, D(8), D(6), D(10));
	x = value(g, "wm", 2, D(10), D(5));
	init(g, x, OPR_DT_FLOAT);
	node(g, "MatMul", y1, w, x, -2);	/* 6*5 rows*cols * K=10 = 300 */
	y2 = value(g, "y2", -1);
	x = value(g, "wq", 4, D(4), D(4), D(1), D(1));
	init(g, x, OPR_DT_INT64);
	node(g, "Conv", y2, y0, x, -2);		/* int64 weight, unknown shape */
	y3 = value(g, "y3", 2, D(8), D(5));
	x = value(g, "a2", 2, D(8), D(10));
	w = value(g, "wd", 2, D(10), D(5));
	init(g, w, OPR_DT_DOUBLE);
	node(g, "Gemm", y3, x, w, -2);		/* double counts: 50; K=10: 50 MACs */

	CHECK_EQ(opr_model_stats(g, &st, &err), OPR_OK);
	CHECK_EQ(st.layers[0].macs, 6912);
	CHECK_EQ(st.layers[1].macs, 300);
	CHECK_EQ(st.layers[1].params, 50);
	CHECK_EQ(st.layers[2].macs, -1);
	CHECK_EQ(st.layers[2].params, 0);
	CHECK_EQ(st.layers[3].macs, 50);
	CHECK_EQ(st.layers[3].params, 50);
	CHECK_EQ(st.n_unknown, 1);
	CHECK_EQ(st.macs, 6912 + 300 + 50);
	CHECK_EQ(st.params, 108 + 50 + 50);
	opr_stats_free(&st);
	opr_graph_free(g);
}

/* An empty graph costs nothing. */
static void test_empty(void)
{
	struct opr_graph *g = opr_graph_new();
	struct opr_model_stats st;
	struct opr_err err = { 0 };

	CHECK_EQ(opr_model_stats(g, &st, &err), OPR_OK);
	CHECK_EQ(st.n_layers, 0);
	CHECK_EQ(st.params, 0);
	CHECK_EQ(st.macs, 0);
	opr_stats_free(&st);
	opr_graph_free(g);
}

int main(void)
{
	test_chain();
	test_batch_and_unknown();
	test_empty();
	printf("test_stats: %d checks, %d failed\n", n_checks, n_failed);
	return n_failed ? 1 : 0;
}
