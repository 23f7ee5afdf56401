/*
 * test_grad_ops.c - gradient checks of every op the training engine
 * trains, one tiny graph each, built in C: the engine's gradients of the
 * input and of every trainable tensor, at 1 and 3 threads, against central
 * finite differences of a double reference (tcheck.h), all coordinates.
 * Inputs of ops with kinks (Relu, Clip, pools, hard activations) keep away
 * from them.  Ends with the largest relative error per op.
 *
 * Usage: train_grad_ops (no arguments).  Exit 1 if a check failed.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tcheck.h"
#include "train/tgemm.h"

#define S(...) ((const char *const[]){ __VA_ARGS__ })
#define D(...) ((const int64_t[]){ __VA_ARGS__ })
#define NS(a) ((int)(sizeof(a) / sizeof((a)[0])))

#define TOL 2e-3

/* Input of n images for g's input dims, away from the given kinks. */
static float *make_x(const struct opr_graph *g, int n, unsigned *seed,
		     const float *kinks, int nk, float scale)
{
	const struct opr_value *v = &g->values[g->inputs[0]];
	int64_t m = 1, i;
	float *x;
	int k;

	for (k = 0; k < v->rank; k++)
		m *= v->dims[k] < 0 ? n : v->dims[k];
	x = TC_NEED(malloc((size_t)m * sizeof(float)), "out of memory");
	for (i = 0; i < m; i++)
		x[i] = nk ? tc_rand_away(seed, kinks, nk, 0.03f) * scale :
		       tc_rand(seed) * scale;
	return x;
}

/* Runs the check of g (finished at output "y") and frees it. */
static int bn_frozen;	/* the next check runs BN with running statistics */

static void check(const char *op, const char *name, struct opr_graph *g,
		  int n, const float *kinks, int nk, float xscale,
		  const int *labels)
{
	unsigned seed = 7;
	struct tc_case c = { 0 };
	float *x;

	if (tb_finish(g, "y")) {
		TC_CHECK(0, "%s: graph", name);
		opr_graph_free(g);
		return;
	}
	x = make_x(g, n, &seed, kinks, nk, xscale);
	c.name = name;
	c.g = g;
	c.n = n;
	c.x = x;
	c.labels = labels;
	c.tol = TOL;
	c.threads[0] = 1;
	c.threads[1] = 3;
	c.seed = 3;
	c.bn_frozen = bn_frozen;
	tc_note(op, tc_run(&c));
	free(x);
	opr_graph_free(g);
}

/* ---- Conv ---- */

struct conv_spec {
	const char *name;
	int64_t n, c, h, w, m, kh, kw, group;
	int64_t s[2], p[4], d[2];
	int bias, one_d;
};

static void conv_case(const struct conv_spec *q)
{
	unsigned seed = 11;
	struct opr_graph *g;
	int nd;

	if (q->one_d) {
		g = tb_new(3, D(-1, q->c, q->w));
		tb_init(g, "W", 3, D(q->m, q->c / q->group, q->kw), &seed, 0.5f, 0);
	} else {
		g = tb_new(4, D(-1, q->c, q->h, q->w));
		tb_init(g, "W", 4, D(q->m, q->c / q->group, q->kh, q->kw), &seed,
			0.5f, 0);
	}
	tb_init(g, "B", 1, D(q->m), &seed, 0.5f, 0);
	nd = tb_node(g, "Conv", S("x", "W", q->bias ? "B" : ""), 3, S("y"), 1);
	tb_attr_i(g, nd, "group", q->group);
	if (q->one_d) {
		tb_attr_ints(g, nd, "strides", 1, q->s + 1);
		tb_attr_ints(g, nd, "pads", 2, D(q->p[1], q->p[3]));
		tb_attr_ints(g, nd, "dilations", 1, q->d + 1);
	} else {
		tb_attr_ints(g, nd, "strides", 2, q->s);
		tb_attr_ints(g, nd, "pads", 4, q->p);
		tb_attr_ints(g, nd, "dilations", 2, q->d);
	}
	check("Conv", q->name, g, (int)q->n, NULL, 0, 1, NULL);
}

