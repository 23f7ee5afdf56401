/*
 * rt_unit.c - unit tests of the runtime on graphs built in memory: the
 * workspace plan reuses dead slots, views cost nothing, a smaller batch
 * re-prepares without reallocating, shapes computed from shapes work per
 * batch, errors name the node, and Conv's three paths (1x1, im2col in
 * several column blocks, depthwise) with groups, strides, dilations and
 * asymmetric pads agree with a naive convolution.
 *
 * Usage: rt_unit (no arguments).  Prints each failed check; exit 1 if any.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ir.h"
#include "runtime/runtime.h"

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

/* Adds value name of dtype and dims (-1: the batch) to g. */
static int val(struct opr_graph *g, const char *name, int dtype, int rank,
	       const int64_t *dims)
{
	int v = opr_graph_add_value(g, name), i;

	g->values[v].dtype = dtype;
	g->values[v].rank = rank;
	for (i = 0; i < rank; i++)
		g->values[v].dims[i] = dims[i];
	return v;
}

static void graph_input(struct opr_graph *g, int v)
{
	g->inputs = realloc(g->inputs, (size_t)(g->n_inputs + 1) * sizeof(int));
	g->inputs[g->n_inputs++] = v;
}

static void graph_output(struct opr_graph *g, int v)
{
	g->outputs = realloc(g->outputs, (size_t)(g->n_outputs + 1) * sizeof(int));
	g->outputs[g->n_outputs++] = v;
}

/* Makes v an initializer holding nbytes of data. */
static void init(struct opr_graph *g, int v, const void *data, size_t nbytes)
{
	g->values[v].data = opr_arena_memdup(&g->arena, data, nbytes);
	g->values[v].nbytes = nbytes;
	g->values[v].is_initializer = 1;
}

/* Adds node op reading in[0..ni) and writing out[0..no). */
static int node(struct opr_graph *g, const char *op, const char *name,
		const int *in, int ni, const int *out, int no)
{
	int i = opr_graph_add_node(g, op, "", ni, no), k;

	g->nodes[i].name = opr_graph_strdup(g, name);
	for (k = 0; k < ni; k++)
		g->nodes[i].in[k] = in[k];
	for (k = 0; k < no; k++) {
		g->nodes[i].out[k] = out[k];
		g->values[out[k]].producer = i;
	}
	return i;
}

static void attr_ints(struct opr_graph *g, int nd, const char *name,
		      const int64_t *v, int n)
{
	struct opr_attr *a = opr_node_add_attr(g, nd, name, OPR_AT_INTS);

	a->ints = opr_arena_memdup(&g->arena, v, (size_t)n * sizeof(int64_t));
	a->n = n;
}

static void attr_int(struct opr_graph *g, int nd, const char *name, int64_t v)
{
	opr_node_add_attr(g, nd, name, OPR_AT_INT)->i = v;
}

static float frand(unsigned *s)
{
	*s = *s * 1103515245u + 12345u;
	return (float)((*s >> 8) & 0xffff) / 32768.0f - 1.0f;
}

/* A chain of 8 unary ops needs two activation slots, not eight. */
static void test_liveness(void)
{
	const char *ops[8] = { "Relu", "Sigmoid", "Tanh", "Neg", "Relu",
			       "Sigmoid", "Tanh", "Neg" };
	int64_t d[3] = { -1, 4, 8 };
	struct opr_graph *g = opr_graph_new();
	struct opr_rt *rt = NULL;
	struct opr_err err;
	float x[8 * 32], y[8 * 32];
	int prev, v, i;
	char name[16];

	prev = val(g, "x", OPR_DT_FLOAT, 3, d);
	graph_input(g, prev);
	for (i = 0; i < 8; i++) {
		snprintf(name, sizeof(name), "a%d", i);
		v = val(g, name, OPR_DT_FLOAT, -1, d);
		node(g, ops[i], name, &prev, 1, &v, 1);
		prev = v;
	}
	graph_output(g, prev);
	CHECK(opr_rt_new(g, 8, 2, &rt, &err) == OPR_OK, "%s", err.msg);
	if (!rt)
		goto out;
	/* the main plan's workspace (lanes, if any, have their own) */
	CHECK(rt->ws_bytes == 2 * 8 * 32 * sizeof(float),
	      "workspace %zu bytes, want two slots of %zu",
	      rt->ws_bytes, 8 * 32 * sizeof(float));
	for (i = 0; i < 8 * 32; i++)
		x[i] = (float)(i % 17) / 4.0f - 2.0f;
	CHECK(opr_rt_run(rt, x, 8, y, &err) == OPR_OK, "%s", err.msg);
	for (i = 0; i < 8 * 32; i++) {
		double t = x[i] > 0 ? x[i] : 0;

		t = -tanh(1 / (1 + exp(-t)));
		t = t > 0 ? t : 0;
		t = -tanh(1 / (1 + exp(-t)));
		CHECK(fabs(y[i] - t) < 1e-6, "y[%d] = %g, want %g", i, y[i], t);
	}
out:
	opr_rt_free(rt);
	opr_graph_free(g);
}

