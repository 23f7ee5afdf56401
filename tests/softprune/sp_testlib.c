/* Used by softprune_* (test_softprune): failures abort at file:line (TREQUIRE). */
/*
 * sp_testlib.c - the soft-pruning tests' helpers (sp_testlib.h).  Every
 * helper either gives what it promises or stops the test: a model that
 * does not build or infer, data that cannot be filled, a conv that is not
 * there, outputs of different sizes.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/tdie.h"
#include "graph_dsl.h"
#include "sp_testlib.h"

const char *const sp_conv_names[SP_N_CONV] = { "c1", "c2", "c3", "c4" };

/* splitmix64, uniform in [-1, 1). */
static double urand(uint64_t *s)
{
	uint64_t x = (*s += 0x9e3779b97f4a7c15ULL);

	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	x ^= x >> 31;
	return (double)(x >> 11) * (2.0 / 9007199254740992.0) - 1.0;
}

/* A float initializer of n values lo + (hi - lo) * U[0, 1). */
static void init(struct opr_graph *g, const char *name, const char *shape,
		 int n, double lo, double hi, uint64_t *s)
{
	float *v = malloc((size_t)n * sizeof(float));
	int i;

	TREQUIRE(v, "out of memory for '%s'", name);
	for (i = 0; i < n; i++)
		v[i] = (float)(lo + (hi - lo) * (urand(s) + 1) / 2);
	TREQUIRE(t_init(g, name, OPR_DT_FLOAT, shape, v,
			(size_t)n * sizeof(float)) >= 0,
		 "initializer '%s'", name);
	free(v);
}

/* Conv nm (co x ci, 3x3, pad 1, stride st) + BN b<nm+1>: x -> y. */
static void conv_bn(struct opr_graph *g, const char *nm, const char *x,
		    const char *y, int co, int ci, int st, uint64_t *s)
{
	char w[32], sh[64], io[160], pre[32], bn[8];
	const char *p[4] = { "g", "be", "m", "v" };
	double a = sqrt(6.0 / (ci * 9)), lo[4] = { 0.5, -0.1, -0.1, 0.5 },
	       hi[4] = { 1.5, 0.1, 0.1, 1.5 };
	int nd, k;

	snprintf(w, sizeof(w), "%s_w", nm);
	snprintf(sh, sizeof(sh), "%d,%d,3,3", co, ci);
	init(g, w, sh, co * ci * 9, -a, a, s);
	snprintf(io, sizeof(io), "%s,%s", x, w);
	snprintf(pre, sizeof(pre), "%s_y", nm);
	nd = t_node(g, "Conv", io, pre);
	TREQUIRE(nd >= 0, "Conv %s", nm);
	g->nodes[nd].name = opr_graph_strdup(g, nm);
	t_attr_ints(g, nd, "kernel_shape", 2, 3LL, 3LL);
	t_attr_ints(g, nd, "pads", 4, 1LL, 1LL, 1LL, 1LL);
	t_attr_ints(g, nd, "strides", 2, (long long)st, (long long)st);
	snprintf(bn, sizeof(bn), "b%s", nm + 1);
	snprintf(io, sizeof(io), "%s", pre);
	snprintf(sh, sizeof(sh), "%d", co);
	for (k = 0; k < 4; k++) {
		snprintf(w, sizeof(w), "%s_%s", bn, p[k]);
		init(g, w, sh, co, lo[k], hi[k], s);
		strcat(io, ",");
		strcat(io, w);
	}
	nd = t_node(g, "BatchNormalization", io, y);
	TREQUIRE(nd >= 0, "BatchNormalization %s", bn);
	g->nodes[nd].name = opr_graph_strdup(g, bn);
}

/* The same graph through the exporter and the importer. */
static struct opr_graph *roundtrip(const struct opr_graph *g)
{
	struct opr_err err = { 0 };
	struct opr_graph *out = NULL;
	void *buf = NULL;
	size_t len = 0;

	TREQUIRE(opr_export_mem(g, &buf, &len, &err) == OPR_OK &&
		 opr_import_mem(buf, len, "tiny", NULL, &out, &err) == OPR_OK,
		 "round trip: %s", err.msg);
	free(buf);
	return out;
}

