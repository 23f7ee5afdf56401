/*
 * rt_unit_kern.c - unit tests of the runtime's compute kernels and
 * plan-time fusion: the sgemm micro-kernels with their epilogue against a
 * double reference (tails in every dimension), Winograd F(4x4, 3x3) Conv
 * against a naive double convolution and against the im2col path (1e-4
 * relative), both kernel tables (AVX-512 where the CPU has it, and the
 * generic one), and Conv -> BatchNormalization -> Add -> Relu / Clip
 * chains fused at plan time against the unfused graph's arithmetic, and
 * threads over the batch (lanes) only where images are independent.
 *
 * Usage: rt_unit_kern (no arguments).  Prints each failed check; exit 1
 * if any.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ir.h"
#include "runtime/runtime.h"
#include "runtime/kern.h"
#include "runtime/ops/conv.h"

static int failures;

#define CHECK(c, ...)							\
	do {								\
		if (!(c)) {						\
			failures++;					\
			printf("FAIL %s:%d: ", __func__, __LINE__);	\
			printf(__VA_ARGS__);				\
			printf("\n");					\
		}							\
	} while (0)

static float frand(unsigned *s)
{
	*s = *s * 1103515245u + 12345u;
	return (float)((*s >> 8) & 0xffff) / 32768.0f - 1.0f;
}

static int val(struct opr_graph *g, const char *name, int rank,
	       const int64_t *dims)
{
	int v = opr_graph_add_value(g, name), i;

	g->values[v].dtype = OPR_DT_FLOAT;
	g->values[v].rank = rank;
	for (i = 0; i < rank; i++)
		g->values[v].dims[i] = dims[i];
	return v;
}

static void list_add(int **a, int *n, int v)
{
	*a = realloc(*a, (size_t)(*n + 1) * sizeof(int));
	(*a)[(*n)++] = v;
}

/* An initializer of n floats from the generator (plus add). */
static int init_rand(struct opr_graph *g, const char *name, int rank,
		     const int64_t *dims, unsigned *seed, float add, float **keep)
{
	int v = val(g, name, rank, dims);
	int64_t n = 1, i;
	float *d;

	for (i = 0; i < rank; i++)
		n *= dims[i];
	d = malloc((size_t)n * sizeof(float));
	for (i = 0; i < n; i++)
		d[i] = frand(seed) + add;
	g->values[v].data = opr_arena_memdup(&g->arena, d, (size_t)n * 4);
	g->values[v].nbytes = (size_t)n * 4;
	g->values[v].is_initializer = 1;
	*keep = d;
	return v;
}

static int node(struct opr_graph *g, const char *op, const int *in, int ni,
		int out)
{
	int i = opr_graph_add_node(g, op, "", ni, 1), k;

	g->nodes[i].name = opr_graph_strdup(g, op);
	for (k = 0; k < ni; k++)
		g->nodes[i].in[k] = in[k];
	g->nodes[i].out[0] = out;
	g->values[out].producer = i;
	return i;
}

static void attr_ints(struct opr_graph *g, int nd, const char *name,
		      const int64_t *v, int n)
{
	struct opr_attr *a = opr_node_add_attr(g, nd, name, OPR_AT_INTS);

	a->ints = opr_arena_memdup(&g->arena, v, (size_t)n * sizeof(int64_t));
	a->n = n;
}

/* ---- sgemm ---- */

static void gemm_case(const struct rt_kern *k, int64_t M, int64_t N,
		      int64_t K, int epi)
{
	int64_t lda = K + 3, ldb = N + 5, ldc = N + 2, i, j, q;
	float *A = malloc((size_t)(M * lda) * 4), *B = malloc((size_t)(K * ldb + 1) * 4);
	float *C = malloc((size_t)(M * ldc) * 4), *R = malloc((size_t)(M * ldc) * 4);
	float *bias = malloc((size_t)M * 4);
	struct rt_epi e = { bias, R, ldc, -0.5f, 0.75f };
	unsigned s = 3;
	double worst = 0;

	for (i = 0; i < M * lda; i++)
		A[i] = frand(&s);
	for (i = 0; i < K * ldb + 1; i++)
		B[i] = frand(&s);
	for (i = 0; i < M * ldc; i++)
		R[i] = frand(&s), C[i] = 99;
	for (i = 0; i < M; i++)
		bias[i] = frand(&s);
	k->sgemm(M, N, K, A, lda, B, ldb, C, ldc, epi ? &e : NULL);
	for (i = 0; i < M; i++)
		for (j = 0; j < ldc; j++) {
			double r = 0;

			if (j >= N) {	/* past N: untouched */
				CHECK(C[i * ldc + j] == 99, "%s sgemm wrote past N",
				      k->name);
				continue;
			}
			for (q = 0; q < K; q++)
				r += (double)A[i * lda + q] * B[q * ldb + j];
			if (epi) {
				r += bias[i] + R[i * ldc + j];
				r = r < -0.5 ? -0.5 : r > 0.75 ? 0.75 : r;
			}
			if (fabs(r - C[i * ldc + j]) > worst)
				worst = fabs(r - C[i * ldc + j]);
		}
	CHECK(worst < 1e-4, "%s sgemm %lldx%lldx%lld epi %d: max |diff| %g",
	      k->name, (long long)M, (long long)N, (long long)K, epi, worst);
	free(A);
	free(B);
	free(C);
	free(R);
	free(bias);
}