static void test_conv(void)
{
	static const struct conv_spec cs[] = {
		{ "conv3x3", 2, 3, 7, 6, 4, 3, 3, 1, { 1, 1 }, { 1, 1, 1, 1 }, { 1, 1 }, 1, 0 },
		{ "conv_s2_asym_dil", 2, 3, 9, 8, 5, 3, 2, 1, { 2, 1 }, { 1, 0, 2, 1 }, { 2, 1 }, 1, 0 },
		{ "conv1x1", 3, 6, 5, 4, 4, 1, 1, 1, { 1, 1 }, { 0, 0, 0, 0 }, { 1, 1 }, 1, 0 },
		{ "conv1x1_s2", 2, 6, 5, 5, 4, 1, 1, 1, { 2, 2 }, { 0, 0, 0, 0 }, { 1, 1 }, 0, 0 },
		{ "conv_group2", 2, 6, 5, 5, 4, 3, 3, 2, { 1, 1 }, { 1, 1, 1, 1 }, { 1, 1 }, 1, 0 },
		{ "conv_dw3x3", 2, 4, 6, 6, 4, 3, 3, 4, { 1, 1 }, { 1, 1, 1, 1 }, { 1, 1 }, 1, 0 },
		{ "conv_dw_s2_mult2", 2, 3, 7, 7, 6, 3, 3, 3, { 2, 2 }, { 1, 1, 1, 1 }, { 1, 1 }, 1, 0 },
		{ "conv_dw_dil2", 2, 4, 7, 6, 4, 3, 3, 4, { 1, 1 }, { 2, 2, 2, 2 }, { 2, 2 }, 0, 0 },
		{ "conv_dw_s3", 2, 3, 8, 7, 3, 3, 2, 3, { 3, 2 }, { 1, 0, 1, 1 }, { 1, 1 }, 1, 0 },
		{ "conv1d", 2, 3, 1, 10, 4, 1, 3, 1, { 1, 2 }, { 0, 1, 0, 1 }, { 1, 1 }, 1, 1 },
		{ "conv3x3_winograd", 2, 8, 7, 9, 10, 3, 3, 1, { 1, 1 }, { 1, 1, 1, 1 }, { 1, 1 }, 1, 0 },
		{ "conv3x3_wino_asym", 3, 9, 8, 6, 8, 3, 3, 1, { 1, 1 }, { 2, 0, 0, 2 }, { 1, 1 }, 1, 0 },
	};
	size_t i;

	for (i = 0; i < sizeof(cs) / sizeof(cs[0]); i++)
		conv_case(&cs[i]);
}

/* ---- BatchNormalization ---- */

static void bn_case(const char *name, int rank, const int64_t *xd, int n)
{
	unsigned seed = 5;
	struct opr_graph *g = tb_new(rank, xd);
	int nd;

	tb_init(g, "gamma", 1, D(xd[1]), &seed, 0.5f, 1.0f);
	tb_init(g, "beta", 1, D(xd[1]), &seed, 0.5f, 0);
	tb_init(g, "mean", 1, D(xd[1]), &seed, 0.5f, 0);
	tb_init(g, "var", 1, D(xd[1]), &seed, 0.3f, 1.0f);
	nd = tb_node(g, "BatchNormalization", S("x", "gamma", "beta", "mean", "var"),
		     5, S("y"), 1);
	tb_attr_f(g, nd, "epsilon", 1e-3f);
	check("BatchNormalization", name, g, n, NULL, 0, 2.0f, NULL);
}

static void test_bn(void)
{
	bn_case("bn4d", 4, D(-1, 4, 5, 3), 3);
	bn_case("bn2d", 2, D(-1, 5), 6);
	bn_case("bn3d", 3, D(-1, 3, 7), 2);
	bn_frozen = 1;
	bn_case("bn4d_frozen", 4, D(-1, 4, 5, 3), 3);
	bn_frozen = 0;
}