struct opr_graph *sp_clone(const struct opr_graph *g)
{
	return roundtrip(g);
}

struct opr_graph *sp_tiny_model(uint64_t seed)
{
	struct opr_graph *g = t_with_x("N,1,8,8"), *out;
	uint64_t s = seed * 7919 + 1;
	int nd;

	g->ir_version = 7;
	g->n_opsets = 1;
	g->opsets = opr_arena_alloc(&g->arena, sizeof(*g->opsets));
	g->opsets[0].domain = opr_graph_strdup(g, "");
	g->opsets[0].version = 13;
	conv_bn(g, "c1", "x", "a1", 8, 1, 1, &s);
	t_node(g, "Relu", "a1", "h1");
	conv_bn(g, "c2", "h1", "a2", 12, 8, 1, &s);
	t_node(g, "Relu", "a2", "h2");
	conv_bn(g, "c3", "h2", "a3", 8, 12, 1, &s);
	t_node(g, "Add", "h1,a3", "s3");
	t_node(g, "Relu", "s3", "h3");
	conv_bn(g, "c4", "h3", "a4", 16, 8, 2, &s);
	t_node(g, "Relu", "a4", "h4");
	t_node(g, "GlobalAveragePool", "h4", "p4");
	t_node(g, "Flatten", "p4", "f4");
	init(g, "fc_w", "4,16", 64, -0.5, 0.5, &s);
	init(g, "fc_b", "4", 4, -0.1, 0.1, &s);
	nd = t_node(g, "Gemm", "f4,fc_w,fc_b", "logits");
	TREQUIRE(nd >= 0, "Gemm fc");
	g->nodes[nd].name = opr_graph_strdup(g, "fc");
	t_attr_i(g, nd, "transB", 1);
	t_outputs(g, "logits");
	INFER(g);
	TREQUIRE(t_failures == 0, "the tiny model does not infer");
	out = roundtrip(g);
	opr_graph_free(g);
	return out;
}

struct opr_dataset *sp_tiny_data(int n, uint64_t seed)
{
	struct opr_dataset *ds = calloc(1, sizeof(*ds));
	uint64_t s = seed * 104729 + 3;
	int i, y, x, k;

	TREQUIRE(n > 0, "%d images", n);
	TREQUIRE(ds && (ds->pixels = malloc((size_t)n * 64)) &&
		 (ds->labels = malloc((size_t)n * sizeof(int))),
		 "out of memory for %d images", n);
	ds->n = n;
	ds->c = 1;
	ds->h = ds->w = 8;
	ds->depth = 8;
	ds->n_classes = 4;
	for (i = 0; i < n; i++) {
		k = ds->labels[i] = i % 4;
		for (y = 0; y < 8; y++)
			for (x = 0; x < 8; x++) {
				int in = (y / 4) == k / 2 && (x / 4) == k % 2;
				double v = (in ? 190 : 40) + 45 * urand(&s);

				ds->pixels[i * 64 + y * 8 + x] = (uint8_t)v;
			}
	}
	return ds;
}

void sp_data_free(struct opr_dataset *ds)
{
	if (!ds)
		return;
	free(ds->pixels);
	free(ds->labels);
	free(ds);
}

void sp_ft_opts(struct opr_ft_opts *ft, int epochs)
{
	opr_ft_defaults(ft);
	ft->epochs = epochs;
	ft->batch = 32;
	ft->threads = 1;
	ft->lr = 0.05;
	ft->pad = 0;
	ft->flip = 0;
	ft->seed = 11;
	ft->val_split = 0;
}

const struct opr_value *sp_conv_weight(const struct opr_graph *g,
				       const char *node)
{
	int i;

	for (i = 0; i < g->n_nodes; i++)
		if (!g->nodes[i].dead && g->nodes[i].op == OPR_OP_CONV &&
		    strcmp(g->nodes[i].name, node) == 0)
			break;
	TREQUIRE(i < g->n_nodes, "no Conv named '%s'", node);
	TREQUIRE(g->values[g->nodes[i].in[1]].rank == 4 &&
		 g->values[g->nodes[i].in[1]].dtype == OPR_DT_FLOAT,
		 "Conv '%s': weight not float [O, I, kh, kw]", node);
	return &g->values[g->nodes[i].in[1]];
}