static void test_sgemm(const struct rt_kern *k)
{
	static const int64_t dims[][3] = {
		{ 1, 1, 1 }, { 5, 17, 3 }, { 13, 16, 16 }, { 12, 64, 32 },
		{ 25, 70, 9 }, { 7, 131, 40 }, { 30, 48, 64 }, { 3, 33, 0 },
	};
	size_t i;

	for (i = 0; i < sizeof(dims) / sizeof(dims[0]); i++) {
		gemm_case(k, dims[i][0], dims[i][1], dims[i][2], 0);
		gemm_case(k, dims[i][0], dims[i][1], dims[i][2], 1);
	}
}

/* ---- convolution graphs ---- */

/* Reference conv in double, no bias. */
static void ref_conv(const float *x, const float *w, double *y,
		     const int64_t *xd, const int64_t *wd, const int64_t *s,
		     const int64_t *p, int64_t oh, int64_t ow, int64_t group)
{
	int64_t n, m, c, i, j, ki, kj, cg = xd[1] / group, mg = wd[0] / group;

	for (n = 0; n < xd[0]; n++)
		for (m = 0; m < wd[0]; m++)
			for (i = 0; i < oh; i++)
				for (j = 0; j < ow; j++) {
					double acc = 0;

					for (c = (m / mg) * cg; c < (m / mg + 1) * cg; c++)
						for (ki = 0; ki < wd[2]; ki++)
							for (kj = 0; kj < wd[3]; kj++) {
								int64_t ih = i * s[0] - p[0] + ki;
								int64_t iw = j * s[1] - p[1] + kj;

								if (ih < 0 || ih >= xd[2] ||
								    iw < 0 || iw >= xd[3])
									continue;
								acc += (double)x[((n * xd[1] + c) *
									 xd[2] + ih) * xd[3] + iw] *
								       w[((m * cg + c % cg) * wd[2] +
									   ki) * wd[3] + kj];
							}
					y[((n * wd[0] + m) * oh + i) * ow + j] = acc;
				}
}

/* A conv case: shapes, stride, pads, and what follows the Conv. */
/* The activation after the Conv (and BatchNormalization, Add). */
enum act { ACT_NONE, ACT_RELU, ACT_CLIP /* Clip(-0.5, 0.5) */ };

#define PAD1 { 1, 1, 1, 1 }

struct ccase {
	const char *what;
	int64_t x[4], w[4];	/* input and weight dims */
	int64_t s[2], p[4];	/* strides (0: 1), pads */
	int bn, add, act;	/* act: enum act */
	int also_out;		/* the Conv's output is a graph output too */
	int want_kind;		/* expected path, -1: any */
	int64_t group;		/* 0: 1 */
};