/* ---- activations ---- */

static void act_case(const char *op, const float *kinks, int nk, float scale,
		     void (*attrs)(struct opr_graph *, int))
{
	struct opr_graph *g = tb_new(4, D(-1, 3, 4, 5));
	char name[40];
	int nd = tb_node(g, op, S("x"), 1, S("y"), 1);

	if (attrs)
		attrs(g, nd);
	snprintf(name, sizeof(name), "%s", op);
	check(op, name, g, 2, kinks, nk, scale, NULL);
}

static void leaky_attrs(struct opr_graph *g, int nd)
{
	tb_attr_f(g, nd, "alpha", 0.1f);
}

static void test_act(void)
{
	unsigned seed = 3;
	struct opr_graph *g;
	int nd;

	act_case("Relu", (const float[]){ 0 }, 1, 1, NULL);
	act_case("LeakyRelu", (const float[]){ 0 }, 1, 1, leaky_attrs);
	act_case("Sigmoid", NULL, 0, 3, NULL);
	act_case("Tanh", NULL, 0, 2, NULL);
	act_case("HardSigmoid", (const float[]){ -2.5f / 4, 2.5f / 4 }, 2, 4, NULL);
	act_case("HardSwish", (const float[]){ -3.0f / 5, 3.0f / 5 }, 2, 5, NULL);
	/* Clip with constant inputs (opset 11+) and with attributes */
	g = tb_new(4, D(-1, 3, 4, 5));
	tb_floats(g, "lo", 0, NULL, (const float[]){ -0.5f });
	tb_floats(g, "hi", 0, NULL, (const float[]){ 0.6f });
	tb_node(g, "Clip", S("x", "lo", "hi"), 3, S("y"), 1);
	check("Clip", "clip_inputs", g, 2, (const float[]){ -0.5f, 0.6f }, 2, 1, NULL);
	g = tb_new(4, D(-1, 3, 4, 5));
	nd = tb_node(g, "Clip", S("x"), 1, S("y"), 1);
	tb_attr_f(g, nd, "min", 0.0f);
	tb_attr_f(g, nd, "max", 6.0f / 8);
	check("Clip", "clip_relu6_attrs", g, 2, (const float[]){ 0, 0.75f }, 2, 1, NULL);
	(void)seed;
}

/* ---- pools ---- */

static void pool_case(const char *op, const char *name, const int64_t *k,
		      const int64_t *s, const int64_t *p, int ceil, int cip)
{
	struct opr_graph *g = tb_new(4, D(-1, 3, 7, 7));
	int nd = tb_node(g, op, S("x"), 1, S("y"), 1);

	tb_attr_ints(g, nd, "kernel_shape", 2, k);
	tb_attr_ints(g, nd, "strides", 2, s);
	tb_attr_ints(g, nd, "pads", 4, p);
	if (ceil)
		tb_attr_i(g, nd, "ceil_mode", 1);
	if (cip)
		tb_attr_i(g, nd, "count_include_pad", 1);
	check(op, name, g, 2, NULL, 0, 1, NULL);
}

