/*
 * test_fold_cases.c - unit tests of constant folding (opr_fold_constants):
 * the exporter patterns of the shared models (channel shuffle, x.view(N,
 * -1), the option-A ResNet pad computation) built by hand, idempotency,
 * and the values folding computes.  Run from test_infer.c's main().
 */
#include <stdlib.h>
#include <string.h>

#include "graph_dsl.h"

/* Op counts of live nodes, e.g. "Reshape" -> 2. */
static int count_op(const struct opr_graph *g, const char *op)
{
	int i, n = 0;

	for (i = 0; i < g->n_nodes; i++)
		n += !g->nodes[i].dead && strcmp(g->nodes[i].op_type, op) == 0;
	return n;
}

/* int64 data of initializer input k of the first node of op. */
static const int64_t *init_of(const struct opr_graph *g, const char *op, int k,
			      int64_t *n)
{
	int i, v;

	for (i = 0; i < g->n_nodes; i++) {
		if (strcmp(g->nodes[i].op_type, op) || k >= g->nodes[i].n_in)
			continue;
		v = g->nodes[i].in[k];
		if (v < 0 || !g->values[v].is_initializer ||
		    g->values[v].dtype != OPR_DT_INT64)
			return NULL;
		*n = (int64_t)(g->values[v].nbytes / 8);
		return g->values[v].data;
	}
	return NULL;
}

/* Checks the int64 initializer feeding input k of op against want. */
static void expect_ints(const struct opr_graph *g, const char *op, int k,
			const int64_t *want, int n, int line)
{
	int64_t m = 0;
	const int64_t *d = init_of(g, op, k, &m);

	if (!d || m != n || memcmp(d, want, (size_t)n * 8) != 0) {
		fprintf(stderr, "line %d: %s input %d is not the expected constant\n",
			line, op, k);
		t_failures++;
	}
}
#define EXPECT_INTS(g, op, k, ...) do { const int64_t w_[] = { __VA_ARGS__ }; \
	expect_ints(g, op, k, w_, (int)(sizeof(w_) / 8), __LINE__); } while (0)

/* Fingerprint of a graph for the idempotency check. */
static void snapshot(const struct opr_graph *g, int *nn, int *nv, int *ni)
{
	*nn = g->n_nodes;
	*nv = g->n_values;
	*ni = g->n_inits;
}

/* The channel shuffle PyTorch exports with a dynamic batch. */
static void test_fold_shuffle(void)
{
	struct opr_graph *g = t_with_x("N,8,4,4");
	int a, b, c, d, nd;

	t_node(g, "Shape", "x", "s0");
	t_init_i64(g, "i0", "", 1, 0LL);
	t_init_i64(g, "i1", "", 1, 1LL);
	t_init_i64(g, "two", "", 1, 2LL);
	t_init_i64(g, "ax0", "1", 1, 0LL);
	t_init_i64(g, "c2", "1", 1, 2LL);
	nd = t_node(g, "Gather", "s0,i0", "n");
	t_attr_i(g, nd, "axis", 0);
	t_node(g, "Shape", "x", "s1");
	t_node(g, "Gather", "s1,i1", "ch");
	t_node(g, "Div", "ch,two", "half");
	nd = t_node(g, "Cast", "half", "halfc");
	t_attr_i(g, nd, "to", OPR_DT_INT64);
	t_node(g, "Unsqueeze", "n,ax0", "un");
	t_node(g, "Unsqueeze", "halfc,ax0", "uh");
	t_node(g, "Unsqueeze", "ch,ax0", "uc");
	nd = t_node(g, "Concat", "un,c2,uh,s1", "shape1");
	t_attr_i(g, nd, "axis", 0);
	t_init_i64(g, "sl_st", "1", 1, 2LL);
	t_init_i64(g, "sl_en", "1", 1, 4LL);
	t_node(g, "Slice", "s0,sl_st,sl_en", "hw");
	nd = t_node(g, "Concat", "un,c2,uh,hw", "shape1b");
	t_attr_i(g, nd, "axis", 0);
	t_node(g, "Reshape", "x,shape1b", "r1");
	nd = t_node(g, "Transpose", "r1", "t");
	t_attr_ints(g, nd, "perm", 5, 0LL, 2LL, 1LL, 3LL, 4LL);
	nd = t_node(g, "Concat", "un,uc,hw", "shape2");
	t_attr_i(g, nd, "axis", 0);
	t_node(g, "Reshape", "t,shape2", "y");
	t_outputs(g, "y");
	FOLD(g);
	EXPECT(g, "r1", OPR_DT_FLOAT, "N,2,4,4,4");
	EXPECT(g, "t", OPR_DT_FLOAT, "N,4,2,4,4");
	EXPECT(g, "y", OPR_DT_FLOAT, "N,8,4,4");
	CHECK(g->n_nodes == 3);
	CHECK(count_op(g, "Reshape") == 2 && count_op(g, "Transpose") == 1);
	EXPECT_INTS(g, "Reshape", 1, 0, 2, 4, 4, 4);
	snapshot(g, &a, &b, &c);
	FOLD(g);
	snapshot(g, &d, &nd, &b);
	CHECK(a == d && c == b && nd == g->n_values);
	opr_graph_free(g);
}