/* Builds and runs case c at threads t; compares with the reference. */
static void conv_case(const struct ccase *c, int t, int no_wino)
{
	int64_t s[2] = { c->s[0] ? c->s[0] : 1, c->s[1] ? c->s[1] : 1 };
	int64_t oh = (c->x[2] + c->p[0] + c->p[2] - c->w[2]) / s[0] + 1;
	int64_t ow = (c->x[3] + c->p[1] + c->p[3] - c->w[3]) / s[1] + 1;
	int64_t yd[4] = { -1, c->w[0], oh, ow }, xin[4] = { -1, c->x[1], c->x[2],
		c->x[3] }, md[1] = { c->w[0] }, one[1] = { 1 };
	int64_t nx = c->x[0] * c->x[1] * c->x[2] * c->x[3];
	int64_t ny = c->x[0] * c->w[0] * oh * ow, i;
	struct opr_graph *g = opr_graph_new();
	struct opr_rt *rt = NULL;
	struct opr_err err;
	float *x = malloc((size_t)nx * 4), *r = malloc((size_t)ny * 4);
	float *y = malloc((size_t)ny * 4), *y0 = malloc((size_t)ny * 4);
	float *w, *b, *sc, *bb, *mean, *var, *lo, *hi;
	double *ref = malloc((size_t)ny * sizeof(double)), worst = 0, big = 1;
	unsigned seed = 11;
	int in[5], vx, vr, cur, nd, v, conv;
	const char *inames[2] = { "x", "r" }, *onames[2] = { "y", "conv_out" };
	const void *ins[2] = { x, r };
	void *outs[2] = { y, y0 };

	for (i = 0; i < nx; i++)
		x[i] = frand(&seed);
	for (i = 0; i < ny; i++)
		r[i] = frand(&seed);
	vx = val(g, "x", 4, xin);
	list_add(&g->inputs, &g->n_inputs, vx);
	in[0] = vx;
	in[1] = init_rand(g, "w", 4, c->w, &seed, 0, &w);
	in[2] = init_rand(g, "b", 1, md, &seed, 0, &b);
	cur = val(g, "conv_out", 4, yd);
	conv = node(g, "Conv", in, 3, cur);
	attr_ints(g, conv, "strides", s, 2);
	attr_ints(g, conv, "pads", c->p, 4);
	opr_node_add_attr(g, conv, "group", OPR_AT_INT)->i = c->group ? c->group : 1;
	ref_conv(x, w, ref, c->x, c->w, s, c->p, oh, ow, c->group ? c->group : 1);
	for (i = 0; i < ny; i++)
		ref[i] += b[(i / (oh * ow)) % c->w[0]];
	if (c->bn) {
		in[0] = cur;
		in[1] = init_rand(g, "scale", 1, md, &seed, 0, &sc);
		in[2] = init_rand(g, "bnb", 1, md, &seed, 0, &bb);
		in[3] = init_rand(g, "mean", 1, md, &seed, 0, &mean);
		in[4] = init_rand(g, "var", 1, md, &seed, 1.5f, &var);
		cur = val(g, "bn_out", 4, yd);
		node(g, "BatchNormalization", in, 5, cur);
		for (i = 0; i < ny; i++) {
			int64_t m = (i / (oh * ow)) % c->w[0];

			ref[i] = (ref[i] - mean[m]) / sqrt(var[m] + 1e-5) * sc[m] + bb[m];
		}
		free(sc), free(bb), free(mean), free(var);
	}
	if (c->add) {
		vr = val(g, "r", 4, yd);
		list_add(&g->inputs, &g->n_inputs, vr);
		in[0] = vr;
		in[1] = cur;
		cur = val(g, "add_out", 4, yd);
		node(g, "Add", in, 2, cur);
		for (i = 0; i < ny; i++)
			ref[i] += r[i];
	}
	if (c->act) {
		in[0] = cur;
		if (c->act == ACT_CLIP) {
			in[1] = init_rand(g, "lo", 0, one, &seed, 0, &lo);
			in[2] = init_rand(g, "hi", 0, one, &seed, 0, &hi);
			g->values[in[1]].rank = g->values[in[2]].rank = 0;
			*(float *)g->values[in[1]].data = -0.5f;
			*(float *)g->values[in[2]].data = 0.5f;
			free(lo), free(hi);
		}
		v = val(g, "act_out", 4, yd);
		nd = node(g, c->act == ACT_RELU ? "Relu" : "Clip", in,
			  c->act == ACT_RELU ? 1 : 3, v);
		(void)nd;
		cur = v;
		for (i = 0; i < ny; i++) {
			if (c->act == ACT_RELU)
				ref[i] = ref[i] > 0 ? ref[i] : 0;
			else
				ref[i] = ref[i] < -0.5 ? -0.5 : ref[i] > 0.5 ? 0.5 : ref[i];
		}
	}
	g->values[cur].name = opr_graph_strdup(g, "y");
	list_add(&g->outputs, &g->n_outputs, cur);
	if (c->also_out)
		list_add(&g->outputs, &g->n_outputs, g->nodes[conv].out[0]);
	if (no_wino)
		setenv("OPR_RT_NO_WINOGRAD", "1", 1);
	CHECK(opr_rt_new(g, (int)c->x[0], t, &rt, &err) == OPR_OK, "%s: %s",
	      c->what, err.msg);
	unsetenv("OPR_RT_NO_WINOGRAD");
	if (!rt)
		goto out;
	for (i = 0; i < g->n_nodes; i++) {
		const struct rt_node *rn = &rt->nodes[i];
		const struct conv_param *p = rn->param;

		if (rn->op && rn->n->op == OPR_OP_CONV) {
			CHECK(c->want_kind < 0 || no_wino || p->kind == c->want_kind,
			      "%s: path %d, want %d", c->what, p->kind, c->want_kind);
			CHECK(rn->fuse.on == (!c->also_out && (c->bn || c->add ||
							       c->act)),
			      "%s: fused %d", c->what, rn->fuse.on);
		}
	}
	if (opr_rt_run_named(rt, (int)c->x[0], c->add ? 2 : 1, inames, ins,
			     c->also_out ? 2 : 1, onames, outs, &err) != OPR_OK) {
		CHECK(0, "%s: %s", c->what, err.msg);
		goto out;
	}
	for (i = 0; i < ny; i++) {
		if (fabs(ref[i]) > big)
			big = fabs(ref[i]);
		if (fabs(y[i] - ref[i]) > worst)
			worst = fabs(y[i] - ref[i]);
	}
	CHECK(worst <= 1e-4 * big, "%s (%s, %d threads%s): max |diff| %g, "
	      "max |y| %g", c->what, opr_rt_kern()->name, t,
	      no_wino ? ", no Winograd" : "", worst, big);
out:
	opr_rt_free(rt);
	opr_graph_free(g);
	free(x), free(r), free(y), free(y0), free(ref), free(w), free(b);
}

