/*
 * test_engine.c - the training engine beyond gradients:
 *
 *   - its inference-mode forward against the runtime (src/runtime) on the
 *     shared models (max |diff| <= 1e-4 of the output scale), and a
 *     training forward with OPR_TRAIN_BN_FROZEN equal to it;
 *   - BatchNormalization running statistics: momentum, cumulative average
 *     (recalibration), untouched, against sums in double;
 *   - partial batches, determinism (same threads: bit-identical; 1 vs 3
 *     threads: close), forward-only plans, parameters being the graph's
 *     initializer bytes, no heap growth in the step loop;
 *   - errors: unsupported op, backward without forward, bad batch, bad
 *     label.
 *
 * Usage: train_engine SHARED_MODELS_DIR.  Exit 1 if a check failed.
 */
#include <malloc.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "onnx_prune.h"
#include "runtime/runtime.h"
#include "tcheck.h"

#define S(...) ((const char *const[]){ __VA_ARGS__ })
#define D(...) ((const int64_t[]){ __VA_ARGS__ })

static struct opr_graph *load(const char *dir, const char *name)
{
	char path[4096];
	struct opr_graph *g = NULL;
	struct opr_err err;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (opr_import_file(path, &g, &err) != OPR_OK) {
		TC_CHECK(0, "%s", err.msg);
		return NULL;
	}
	return g;
}

static int64_t per_image(const struct opr_graph *g)
{
	const struct opr_value *v = &g->values[g->inputs[0]];
	int64_t m = 1;
	int i;

	for (i = 1; i < v->rank; i++)
		m *= v->dims[i];
	return m;
}

static float *rand_x(int64_t m, unsigned seed, float scale)
{
	float *x = TC_NEED(malloc((size_t)m * sizeof(float)), "out of memory");
	int64_t i;

	for (i = 0; i < m; i++)
		x[i] = scale * tc_rand(&seed);
	return x;
}

static double max_diff(const float *a, const float *b, int64_t m, double *scale)
{
	double d = 0;
	int64_t i;

	*scale = 1;
	for (i = 0; i < m; i++) {
		d = fmax(d, fabs((double)a[i] - b[i]));
		*scale = fmax(*scale, fabs(b[i]));
	}
	return d;
}

/* Inference forward against the runtime; frozen-BN training forward. */
static void test_eval_vs_runtime(const char *dir, const char *file)
{
	struct opr_graph *g = load(dir, file);
	struct opr_train *t = NULL;
	struct opr_rt *rt = NULL;
	struct opr_err err;
	int64_t m, k;
	float *x, *a, *b;
	double d, sc;
	int n = 8;

	if (!g)
		return;
	m = per_image(g);
	x = rand_x(n * m, 31, 2.0f);
	if (opr_train_new(g, n, 2, 0, &t, &err) ||
	    opr_rt_new(g, n, 2, &rt, &err)) {
		TC_CHECK(0, "%s: %s", file, err.msg);
		goto out;
	}
	TC_CHECK(opr_train_eval(t, x, n, NULL, &err) == OPR_OK, "%s", err.msg);
	opr_train_output(t, &k);
	a = TC_NEED(malloc((size_t)(n * k) * sizeof(float)), "out of memory");
	b = TC_NEED(malloc((size_t)(n * k) * sizeof(float)), "out of memory");
	TC_CHECK(opr_train_eval(t, x, n, a, &err) == OPR_OK, "%s", err.msg);
	TC_CHECK(opr_rt_run(rt, x, n, b, &err) == OPR_OK, "%s", err.msg);
	d = max_diff(a, b, n * k, &sc);
	printf("%-24s eval vs runtime: max |diff| %.2e (output scale %.2f)\n",
	       file, d, sc);
	TC_CHECK(d <= 1e-4 * sc, "%s: eval differs from the runtime by %.3g", file, d);
	opr_train_set_bn(t, OPR_TRAIN_BN_FROZEN);
	TC_CHECK(opr_train_forward(t, x, n, &err) == OPR_OK, "%s", err.msg);
	TC_CHECK(!memcmp(opr_train_output(t, NULL), a, (size_t)(n * k) * sizeof(float)),
		 "%s: frozen-BN training forward differs from eval", file);
	free(a);
	free(b);
out:
	opr_rt_free(rt);
	opr_train_free(t);
	opr_graph_free(g);
	free(x);
}