static void test_pool(void)
{
	struct opr_graph *g;
	int nd;

	pool_case("MaxPool", "maxpool3_s2_p1", D(3, 3), D(2, 2), D(1, 1, 1, 1), 0, 0);
	pool_case("MaxPool", "maxpool2_s2_ceil", D(2, 2), D(2, 2), D(0, 0, 0, 0), 1, 0);
	pool_case("AveragePool", "avgpool3_s2_p1", D(3, 3), D(2, 2), D(1, 1, 1, 1), 0, 0);
	pool_case("AveragePool", "avgpool3_cip", D(3, 3), D(2, 2), D(1, 0, 1, 2), 0, 1);
	pool_case("AveragePool", "avgpool2_ceil", D(2, 3), D(2, 2), D(0, 0, 0, 0), 1, 0);
	g = tb_new(4, D(-1, 3, 4, 5));
	tb_node(g, "GlobalAveragePool", S("x"), 1, S("y"), 1);
	check("GlobalAveragePool", "gap", g, 2, NULL, 0, 1, NULL);
	g = tb_new(4, D(-1, 3, 4, 5));
	tb_node(g, "GlobalMaxPool", S("x"), 1, S("y"), 1);
	check("GlobalMaxPool", "gmp", g, 2, NULL, 0, 1, NULL);
	g = tb_new(4, D(-1, 3, 4, 5));
	nd = tb_node(g, "ReduceMean", S("x"), 1, S("y"), 1);
	tb_attr_ints(g, nd, "axes", 2, D(2, 3));
	tb_attr_i(g, nd, "keepdims", 0);
	check("ReduceMean", "reducemean_hw", g, 2, NULL, 0, 1, NULL);
	g = tb_new(4, D(-1, 3, 4, 5));
	nd = tb_node(g, "ReduceMean", S("x"), 1, S("y"), 1);
	tb_attr_ints(g, nd, "axes", 2, D(1, -1));
	check("ReduceMean", "reducemean_c_w", g, 2, NULL, 0, 1, NULL);
}

/* ---- Gemm / MatMul ---- */

static void test_gemm(void)
{
	unsigned seed = 9;
	struct opr_graph *g;
	int nd;

	g = tb_new(2, D(-1, 5));
	tb_init(g, "W", 2, D(4, 5), &seed, 0.5f, 0);
	tb_init(g, "C", 1, D(4), &seed, 0.5f, 0);
	nd = tb_node(g, "Gemm", S("x", "W", "C"), 3, S("y"), 1);
	tb_attr_i(g, nd, "transB", 1);
	check("Gemm", "gemm_transB", g, 3, NULL, 0, 1, NULL);
	g = tb_new(2, D(5, -1));
	tb_init(g, "W", 2, D(5, 4), &seed, 0.5f, 0);
	tb_init(g, "C", 2, D(3, 1), &seed, 0.5f, 0);
	nd = tb_node(g, "Gemm", S("x", "W", "C"), 3, S("y"), 1);
	tb_attr_i(g, nd, "transA", 1);
	tb_attr_f(g, nd, "alpha", 0.7f);
	tb_attr_f(g, nd, "beta", 1.3f);
	check("Gemm", "gemm_transA_colC", g, 3, NULL, 0, 1, NULL);
	g = tb_new(2, D(-1, 6));
	tb_init(g, "W", 2, D(3, 6), &seed, 0.5f, 0);
	tb_init(g, "C", 2, D(3, 4), &seed, 0.5f, 0);
	nd = tb_node(g, "Gemm", S("W", "x", "C"), 3, S("y"), 1);
	tb_attr_i(g, nd, "transB", 1);
	check("Gemm", "gemm_weight_as_A", g, 4, NULL, 0, 1, NULL);
	g = tb_new(3, D(-1, 3, 5));
	tb_init(g, "W", 2, D(5, 4), &seed, 0.5f, 0);
	tb_node(g, "MatMul", S("x", "W"), 2, S("y"), 1);
	check("MatMul", "matmul_shared_B", g, 2, NULL, 0, 1, NULL);
	g = tb_new(3, D(-1, 3, 5));
	nd = tb_node(g, "Transpose", S("x"), 1, S("xt"), 1);
	tb_attr_ints(g, nd, "perm", 3, D(0, 2, 1));
	tb_node(g, "MatMul", S("x", "xt"), 2, S("y"), 1);
	check("MatMul", "matmul_batched_xxT", g, 2, NULL, 0, 1, NULL);
}

/* ---- Add / Sub / Mul / Div ---- */