/* x.view(x.size(0), -1) and x.view(N, C, -1): the other unknown gets -1. */
static void test_fold_view(void)
{
	struct opr_graph *g = t_with_x("N,8,4,4");
	int nd, v;

	t_node(g, "Shape", "x", "s");
	t_init_i64(g, "i0", "", 1, 0LL);
	t_init_i64(g, "ax0", "1", 1, 0LL);
	t_init_i64(g, "m1", "1", 1, -1LL);
	t_node(g, "Gather", "s,i0", "n");
	t_node(g, "Unsqueeze", "n,ax0", "un");
	nd = t_node(g, "Concat", "un,m1", "shape");
	t_attr_i(g, nd, "axis", 0);
	t_node(g, "Reshape", "x,shape", "y");
	/* N of the target is not where the input has it: it becomes -1 */
	nd = t_node(g, "Transpose", "x", "t");
	t_attr_ints(g, nd, "perm", 4, 1LL, 0LL, 2LL, 3LL);
	t_init_i64(g, "c16", "1", 1, 16LL);
	nd = t_node(g, "Concat", "un,c16", "shape2");
	t_attr_i(g, nd, "axis", 0);
	t_node(g, "Reshape", "t,shape2", "z");
	t_outputs(g, "y,z");
	FOLD(g);
	EXPECT(g, "y", OPR_DT_FLOAT, "N,128");
	EXPECT(g, "z", OPR_DT_FLOAT, "?,16");
	CHECK(g->n_nodes == 3);
	CHECK(count_op(g, "Shape") == 0 && count_op(g, "Concat") == 0);
	EXPECT_INTS(g, "Reshape", 1, 0, -1);
	v = opr_graph_find_value(g, "z");
	CHECK(v >= 0 && g->values[v].producer >= 0 &&
	      g->values[g->nodes[g->values[v].producer].in[1]].is_initializer);
	if (v >= 0 && g->values[v].producer >= 0) {
		const struct opr_value *s = &g->values[g->nodes[g->values[v].producer].in[1]];

		CHECK(s->nbytes == 16 && ((int64_t *)s->data)[0] == -1 &&
		      ((int64_t *)s->data)[1] == 16);
	}
	opr_graph_free(g);
}

/* Expand to (x.size(0), 3, 4): the batch symbol becomes 1. */
static void test_fold_expand(void)
{
	struct opr_graph *g = t_with_x("N,1,4");
	int nd;

	t_node(g, "Shape", "x", "s");
	t_init_i64(g, "i0", "1", 1, 0LL);
	t_init_i64(g, "c34", "2", 2, 3LL, 4LL);
	t_node(g, "Gather", "s,i0", "n");
	nd = t_node(g, "Concat", "n,c34", "shape");
	t_attr_i(g, nd, "axis", 0);
	t_node(g, "Expand", "x,shape", "y");
	t_outputs(g, "y");
	FOLD(g);
	EXPECT(g, "y", OPR_DT_FLOAT, "N,3,4");
	CHECK(g->n_nodes == 1);
	EXPECT_INTS(g, "Expand", 1, 1, 3, 4);
	opr_graph_free(g);
}