/*
 * Reshape (a view) + Add, and Shape -> Gather of the batch, run at batch
 * 3, 1 and 3 again: shapes follow n, nothing is reallocated.
 */
static void test_batch_and_views(void)
{
	int64_t dx[3] = { -1, 2, 3 }, d1[1] = { 2 }, d6[1] = { 6 }, d0[1] = { 1 };
	int64_t shape[2] = { 0, 6 }, zero[1] = { 0 };
	float bias[6] = { 1, 2, 3, 4, 5, 6 }, x[18], y[18];
	struct opr_graph *g = opr_graph_new();
	struct opr_rt *rt = NULL;
	struct opr_rt_info oi;
	struct opr_err err;
	int vx, vs, vr, vb, vy, vsh, vi, vn, in[2], ns[3] = { 3, 1, 3 }, t, i;
	int64_t nb = 0;
	size_t ws;
	const char *inames[1] = { "x" }, *onames[2] = { "y", "n" };
	const void *ins[1] = { x };
	void *outs[2] = { y, &nb };

	vx = val(g, "x", OPR_DT_FLOAT, 3, dx);
	graph_input(g, vx);
	vs = val(g, "shape", OPR_DT_INT64, 1, d1);
	init(g, vs, shape, sizeof(shape));
	vb = val(g, "bias", OPR_DT_FLOAT, 1, d6);
	init(g, vb, bias, sizeof(bias));
	vi = val(g, "zero", OPR_DT_INT64, 1, d0);
	init(g, vi, zero, sizeof(zero));
	vr = val(g, "r", OPR_DT_FLOAT, -1, dx);
	vy = val(g, "y", OPR_DT_FLOAT, -1, dx);
	vsh = val(g, "sh", OPR_DT_INT64, -1, dx);
	vn = val(g, "n", OPR_DT_INT64, -1, dx);
	in[0] = vx, in[1] = vs;
	node(g, "Reshape", "reshape", in, 2, &vr, 1);
	in[0] = vr, in[1] = vb;
	node(g, "Add", "add", in, 2, &vy, 1);
	node(g, "Shape", "shape_of_x", &vx, 1, &vsh, 1);
	in[0] = vsh, in[1] = vi;
	node(g, "Gather", "batch", in, 2, &vn, 1);
	graph_output(g, vy);
	graph_output(g, vn);
	CHECK(opr_rt_new(g, 3, 2, &rt, &err) == OPR_OK, "%s", err.msg);
	if (!rt)
		goto out;
	ws = opr_rt_workspace_bytes(rt);
	CHECK(ws == RT_ALIGN * ((18 * sizeof(float) + RT_ALIGN - 1) / RT_ALIGN),
	      "workspace %zu: the reshape should be a view, the add one "
	      "72-byte slot", ws);
	for (i = 0; i < 18; i++)
		x[i] = (float)i;
	for (t = 0; t < 3; t++) {
		int n = ns[t];

		CHECK(opr_rt_run_named(rt, n, 1, inames, ins, 2, onames, outs,
				       &err) == OPR_OK, "%s", err.msg);
		CHECK(nb == n, "Shape/Gather gave %lld at batch %d", (long long)nb, n);
		CHECK(opr_rt_output_info(rt, 0, n, &oi, &err) == OPR_OK &&
		      oi.rank == 2 && oi.dims[0] == n && oi.dims[1] == 6,
		      "output shape at batch %d", n);
		for (i = 0; i < 6 * n; i++)
			CHECK(y[i] == x[i] + bias[i % 6], "y[%d] = %g", i, y[i]);
		CHECK(opr_rt_workspace_bytes(rt) == ws, "workspace changed");
	}
	CHECK(opr_rt_run(rt, x, 4, y, &err) == OPR_EUSAGE, "batch 4 > 3 or two "
	      "outputs accepted by opr_rt_run");
	CHECK(opr_rt_run_named(rt, 4, 1, inames, ins, 1, onames, outs, &err) ==
	      OPR_EUSAGE, "batch 4 > 3 accepted");
	CHECK(opr_rt_run_named(rt, 1, 0, inames, ins, 1, onames, outs, &err) ==
	      OPR_EUSAGE, "missing input accepted");
out:
	opr_rt_free(rt);
	opr_graph_free(g);
}