static void bin_case(const char *op, const char *name, int with_const,
		     int swap, int self)
{
	struct opr_graph *g = tb_new(4, D(-1, 4, 3, 3));
	int nd;

	nd = tb_node(g, "ReduceMean", S("x"), 1, S("m"), 1);
	tb_attr_ints(g, nd, "axes", 2, D(2, 3));
	if (with_const) {
		tb_floats(g, "k", 3, D(4, 1, 1), (const float[]){ 2.5f, 3, -2.2f, 4 });
		tb_node(g, "Add", S("m", "k"), 2, S("b"), 1);
	} else {
		tb_node(g, "Identity", S("m"), 1, S("b"), 1);
	}
	if (self)
		tb_node(g, op, S("x", "x"), 2, S("y"), 1);
	else if (swap)
		tb_node(g, op, S("b", "x"), 2, S("y"), 1);
	else
		tb_node(g, op, S("x", "b"), 2, S("y"), 1);
	check(op, name, g, 2, NULL, 0, 1, NULL);
}

static void test_binary(void)
{
	bin_case("Add", "add_bcast", 0, 0, 0);
	bin_case("Add", "add_self", 0, 0, 1);
	bin_case("Sub", "sub_bcast_swapped", 0, 1, 0);
	bin_case("Mul", "mul_bcast", 0, 0, 0);
	bin_case("Mul", "mul_self", 0, 0, 1);
	bin_case("Div", "div_bcast_const", 1, 0, 0);
	bin_case("Div", "div_swapped", 1, 1, 0);
}

/* ---- Concat / Split / Slice / Pad ---- */

static void test_cut_join(void)
{
	unsigned seed = 2;
	struct opr_graph *g;
	int nd;

	g = tb_new(4, D(-1, 3, 4, 4));
	tb_init(g, "W", 4, D(2, 3, 1, 1), &seed, 0.5f, 0);
	tb_node(g, "Conv", S("x", "W"), 2, S("c"), 1);
	nd = tb_node(g, "Concat", S("x", "c", "x"), 3, S("y"), 1);
	tb_attr_i(g, nd, "axis", 1);
	check("Concat", "concat_c_twice", g, 2, NULL, 0, 1, NULL);
	g = tb_new(3, D(-1, 4, 5));
	nd = tb_node(g, "Concat", S("x", "x"), 2, S("y"), 1);
	tb_attr_i(g, nd, "axis", -1);
	check("Concat", "concat_last_axis", g, 2, NULL, 0, 1, NULL);

	g = tb_new(4, D(-1, 6, 3, 3));
	tb_ints(g, "sp", 2, D(2, 4));
	nd = tb_node(g, "Split", S("x", "sp"), 2, S("a", "b"), 2);
	tb_attr_i(g, nd, "axis", 1);
	nd = tb_node(g, "Concat", S("b", "a"), 2, S("y"), 1);
	tb_attr_i(g, nd, "axis", 1);
	check("Split", "split_swap", g, 2, NULL, 0, 1, NULL);
	g = tb_new(4, D(-1, 6, 3, 3));
	nd = tb_node(g, "Split", S("x"), 1, S("a", "b", "c"), 3);
	tb_attr_i(g, nd, "axis", 1);
	nd = tb_node(g, "Mul", S("c", "a"), 2, S("y"), 1);
	check("Split", "split_unused_part", g, 2, NULL, 0, 1, NULL);

	g = tb_new(4, D(-1, 4, 6, 7));
	tb_ints(g, "s0", 2, D(0, 0));
	tb_ints(g, "e0", 2, D(INT64_MAX, INT64_MAX));
	tb_ints(g, "a0", 2, D(2, 3));
	tb_ints(g, "p0", 2, D(2, 2));
	tb_node(g, "Slice", S("x", "s0", "e0", "a0", "p0"), 5, S("y"), 1);
	check("Slice", "slice_step2_hw", g, 2, NULL, 0, 1, NULL);
	g = tb_new(4, D(-1, 4, 6, 7));
	tb_ints(g, "s0", 3, D(-1, 1, 5));
	tb_ints(g, "e0", 3, D(-100, 3, 0));
	tb_ints(g, "a0", 3, D(-1, 1, 2));
	tb_ints(g, "p0", 3, D(-2, 1, -2));
	tb_node(g, "Slice", S("x", "s0", "e0", "a0", "p0"), 5, S("y"), 1);
	check("Slice", "slice_negative_steps", g, 2, NULL, 0, 1, NULL);

	g = tb_new(4, D(-1, 4, 3, 3));
	tb_ints(g, "pads", 8, D(0, 2, 1, 0, 0, 3, 0, 2));
	tb_floats(g, "val", 0, NULL, (const float[]){ 0.5f });
	tb_node(g, "Pad", S("x", "pads", "val"), 3, S("y"), 1);
	check("Pad", "pad_channels_hw", g, 2, NULL, 0, 1, NULL);
	g = tb_new(4, D(-1, 4, 5, 5));
	tb_ints(g, "pads", 8, D(0, 0, -1, 2, 0, 1, 0, -2));
	tb_node(g, "Pad", S("x", "pads"), 2, S("y"), 1);
	check("Pad", "pad_crop", g, 2, NULL, 0, 1, NULL);
}