/* The option-A shortcut of the ResNets: pads computed from constants. */
static void test_fold_pad_chain(void)
{
	struct opr_graph *g = t_with_x("N,16,16,16");
	int nd, a, b, c, d, e, f;

	t_init_i64(g, "st", "1", 1, 0LL);
	t_init_i64(g, "en", "1", 1, INT64_MAX);
	t_init_i64(g, "ax", "1", 1, 2LL);
	t_init_i64(g, "sp", "1", 1, 2LL);
	t_node(g, "Slice", "x,st,en,ax,sp", "s1");
	t_init_i64(g, "ax3", "", 1, 3LL);
	t_init_i64(g, "two", "", 1, 2LL);
	t_init_i64(g, "four", "", 1, 4LL);
	t_init_i64(g, "k0", "1", 1, 0LL);
	t_init_i64(g, "ax3v", "1", 1, 3LL);
	t_init_i64(g, "sp2v", "1", 1, 2LL);
	t_node(g, "Slice", "s1,st,en,ax3v,sp2v", "s2");
	t_init_i64(g, "pl", "6", 6, 0LL, 0LL, 0LL, 0LL, 8LL, 8LL);
	t_node(g, "Shape", "pl", "pls");
	t_node(g, "Gather", "pls,k0", "plen");
	t_node(g, "Mul", "four,two", "eight");
	t_node(g, "Sub", "eight,plen", "rest");
	nd = t_node(g, "Cast", "pl", "plc");
	t_attr_i(g, nd, "to", OPR_DT_INT64);
	nd = t_node(g, "ConstantOfShape", "rest", "zeros");
	opr_node_add_attr(g, nd, "value", OPR_AT_TENSOR)->t = &(struct opr_tensor){
		.dtype = OPR_DT_INT64, .rank = 1, .dims = { 1 },
		.data = (int64_t[]){ 0 }, .nbytes = 8 };
	nd = t_node(g, "Concat", "plc,zeros", "cat");
	t_attr_i(g, nd, "axis", 0);
	t_init_i64(g, "sh", "2", 2, -1LL, 2LL);
	t_node(g, "Reshape", "cat,sh", "pairs");
	t_init_i64(g, "m1", "1", 1, -1LL);
	t_init_i64(g, "mbig", "1", 1, -INT64_MAX);
	t_node(g, "Slice", "pairs,m1,mbig,k0,m1", "rev");
	nd = t_node(g, "Transpose", "rev", "tr");
	t_attr_ints(g, nd, "perm", 2, 1LL, 0LL);
	t_node(g, "Reshape", "tr,m1", "flat");
	nd = t_node(g, "Cast", "flat", "pads");
	t_attr_i(g, nd, "to", OPR_DT_INT64);
	nd = t_node(g, "Pad", "s2,pads,", "y");
	t_attr_s(g, nd, "mode", "constant");
	t_outputs(g, "y");
	FOLD(g);
	EXPECT(g, "y", OPR_DT_FLOAT, "N,32,8,8");
	CHECK(g->n_nodes == 3);
	CHECK(count_op(g, "Slice") == 2 && count_op(g, "Pad") == 1);
	EXPECT_INTS(g, "Pad", 1, 0, 8, 0, 0, 0, 8, 0, 0);
	snapshot(g, &a, &b, &c);
	FOLD(g);
	snapshot(g, &d, &e, &f);
	CHECK(a == d && b == e && c == f);
	opr_graph_free(g);
}

/* Folding evaluates arithmetic, casts, gathers and transposes correctly. */
static void test_fold_values(void)
{
	struct opr_graph *g = opr_graph_new();
	const float fx[6] = { 1, -2, 3, -4, 5.5f, -6 };
	int nd, v;

	t_init(g, "a", OPR_DT_FLOAT, "2,3", fx, sizeof(fx));
	t_init(g, "b", OPR_DT_FLOAT, "3", (float[]){ 10, 20, 30 }, 12);
	t_node(g, "Add", "a,b", "s");
	nd = t_node(g, "Transpose", "s", "t");
	t_node(g, "Relu", "t", "r");
	nd = t_node(g, "Cast", "r", "ri");
	t_attr_i(g, nd, "to", OPR_DT_INT32);
	t_init_i64(g, "gi", "2", 2, -1LL, 0LL);
	nd = t_node(g, "Gather", "ri,gi", "g");
	t_attr_i(g, nd, "axis", 1);
	t_init_i64(g, "num", "3", 3, 7LL, -7LL, INT64_MIN);
	t_init_i64(g, "den", "3", 3, 2LL, 2LL, -1LL);
	t_node(g, "Div", "num,den", "q");
	t_node(g, "Unknown", "g,q", "out");
	t_outputs(g, "out");
	FOLD(g);
	CHECK(g->n_nodes == 1);
	v = opr_graph_find_value(g, "t");
	CHECK(v < 0);	/* dropped: nothing needs it */
	v = opr_graph_find_value(g, "g");
	CHECK(v >= 0 && g->values[v].is_initializer &&
	      g->values[v].dtype == OPR_DT_INT32);
	EXPECT(g, "g", OPR_DT_INT32, "3,2");
	if (v >= 0 && g->values[v].data) {
		const int32_t want[6] = { 6, 11, 25, 18, 24, 33 };

		CHECK(memcmp(g->values[v].data, want, sizeof(want)) == 0);
	}
	v = opr_graph_find_value(g, "q");
	if (v >= 0 && g->values[v].data) {
		const int64_t want[3] = { 3, -3, INT64_MIN };

		CHECK(memcmp(g->values[v].data, want, sizeof(want)) == 0);
	}
	opr_graph_free(g);
}

void t_fold_tests(void)
{
	test_fold_shuffle();
	test_fold_view();
	test_fold_expand();
	test_fold_pad_chain();
	test_fold_values();
}