/* x -> BN -> y; running statistics under each mode. */
static void test_bn_stats(void)
{
	static const float mom = 0.8f;
	struct opr_graph *g = tb_new(4, D(-1, 3, 2, 3));
	struct opr_train *t = NULL;
	struct opr_err err;
	unsigned seed = 3;
	float *rm, *rv, rm0[3], rv0[3], *x[3];
	double em = 0, ev = 0, sm[3] = { 0 }, sv[3] = { 0 }, bm[3][3], bv[3][3];
	int nd, b, c, i, n = 4;

	tb_init(g, "gamma", 1, D(3), &seed, 0.5f, 1);
	tb_init(g, "beta", 1, D(3), &seed, 0.5f, 0);
	tb_init(g, "mean", 1, D(3), &seed, 0.5f, 0);
	tb_init(g, "var", 1, D(3), &seed, 0.3f, 1);
	nd = tb_node(g, "BatchNormalization", S("x", "gamma", "beta", "mean", "var"),
		     5, S("y"), 1);
	tb_attr_f(g, nd, "momentum", mom);
	if (tb_finish(g, "y") || opr_train_new(g, n, 3, 0, &t, &err)) {
		TC_CHECK(0, "bn graph");
		opr_graph_free(g);
		return;
	}
	rm = opr_train_tensor(t, opr_train_find(t, "mean"))->data;
	rv = opr_train_tensor(t, opr_train_find(t, "var"))->data;
	TC_CHECK(rm == g->values[tb_val(g, "mean")].data, "state is not the "
		 "graph's initializer");
	TC_CHECK(!opr_train_tensor(t, opr_train_find(t, "var"))->trainable &&
		 !opr_train_tensor(t, opr_train_find(t, "var"))->grad,
		 "running var is trainable");
	memcpy(rm0, rm, sizeof(rm0));
	memcpy(rv0, rv, sizeof(rv0));
	for (b = 0; b < 3; b++)
		x[b] = rand_x(n * 18, 40 + b, 1.0f + b);
	/* batch statistics in double: mean, unbiased variance */
	for (b = 0; b < 3; b++)
		for (c = 0; c < 3; c++) {
			double s = 0, q = 0;

			for (i = 0; i < n * 6; i++)
				s += x[b][(i / 6 * 3 + c) * 6 + i % 6];
			s /= n * 6;
			for (i = 0; i < n * 6; i++) {
				double d = x[b][(i / 6 * 3 + c) * 6 + i % 6] - s;

				q += d * d;
			}
			bm[b][c] = s;
			bv[b][c] = q / (n * 6 - 1);
			sm[c] += s / 3;
			sv[c] += q / (n * 6 - 1) / 3;
		}
	/* momentum (the default) */
	TC_CHECK(opr_train_forward(t, x[0], n, &err) == OPR_OK, "%s", err.msg);
	for (c = 0; c < 3; c++) {
		em = fmax(em, fabs(rm[c] - (rm0[c] * mom + bm[0][c] * (1 - mom))));
		ev = fmax(ev, fabs(rv[c] - (rv0[c] * mom + bv[0][c] * (1 - mom))));
	}
	memcpy(rm, rm0, sizeof(rm0));
	memcpy(rv, rv0, sizeof(rv0));
	TC_CHECK(em < 1e-6 && ev < 1e-6, "momentum update off by %.3g / %.3g", em, ev);
	opr_train_set_bn(t, OPR_TRAIN_BN_BATCH);
	TC_CHECK(opr_train_forward(t, x[1], n, &err) == OPR_OK, "%s", err.msg);
	TC_CHECK(!memcmp(rm, rm0, sizeof(rm0)) && !memcmp(rv, rv0, sizeof(rv0)),
		 "OPR_TRAIN_BN_BATCH changed the running statistics");
	opr_train_set_bn(t, OPR_TRAIN_BN_CUMULATIVE);
	opr_train_bn_reset(t);
	for (b = 0; b < 3; b++)
		TC_CHECK(opr_train_forward(t, x[b], n, &err) == OPR_OK, "%s",
			 err.msg);
	for (c = 0, em = ev = 0; c < 3; c++) {
		em = fmax(em, fabs(rm[c] - sm[c]));
		ev = fmax(ev, fabs(rv[c] - sv[c]));
	}
	printf("bn statistics: cumulative average off by %.2e / %.2e\n", em, ev);
	TC_CHECK(em < 1e-5 && ev < 1e-5, "cumulative average off by %.3g / %.3g",
		 em, ev);
	for (b = 0; b < 3; b++)
		free(x[b]);
	opr_train_free(t);
	opr_graph_free(g);
}