/* ---- Reshape / Flatten / Transpose / Squeeze / Unsqueeze ---- */

static void test_views(void)
{
	unsigned seed = 4;
	struct opr_graph *g;
	int nd;

	/* ShuffleNet's channel shuffle, with a conv so views are not the
	 * input's only readers */
	g = tb_new(4, D(-1, 4, 3, 3));
	tb_init(g, "W", 4, D(4, 4, 1, 1), &seed, 0.5f, 0);
	tb_node(g, "Conv", S("x", "W"), 2, S("c"), 1);
	tb_ints(g, "s1", 5, D(0, 2, 2, 3, 3));
	tb_ints(g, "s2", 4, D(0, 4, 3, 3));
	tb_node(g, "Reshape", S("c", "s1"), 2, S("r1"), 1);
	nd = tb_node(g, "Transpose", S("r1"), 1, S("t"), 1);
	tb_attr_ints(g, nd, "perm", 5, D(0, 2, 1, 3, 4));
	tb_node(g, "Reshape", S("t", "s2"), 2, S("r2"), 1);
	tb_node(g, "Add", S("r2", "c"), 2, S("y"), 1);
	check("Transpose", "channel_shuffle", g, 2, NULL, 0, 1, NULL);
	g = tb_new(4, D(-1, 3, 2, 4));
	nd = tb_node(g, "Transpose", S("x"), 1, S("y"), 1);
	tb_attr_ints(g, nd, "perm", 4, D(3, 0, 2, 1));
	check("Transpose", "transpose_3021", g, 2, NULL, 0, 1, NULL);
	g = tb_new(4, D(-1, 3, 2, 2));
	tb_init(g, "W", 2, D(5, 12), &seed, 0.5f, 0);
	nd = tb_node(g, "Flatten", S("x"), 1, S("f"), 1);
	tb_attr_i(g, nd, "axis", 1);
	nd = tb_node(g, "Gemm", S("f", "W"), 2, S("y"), 1);
	tb_attr_i(g, nd, "transB", 1);
	check("Flatten", "flatten_gemm", g, 3, NULL, 0, 1, NULL);
	g = tb_new(4, D(-1, 3, 1, 4));
	tb_ints(g, "ax", 1, D(2));
	tb_ints(g, "ax0", 1, D(1));
	tb_ints(g, "shp", 2, D(0, 12));
	tb_node(g, "Squeeze", S("x", "ax"), 2, S("q"), 1);
	tb_node(g, "Unsqueeze", S("q", "ax0"), 2, S("u"), 1);
	tb_node(g, "Reshape", S("u", "shp"), 2, S("r"), 1);
	tb_node(g, "Mul", S("r", "r"), 2, S("y"), 1);
	check("Reshape", "squeeze_unsqueeze_reshape", g, 2, NULL, 0, 1, NULL);
}