int sp_conv_out(const struct opr_graph *g, const char *node)
{
	return (int)sp_conv_weight(g, node)->dims[0];
}

int sp_zero_rows(const struct opr_graph *g, const char *node,
		 unsigned char *zero, int max)
{
	const struct opr_value *w = sp_conv_weight(g, node);
	const float *f = w->data;
	int64_t row, i, j;

	TREQUIRE(w->dims[0] <= max, "Conv '%s': %lld filters, room for %d",
		 node, (long long)w->dims[0], max);
	row = (int64_t)(w->nbytes / sizeof(float)) / w->dims[0];
	for (i = 0; i < w->dims[0] && i < max; i++) {
		zero[i] = 1;
		for (j = 0; j < row; j++)
			if (f[i * row + j] != 0)
				zero[i] = 0;
	}
	return (int)i;
}

int sp_zero_scales(const struct opr_graph *g, const char *node,
		   unsigned char *zero, int max)
{
	const struct opr_value *s = NULL;
	const float *f;
	int64_t i;
	int k;

	for (k = 0; k < g->n_nodes; k++)
		if (!g->nodes[k].dead && g->nodes[k].op == OPR_OP_BATCHNORM &&
		    g->nodes[k].name[0] == 'b' &&
		    strcmp(g->nodes[k].name + 1, node + 1) == 0)
			s = &g->values[g->nodes[k].in[1]];
	TREQUIRE(s && s->rank == 1 && s->dtype == OPR_DT_FLOAT &&
		 s->dims[0] <= max, "no BN scale of at most %d floats for "
		 "Conv '%s'", max, node);
	f = s->data;
	for (i = 0; i < s->dims[0]; i++)
		zero[i] = f[i] == 0;
	return (int)i;
}

/* Output 0 of g on input x (n images). */
static float *run(const struct opr_graph *g, const float *x, int n,
		  size_t *len)
{
	struct opr_rt_info info;
	struct opr_err err = { 0 };
	struct opr_rt *rt = NULL;
	float *out;

	TREQUIRE(opr_rt_new(g, n, 1, &rt, &err) == OPR_OK &&
		 opr_rt_output_info(rt, 0, n, &info, &err) == OPR_OK,
		 "runtime: %s", err.msg);
	TREQUIRE((out = malloc(info.nbytes)), "out of memory");
	TREQUIRE(opr_rt_run(rt, x, n, out, &err) == OPR_OK, "runtime: %s",
		 err.msg);
	*len = info.nbytes / sizeof(float);
	opr_rt_free(rt);
	return out;
}

double sp_out_diff(const struct opr_graph *a, const struct opr_graph *b,
		   const struct opr_dataset *ds, int n)
{
	const struct opr_value *x = &a->values[a->inputs[0]];
	struct opr_err err = { 0 };
	double scale = 1, diff = 0;
	size_t la, lb, i;
	float *in, *ya, *yb;

	in = malloc((size_t)n * (size_t)(x->dims[1] * x->dims[2] * x->dims[3]) *
		    sizeof(float));
	TREQUIRE(in, "out of memory");
	TREQUIRE(opr_dataset_fill(ds, NULL, n, NULL, NULL, (int)x->dims[1],
				  (int)x->dims[2], (int)x->dims[3], in,
				  &err) == OPR_OK, "fill: %s", err.msg);
	ya = run(a, in, n, &la);
	yb = run(b, in, n, &lb);
	TREQUIRE(la == lb && la > 0, "outputs of %zu and %zu floats", la, lb);
	for (i = 0; i < la; i++) {
		scale = fmax(scale, fabs(ya[i]));
		diff = fmax(diff, fabs((double)ya[i] - yb[i]));
	}
	free(in);
	free(ya);
	free(yb);
	return diff / scale;
}