/* Gradients of every trainable tensor, concatenated (malloc'd). */
static float *grads(struct opr_train *t, int64_t *cnt)
{
	int64_t m = 0, o = 0;
	float *all;
	int i;

	for (i = 0; i < opr_train_n_tensors(t); i++)
		if (opr_train_tensor(t, i)->trainable)
			m += opr_train_tensor(t, i)->numel;
	all = TC_NEED(malloc((size_t)(m + 1) * sizeof(float)), "out of memory");
	for (i = 0; i < opr_train_n_tensors(t); i++) {
		const struct opr_train_tensor *ts = opr_train_tensor(t, i);

		if (!ts->trainable)
			continue;
		memcpy(all + o, ts->grad, (size_t)ts->numel * sizeof(float));
		o += ts->numel;
	}
	*cnt = m;
	return all;
}

/* One step on t; returns the gradients. */
static float *step(struct opr_train *t, const float *x, const int *lab, int n,
		   int64_t *cnt)
{
	struct opr_err err;
	float loss;

	opr_train_set_bn(t, OPR_TRAIN_BN_BATCH);
	TC_CHECK(opr_train_step(t, x, lab, n, &loss, &err) == OPR_OK, "%s", err.msg);
	return grads(t, cnt);
}

static void test_batches_threads(const char *dir)
{
	static const int lab[8] = { 1, 5, 9, 0, 3, 3, 7, 2 };
	struct opr_graph *g = load(dir, "fmnist_resnet20.onnx");
	struct opr_train *a = NULL, *b = NULL, *c = NULL, *f = NULL;
	struct opr_err err;
	float *x, *ga, *gb, *gc, *gd, out[80];
	int64_t m, na, nb, nc, nd, i;
	struct mallinfo2 mi0, mi1;
	double d = 0, sc = 0;
	float loss;

	if (!g)
		return;
	m = per_image(g);
	x = rand_x(8 * m, 77, 2.0f);
	if (opr_train_new(g, 8, 3, 0, &a, &err) || opr_train_new(g, 5, 3, 0, &b, &err) ||
	    opr_train_new(g, 8, 1, 0, &c, &err) ||
	    opr_train_new(g, 8, 3, OPR_TRAIN_NO_GRAD, &f, &err)) {
		TC_CHECK(0, "%s", err.msg);
		goto out;
	}
	/* a partial batch on a bigger plan is the same as a plan of that size */
	ga = step(a, x, lab, 5, &na);
	gb = step(b, x, lab, 5, &nb);
	TC_CHECK(na == nb && !memcmp(ga, gb, (size_t)na * 4), "batch 5 of a plan "
		 "for 8 differs from a plan for 5");
	free(ga);
	free(gb);
	/* same threads: bit-identical; 1 vs 3 threads: close */
	ga = step(a, x, lab, 8, &na);
	gb = step(a, x, lab, 8, &nb);
	gc = step(c, x, lab, 8, &nc);
	TC_CHECK(!memcmp(ga, gb, (size_t)na * 4), "two steps differ");
	for (i = 0; i < na; i++) {
		d = fmax(d, fabs(ga[i] - gc[i]));
		sc = fmax(sc, fabs(gc[i]));
	}
	printf("fmnist_resnet20 grads, 3 vs 1 threads: max |diff| %.2e (scale %.2e)\n",
	       d, sc);
	TC_CHECK(d <= 1e-4 * sc, "3 vs 1 threads: %.3g", d);
	/* no heap growth in the step loop */
	mi0 = mallinfo2();
	for (i = 0; i < 3; i++)
		TC_CHECK(opr_train_step(a, x, lab, i ? 8 : 6, &loss, &err) ==
			 OPR_OK, "%s", err.msg);
	mi1 = mallinfo2();
	TC_CHECK(mi0.uordblks == mi1.uordblks && mi0.hblkhd == mi1.hblkhd,
		 "the step loop allocated (%zu -> %zu bytes)", mi0.uordblks,
		 mi1.uordblks);
	/* forward-only plan: smaller, same output */
	TC_CHECK(opr_train_eval(a, x, 8, out, &err) == OPR_OK, "%s", err.msg);
	TC_CHECK(opr_train_eval(f, x, 8, NULL, &err) == OPR_OK, "%s", err.msg);
	TC_CHECK(!memcmp(out, opr_train_output(f, NULL), sizeof(out)),
		 "forward-only plan gives another output");
	printf("workspace at batch 8: %.1f MiB with gradients, %.1f MiB "
	       "forward-only\n", opr_train_workspace_bytes(a) / 1048576.0,
	       opr_train_workspace_bytes(f) / 1048576.0);
	TC_CHECK(opr_train_workspace_bytes(f) < opr_train_workspace_bytes(a) / 2,
		 "forward-only plan is not smaller");
	TC_CHECK(opr_train_backward(f, out, &err) == OPR_EUSAGE,
		 "backward on a forward-only plan");
	/* parameters are the graph's bytes: an update shows in the graph */
	for (i = 0; i < opr_train_n_tensors(a); i++) {
		const struct opr_train_tensor *ts = opr_train_tensor(a, i);

		TC_CHECK(ts->data == g->values[ts->value].data, "%s is a copy",
			 ts->name);
	}
	gd = step(a, x, lab, 8, &nd);
	free(gd);
	free(ga);
	free(gb);
	free(gc);
out:
	opr_train_free(a);
	opr_train_free(b);
	opr_train_free(c);
	opr_train_free(f);
	opr_graph_free(g);
	free(x);
}