/* ---- losses and a small network ---- */

/* A loss of logits z [4][5]: adds w * its gradient to dz when non-NULL. */
typedef double (*loss_fn)(const float *z, const float *tz, float w,
			  float *dz);

static const int loss_labels[4] = { 2, 0, 4, 1 };

static double distill_T25(const float *z, const float *tz, float w, float *dz)
{
	return opr_loss_distill(z, tz, 4, 5, 2.5f, w, dz);
}

static double smoothed_ce(const float *z, const float *tz, float w, float *dz)
{
	(void)tz;
	return opr_loss_smoothed_ce(z, loss_labels, 4, 5, 0.1f, w, dz);
}

/* Largest relative error of f's gradient (weight 0.7) against central
 * differences in double. */
static double loss_grad_error(loss_fn f, float *z, const float *tz)
{
	float dz[20] = { 0 };
	double e = 0, h = 1e-3;
	int i;

	f(z, tz, 0.7f, dz);
	for (i = 0; i < 20; i++) {
		float keep = z[i], zp = keep + (float)h, zm = keep - (float)h;
		double fd;

		z[i] = zp;
		fd = f(z, tz, 0.7f, NULL);
		z[i] = zm;
		fd -= f(z, tz, 0.7f, NULL);
		z[i] = keep;
		fd = 0.7 * fd / ((double)zp - zm);
		e = fmax(e, fabs(fd - dz[i]) / fmax(fabs(fd), 1e-3));
	}
	return e;
}

/* Smoothed CE is (1 - eps) CE + eps * mean over classes of -log softmax. */
static double smoothed_by_parts(const float *z, double eps)
{
	double total = 0;
	int i, j;

	for (i = 0; i < 4; i++) {
		const float *zi = z + i * 5;
		double m = zi[0], s = 0, uni = 0;

		for (j = 1; j < 5; j++)
			m = fmax(m, zi[j]);
		for (j = 0; j < 5; j++)
			s += exp(zi[j] - m);
		for (j = 0; j < 5; j++)
			uni += (m + log(s) - zi[j]) / 5;
		total += (1 - eps) * (m + log(s) - zi[loss_labels[i]]) +
			 eps * uni;
	}
	return total / 4;
}

static void test_losses(void)
{
	unsigned seed = 8;
	float z[20], tz[20];
	double e, v;
	struct opr_graph *g;
	int i, nd;

	/* softmax CE through the engine's step */
	g = tb_new(2, D(-1, 6));
	tb_init(g, "W", 2, D(5, 6), &seed, 1.0f, 0);
	tb_init(g, "C", 1, D(5), &seed, 0.5f, 0);
	nd = tb_node(g, "Gemm", S("x", "W", "C"), 3, S("y"), 1);
	tb_attr_i(g, nd, "transB", 1);
	check("SoftmaxCrossEntropy", "gemm_softmax_ce", g, 4, NULL, 0, 2,
	      loss_labels);
	for (i = 0; i < 20; i++) {
		z[i] = tc_rand(&seed) * 3;
		tz[i] = tc_rand(&seed) * 3;
	}
	/* distillation: the function against its own differences */
	e = loss_grad_error(distill_T25, z, tz);
	TC_CHECK(e < 1e-3, "distillation gradient: relative error %.3g", e);
	TC_CHECK(fabs(opr_loss_distill(tz, tz, 4, 5, 2.5f, 1, NULL)) < 1e-12,
		 "distillation of a model with itself is not 0");
	printf("%-20s max relative error %.2e\n", "distill_T2.5", e);
	tc_note("Distillation(KL, T)", e);
	/* smoothed labels: the gradient, and the value by its two parts */
	e = loss_grad_error(smoothed_ce, z, NULL);
	TC_CHECK(e < 1e-3, "smoothed CE gradient: relative error %.3g", e);
	v = opr_loss_smoothed_ce(z, loss_labels, 4, 5, 0.1f, 1, NULL);
	TC_CHECK(fabs(v - smoothed_by_parts(z, (double)0.1f)) < 1e-9,
		 "smoothed CE %.9f, by parts %.9f", v,
		 smoothed_by_parts(z, (double)0.1f));
	TC_CHECK(opr_loss_smoothed_ce(z, loss_labels, 4, 5, 0, 1, NULL) ==
		 opr_loss_softmax_ce(z, loss_labels, 4, 5, 1, NULL),
		 "smoothing 0 is not plain cross-entropy");
	printf("%-20s max relative error %.2e\n", "smoothed_ce_0.1", e);
	tc_note("SoftmaxCE(smoothed)", e);
}