/* Unknown ops and bad shapes are refused by opr_rt_new, naming the node. */
static void test_errors(void)
{
	int64_t d[2] = { -1, 3 }, d2[2] = { -1, 4 };
	struct opr_graph *g = opr_graph_new();
	struct opr_rt *rt = NULL;
	struct opr_err err;
	int vx, vy, vz, in[2];

	vx = val(g, "x", OPR_DT_FLOAT, 2, d);
	graph_input(g, vx);
	vy = val(g, "y", OPR_DT_FLOAT, -1, d);
	node(g, "FancyOp", "fancy", &vx, 1, &vy, 1);
	graph_output(g, vy);
	CHECK(opr_rt_new(g, 2, 1, &rt, &err) == OPR_EUNSUPPORTED && !rt &&
	      strstr(err.msg, "'fancy' (FancyOp)"), "unknown op: %s", err.msg);
	opr_graph_free(g);

	g = opr_graph_new();
	vx = val(g, "x", OPR_DT_FLOAT, 2, d);
	vy = val(g, "w", OPR_DT_FLOAT, 2, d2);
	graph_input(g, vx);
	graph_input(g, vy);
	vz = val(g, "z", OPR_DT_FLOAT, -1, d);
	in[0] = vx, in[1] = vy;
	node(g, "Add", "bad_add", in, 2, &vz, 1);
	graph_output(g, vz);
	CHECK(opr_rt_new(g, 2, 1, &rt, &err) == OPR_ESHAPE && !rt &&
	      strstr(err.msg, "'bad_add' (Add)"), "bad broadcast: %s", err.msg);
	opr_graph_free(g);
}

/* A direct convolution in double, the reference. */
static void naive_conv(const float *x, const float *w, const float *b,
		       float *y, const int64_t *xd, const int64_t *wd,
		       const int64_t *s, const int64_t *dl, const int64_t *p,
		       int64_t group, int64_t oh, int64_t ow)
{
	int64_t n, m, c, i, j, ki, kj, cg = xd[1] / group, mg = wd[0] / group;

	for (n = 0; n < xd[0]; n++)
		for (m = 0; m < wd[0]; m++)
			for (i = 0; i < oh; i++)
				for (j = 0; j < ow; j++) {
					double acc = b[m];

					for (c = 0; c < cg; c++)
						for (ki = 0; ki < wd[2]; ki++)
							for (kj = 0; kj < wd[3]; kj++) {
								int64_t ih = i * s[0] - p[0] + ki * dl[0];
								int64_t iw = j * s[1] - p[1] + kj * dl[1];
								int64_t ci = (m / mg) * cg + c;

								if (ih < 0 || ih >= xd[2] ||
								    iw < 0 || iw >= xd[3])
									continue;
								acc += (double)x[((n * xd[1] + ci) *
									 xd[2] + ih) * xd[3] + iw] *
								       w[((m * cg + c) * wd[2] + ki) *
									 wd[3] + kj];
							}
					y[((n * wd[0] + m) * oh + i) * ow + j] = (float)acc;
				}
}