/* Unset fields: stride 1, no pads, no fusion, group 1. */
static const struct ccase cases[] = {
	{ "wino_exact_tiles", { 2, 16, 8, 8 }, { 16, 16, 3, 3 }, .p = PAD1,
	  .want_kind = CONV_WINO },
	{ "wino_partial_tiles_odd_channels", { 3, 10, 7, 13 }, { 20, 10, 3, 3 },
	  .p = { 1, 0, 2, 1 }, .want_kind = CONV_WINO },
	{ "wino_valid", { 1, 33, 9, 11 }, { 17, 33, 3, 3 },
	  .want_kind = CONV_WINO },
	{ "wino_deep", { 2, 64, 30, 30 }, { 40, 64, 3, 3 }, .p = PAD1,
	  .want_kind = CONV_WINO },
	{ "wino_wide", { 1, 16, 6, 70 }, { 8, 16, 3, 3 }, .p = PAD1,
	  .want_kind = CONV_WINO },
	{ "wino_bn_add_relu", { 4, 16, 16, 16 }, { 16, 16, 3, 3 }, .p = PAD1,
	  .bn = 1, .add = 1, .act = ACT_RELU, .want_kind = CONV_WINO },
	{ "wino_bn_clip", { 2, 24, 10, 10 }, { 48, 24, 3, 3 }, .p = PAD1,
	  .bn = 1, .act = ACT_CLIP, .want_kind = CONV_WINO },
	{ "im2col_bn_relu", { 2, 16, 16, 16 }, { 32, 16, 3, 3 }, .s = { 2, 2 },
	  .p = PAD1, .bn = 1, .act = ACT_RELU, .want_kind = CONV_IM2COL },
	{ "gemm_bn_add", { 2, 24, 7, 7 }, { 40, 24, 1, 1 }, .bn = 1, .add = 1,
	  .want_kind = CONV_GEMM },
	{ "gemm_add_clip", { 3, 16, 5, 9 }, { 12, 16, 1, 1 }, .add = 1,
	  .act = ACT_CLIP, .want_kind = CONV_GEMM },
	{ "conv_out_read_twice", { 2, 16, 8, 8 }, { 16, 16, 3, 3 }, .p = PAD1,
	  .bn = 1, .act = ACT_RELU, .also_out = 1, .want_kind = CONV_WINO },
	{ "first_layer_few_channels", { 2, 3, 12, 12 }, { 16, 3, 3, 3 },
	  .p = PAD1, .bn = 1, .act = ACT_RELU, .want_kind = CONV_IM2COL },
	{ "dw_s1_bn_clip", { 2, 24, 28, 28 }, { 24, 1, 3, 3 }, .p = PAD1,
	  .bn = 1, .act = ACT_CLIP, .want_kind = CONV_DW, .group = 24 },
	{ "dw_s1_wide_add", { 1, 8, 5, 37 }, { 16, 1, 3, 3 },
	  .p = { 0, 2, 1, 0 }, .add = 1, .want_kind = CONV_DW, .group = 8 },
	{ "dw_s2_bn_relu", { 3, 16, 15, 14 }, { 16, 1, 3, 3 }, .s = { 2, 2 },
	  .p = PAD1, .bn = 1, .act = ACT_RELU, .want_kind = CONV_DW,
	  .group = 16 },
	{ "dw_s2_5x5", { 2, 8, 33, 40 }, { 8, 1, 5, 5 }, .s = { 2, 2 },
	  .p = { 2, 2, 2, 2 }, .act = ACT_RELU, .want_kind = CONV_DW,
	  .group = 8 },
};