static void test_mini_resnet(void)
{
	static const int labels[3] = { 1, 3, 0 };
	unsigned seed = 21;
	struct opr_graph *g = tb_new(4, D(-1, 3, 6, 6));
	const char *bn_in[] = { "c1", "g1", "b1", "m1", "v1" };
	int nd, i;

	tb_init(g, "W1", 4, D(4, 3, 3, 3), &seed, 0.4f, 0);
	tb_init(g, "W2", 4, D(4, 4, 3, 3), &seed, 0.3f, 0);
	for (i = 1; i <= 2; i++) {
		char n[8];

		snprintf(n, sizeof(n), "g%d", i);
		tb_init(g, n, 1, D(4), &seed, 0.3f, 1);
		snprintf(n, sizeof(n), "b%d", i);
		tb_init(g, n, 1, D(4), &seed, 0.3f, 0);
		snprintf(n, sizeof(n), "m%d", i);
		tb_init(g, n, 1, D(4), &seed, 0.3f, 0);
		snprintf(n, sizeof(n), "v%d", i);
		tb_init(g, n, 1, D(4), &seed, 0.3f, 1);
	}
	tb_init(g, "Wf", 2, D(5, 4), &seed, 1, 0);
	tb_init(g, "Bf", 1, D(5), &seed, 0.3f, 0);
	nd = tb_node(g, "Conv", S("x", "W1"), 2, S("c1"), 1);
	tb_attr_ints(g, nd, "pads", 4, D(1, 1, 1, 1));
	tb_node(g, "BatchNormalization", bn_in, 5, S("n1"), 1);
	tb_node(g, "Relu", S("n1"), 1, S("r1"), 1);
	nd = tb_node(g, "Conv", S("r1", "W2"), 2, S("c2"), 1);
	tb_attr_ints(g, nd, "pads", 4, D(1, 1, 1, 1));
	tb_node(g, "BatchNormalization", S("c2", "g2", "b2", "m2", "v2"), 5,
		S("n2"), 1);
	tb_node(g, "Add", S("n2", "r1"), 2, S("a"), 1);
	tb_node(g, "Relu", S("a"), 1, S("r2"), 1);
	tb_node(g, "GlobalAveragePool", S("r2"), 1, S("p"), 1);
	tb_node(g, "Flatten", S("p"), 1, S("f"), 1);
	nd = tb_node(g, "Gemm", S("f", "Wf", "Bf"), 3, S("y"), 1);
	tb_attr_i(g, nd, "transB", 1);
	check("network", "mini_resnet_ce", g, 3, NULL, 0, 1, labels);
}

int main(void)
{
	printf("kernels: %s; %s%s\n", tr_gemm()->name,
	       getenv("OPR_TRAIN_NO_SHIFT") ? "im2col for every conv" : "shifted convs",
	       getenv("OPR_TRAIN_NO_FUSE") ? ", no fusion" : "");
	test_conv();
	test_bn();
	test_act();
	test_pool();
	test_gemm();
	test_binary();
	test_cut_join();
	test_views();
	test_losses();
	test_mini_resnet();
	tc_print_notes();
	if (tc_failures)
		printf("%d check(s) failed\n", tc_failures);
	return tc_failures ? 1 : 0;
}