/* One Conv case: x [N,C,H,W] with weights [M,C/group,KH,KW]. */
static void conv_case(const char *what, const int64_t *xd, const int64_t *wd,
		      const int64_t *s, const int64_t *dl, const int64_t *p,
		      int64_t group, int threads)
{
	int64_t oh = (xd[2] + p[0] + p[2] - (wd[2] - 1) * dl[0] - 1) / s[0] + 1;
	int64_t ow = (xd[3] + p[1] + p[3] - (wd[3] - 1) * dl[1] - 1) / s[1] + 1;
	int64_t yd[4] = { -1, wd[0], oh, ow }, xin[4] = { -1, xd[1], xd[2], xd[3] };
	int64_t nx = xd[0] * xd[1] * xd[2] * xd[3], nw = wd[0] * wd[1] * wd[2] * wd[3];
	int64_t ny = xd[0] * wd[0] * oh * ow, i, bd[1] = { wd[0] };
	float *x = malloc(nx * 4), *w = malloc(nw * 4), *b = malloc(wd[0] * 4);
	float *y = malloc(ny * 4), *r = malloc(ny * 4);
	struct opr_graph *g = opr_graph_new();
	struct opr_rt *rt = NULL;
	struct opr_err err;
	unsigned seed = 7;
	int in[3], vy, nd;
	double worst = 0, big = 1;

	for (i = 0; i < nx; i++)
		x[i] = frand(&seed);
	for (i = 0; i < nw; i++)
		w[i] = frand(&seed);
	for (i = 0; i < wd[0]; i++)
		b[i] = frand(&seed);
	in[0] = val(g, "x", OPR_DT_FLOAT, 4, xin);
	graph_input(g, in[0]);
	in[1] = val(g, "w", OPR_DT_FLOAT, 4, wd);
	init(g, in[1], w, nw * 4);
	in[2] = val(g, "b", OPR_DT_FLOAT, 1, bd);
	init(g, in[2], b, wd[0] * 4);
	vy = val(g, "y", OPR_DT_FLOAT, 4, yd);
	nd = node(g, "Conv", what, in, 3, &vy, 1);
	attr_ints(g, nd, "strides", s, 2);
	attr_ints(g, nd, "dilations", dl, 2);
	attr_ints(g, nd, "pads", p, 4);
	attr_int(g, nd, "group", group);
	graph_output(g, vy);
	naive_conv(x, w, b, r, xd, wd, s, dl, p, group, oh, ow);
	CHECK(opr_rt_new(g, (int)xd[0], threads, &rt, &err) == OPR_OK, "%s",
	      err.msg);
	if (rt && opr_rt_run(rt, x, (int)xd[0], y, &err) == OPR_OK) {
		for (i = 0; i < ny; i++) {
			if (fabs(y[i] - r[i]) > worst)
				worst = fabs(y[i] - r[i]);
			if (fabs(r[i]) > big)
				big = fabs(r[i]);
		}
		/* relative: Winograd (im2col_many_blocks) rounds differently */
		CHECK(worst < 1e-4 * big, "%s: max |diff| %g, max |y| %g", what,
		      worst, big);
	} else if (rt) {
		CHECK(0, "%s: %s", what, err.msg);
	}
	opr_rt_free(rt);
	opr_graph_free(g);
	free(x);
	free(w);
	free(b);
	free(y);
	free(r);
}

static void test_conv(void)
{
	int64_t s11[2] = { 1, 1 }, s21[2] = { 2, 1 }, s22[2] = { 2, 2 };
	int64_t d11[2] = { 1, 1 }, d12[2] = { 1, 2 };
	int64_t p0[4] = { 0, 0, 0, 0 }, p1[4] = { 1, 1, 1, 1 };
	int64_t pa[4] = { 1, 0, 2, 1 };
	int64_t x1[4] = { 3, 6, 13, 11 }, w1[4] = { 4, 3, 3, 2 };
	int64_t x2[4] = { 2, 64, 30, 30 }, w2[4] = { 8, 64, 3, 3 };
	int64_t x3[4] = { 3, 8, 9, 10 }, w3[4] = { 16, 1, 3, 3 };
	int64_t x4[4] = { 2, 16, 7, 5 }, w4[4] = { 12, 16, 1, 1 };
	int t;

	for (t = 1; t <= 3; t += 2) {
		conv_case("grouped_strided_dilated", x1, w1, s21, d12, pa, 2, t);
		conv_case("im2col_many_blocks", x2, w2, s11, d11, p1, 1, t);
		conv_case("depthwise_x2", x3, w3, s22, d11, p1, 8, t);
		conv_case("depthwise_dilated", x3, w3, s21, d12, pa, 8, t);
		conv_case("pointwise", x4, w4, s11, d11, p0, 1, t);
		conv_case("pointwise_strided", x4, w4, s22, d11, p0, 1, t);
	}
}

int main(void)
{
	test_liveness();
	test_batch_and_views();
	test_errors();
	test_conv();
	if (failures)
		printf("%d checks failed\n", failures);
	else
		printf("all runtime unit checks passed\n");
	return failures ? 1 : 0;
}