static void test_errors(void)
{
	struct opr_graph *g = tb_new(2, D(-1, 4));
	struct opr_train *t = NULL;
	struct opr_err err;
	float x[8] = { 0 }, dy[8] = { 0 }, loss;
	int lab[2] = { 0, 4 };
	unsigned seed = 1;
	int nd;

	tb_init(g, "W", 2, D(3, 4), &seed, 1, 0);
	nd = tb_node(g, "Gemm", S("x", "W"), 2, S("y"), 1);
	tb_attr_i(g, nd, "transB", 1);
	if (tb_finish(g, "y") || opr_train_new(g, 2, 1, 0, &t, &err)) {
		TC_CHECK(0, "graph");
		opr_graph_free(g);
		return;
	}
	TC_CHECK(opr_train_backward(t, dy, &err) == OPR_EUSAGE, "backward "
		 "without forward: %s", err.msg);
	TC_CHECK(opr_train_forward(t, x, 3, &err) == OPR_EUSAGE, "batch 3 of 2");
	TC_CHECK(opr_train_step(t, x, lab, 2, &loss, &err) == OPR_EINVAL,
		 "label 4 of 3 classes");
	opr_train_free(t);
	opr_graph_free(g);

	g = tb_new(2, D(-1, 4));
	tb_node(g, "Softmax", S("x"), 1, S("y"), 1);
	if (tb_finish(g, "y")) {
		TC_CHECK(0, "softmax graph");
	} else {
		TC_CHECK(opr_train_new(g, 2, 1, 0, &t, &err) == OPR_EUNSUPPORTED &&
			 strstr(err.msg, "Softmax"), "Softmax: %s", err.msg);
		printf("unsupported op: %s\n", err.msg);
	}
	opr_graph_free(g);
}

int main(int argc, char **argv)
{
	static const char *const models[] = {
		"resnet20.onnx", "shufflenetv2_x0_5.onnx", "fmnist_mobilenetv2.onnx",
		"fmnist_vgg16.onnx"
	};
	size_t i;

	if (argc != 2) {
		fprintf(stderr, "usage: train_engine SHARED_MODELS_DIR\n");
		return 2;
	}
	for (i = 0; i < sizeof(models) / sizeof(models[0]); i++)
		test_eval_vs_runtime(argv[1], models[i]);
	test_bn_stats();
	test_batches_threads(argv[1]);
	test_errors();
	if (tc_failures)
		printf("%d check(s) failed\n", tc_failures);
	return tc_failures ? 1 : 0;
}