static void test_conv(void)
{
	size_t i;
	int t;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		for (t = 1; t <= 3; t += 2) {
			conv_case(&cases[i], t, 0);
			conv_case(&cases[i], t, 1);
		}
}

/*
 * Conv -> Relu -> Reshape [N, -1] -> Softmax(axis) at batch 9 on 2
 * threads: with axis 1 the batch is separable and runs in lanes, with
 * axis 0 it is not; either way the result equals a one-thread run.
 */
static void lanes_case(int64_t axis)
{
	int64_t xd[4] = { -1, 8, 6, 6 }, wd[4] = { 8, 8, 3, 3 }, p1[4] = { 1, 1, 1, 1 };
	int64_t sd[1] = { 2 }, shape[2] = { 0, -1 }, od[2] = { -1, 288 }, i;
	struct opr_graph *g = opr_graph_new();
	struct opr_rt *rt1 = NULL, *rt2 = NULL;
	struct opr_err err;
	float x[9 * 288], y1[9 * 288], y2[9 * 288], *w, *b;
	unsigned seed = 5;
	int in[3], v, c, sh, r, y, nd;
	double worst = 0;

	for (i = 0; i < 9 * 288; i++)
		x[i] = frand(&seed);
	in[0] = val(g, "x", 4, xd);
	list_add(&g->inputs, &g->n_inputs, in[0]);
	in[1] = init_rand(g, "w", 4, wd, &seed, 0, &w);
	in[2] = init_rand(g, "b", 1, wd, &seed, 0, &b);
	c = val(g, "c", 4, xd);
	nd = node(g, "Conv", in, 3, c);
	attr_ints(g, nd, "pads", p1, 4);
	r = val(g, "r", 4, xd);
	node(g, "Relu", &c, 1, r);
	sh = val(g, "shape", 1, sd);
	g->values[sh].dtype = OPR_DT_INT64;
	g->values[sh].data = opr_arena_memdup(&g->arena, shape, sizeof(shape));
	g->values[sh].nbytes = sizeof(shape);
	g->values[sh].is_initializer = 1;
	in[0] = r;
	in[1] = sh;
	v = val(g, "flat", 2, od);
	node(g, "Reshape", in, 2, v);
	y = val(g, "y", 2, od);
	nd = node(g, "Softmax", &v, 1, y);
	opr_node_add_attr(g, nd, "axis", OPR_AT_INT)->i = axis;
	list_add(&g->outputs, &g->n_outputs, y);
	CHECK(opr_rt_new(g, 9, 1, &rt1, &err) == OPR_OK, "%s", err.msg);
	CHECK(opr_rt_new(g, 9, 2, &rt2, &err) == OPR_OK, "%s", err.msg);
	if (!rt1 || !rt2)
		goto out;
	CHECK(!rt2->lanes == (axis == 0), "softmax axis %lld: lanes %s",
	      (long long)axis, rt2->lanes ? "on" : "off");
	CHECK(opr_rt_run(rt1, x, 9, y1, &err) == OPR_OK, "%s", err.msg);
	CHECK(opr_rt_run(rt2, x, 9, y2, &err) == OPR_OK, "%s", err.msg);
	for (i = 0; i < 9 * 288; i++)
		if (fabs(y1[i] - y2[i]) > worst)
			worst = fabs(y1[i] - y2[i]);
	CHECK(worst < 1e-5, "softmax axis %lld: lanes differ by %g",
	      (long long)axis, worst);
	/* a small batch on the same runtime takes the per-op path */
	CHECK(opr_rt_run(rt2, x, 3, y2, &err) == OPR_OK, "%s", err.msg);
	if (axis)
		for (i = 0; i < 3 * 288; i++)
			CHECK(fabs(y1[i] - y2[i]) < 1e-5, "batch 3: y[%lld]",
			      (long long)i);
out:
	opr_rt_free(rt1);
	opr_rt_free(rt2);
	opr_graph_free(g);
	free(w);
	free(b);
}

int main(void)
{
	int gen;

	for (gen = 0; gen <= 1; gen++) {
		opr_rt_kern_force_generic(gen);
		if (!gen && opr_rt_kern() == &opr_rt_kern_generic)
			printf("note: no AVX-512 on this CPU; generic kernels only\n");
		test_sgemm(opr_rt_kern());
		test_conv();
	}
	lanes_case(1);
	lanes_case(0);
	if (failures)
		printf("%d checks failed\n", failures);
	else
		printf("all kernel and fusion checks passed\n");
	return failures ? 1 : 0;
}
