/*
 * test_grad_models.c - whole-model gradient checks on shared models, batch
 * 2, softmax cross-entropy: the engine's gradients (1 and 3 threads) of
 * the input and of a spread subset of the trainable tensors, a few
 * coordinates each, against central differences of the double reference
 * (tcheck.h).  fmnist_resnet20 is shrunk to 12x12 inputs (its shapes are
 * re-inferred; nothing in it depends on the size) so the reference runs
 * fast; shufflenetv2_x0_5 keeps 32x32 (its Reshapes hold the sizes) and
 * fewer tensors are checked.  Under AddressSanitizer fewer still.
 *
 * Usage: train_grad_models SHARED_MODELS_DIR.  Exit 1 if a check failed.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "onnx_prune.h"
#include "tcheck.h"

#if defined(__SANITIZE_ADDRESS__)
#define SLOW 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SLOW 1
#endif
#endif
#ifndef SLOW
#define SLOW 0
#endif

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

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

/* Sets input 0 to [N, c, h, w] and re-infers the shapes. */
static int shrink(struct opr_graph *g, int64_t h, int64_t w)
{
	struct opr_value *v = &g->values[g->inputs[0]];
	struct opr_err err;

	v->dims[2] = h;
	v->dims[3] = w;
	if (opr_infer_shapes(g, &err) != OPR_OK) {
		TC_CHECK(0, "re-inferring shapes: %s", err.msg);
		return -1;
	}
	return 0;
}

static void model_case(const char *dir, const char *file, const char *name,
		       int64_t h, int tensors, int coords, double tol)
{
	static const int labels[2] = { 3, 7 };
	struct opr_graph *g = load(dir, file);
	const struct opr_value *in;
	struct tc_case c = { 0 };
	unsigned seed = 17;
	int64_t m, i;
	double t0 = now_s(), e;
	float *x;

	if (!g)
		return;
	if (h && shrink(g, h, h)) {
		opr_graph_free(g);
		return;
	}
	in = &g->values[g->inputs[0]];
	m = 2 * in->dims[1] * in->dims[2] * in->dims[3];
	x = TC_NEED(malloc((size_t)m * sizeof(float)), "out of memory");
	for (i = 0; i < m; i++)
		x[i] = 1.5f * tc_rand(&seed);
	c.name = name;
	c.g = g;
	c.n = 2;
	c.x = x;
	c.labels = labels;
	c.max_coords = coords;
	c.max_tensors = tensors;
	c.input_coords = 6;
	c.tol = tol;
	c.threads[0] = 1;
	c.threads[1] = 3;
	c.seed = 5;
	e = tc_run(&c);
	tc_note(name, e);
	printf("%s: %.1f s\n", name, now_s() - t0);
	free(x);
	opr_graph_free(g);
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: train_grad_models SHARED_MODELS_DIR\n");
		return 2;
	}
	model_case(argv[1], "fmnist_resnet20.onnx", "fmnist_resnet20@12x12", 12,
		   SLOW ? 12 : 30, SLOW ? 1 : 2, 1e-2);
	model_case(argv[1], "shufflenetv2_x0_5.onnx", "shufflenetv2_x0_5", 0,
		   SLOW ? 8 : 24, 1, 1e-2);
	tc_print_notes();
	if (tc_failures)
		printf("%d check(s) failed\n", tc_failures);
	return tc_failures ? 1 : 0;
}
