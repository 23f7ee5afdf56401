/*
 * train_bench.c - training throughput of the engine: images per second of
 * one training step, opr_train_step() (forward, softmax cross-entropy,
 * backward) and opr_sgd_step() (SGD, Nesterov momentum 0.9, weight decay
 * 5e-4, over every trainable tensor, as finetune does) on random inputs
 * and labels, median of the timed rounds after warm-up,
 * in wall time and per CPU-second of the process (which, at one thread,
 * other work on the machine hardly changes).
 * bench/train_speed.sh runs it next to PyTorch.
 *
 * Usage: train_bench MODEL BATCH THREADS [ROUNDS [STEPS]]
 * Prints "train MODEL batch B threads T: X img/s (median of R rounds of S
 * steps; min Y, max Z; C img per CPU-second; ...)".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "onnx_prune.h"
#include "train/sgd.h"
#include "train/train.h"

static double clock_s(clockid_t c)
{
	struct timespec ts;

	clock_gettime(c, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* An SGD (Nesterov 0.9, wd 5e-4) over every trainable tensor of t. */
static struct opr_sgd *make_sgd(struct opr_train *t, struct opr_err *err)
{
	struct opr_sgd_opts so;
	struct opr_sgd *sgd = NULL;
	int i;

	memset(&so, 0, sizeof(so));
	so.momentum = 0.9;
	so.nesterov = 1;
	so.weight_decay = 5e-4;
	if (opr_sgd_new(&so, &sgd, err))
		return NULL;
	for (i = 0; i < opr_train_n_tensors(t); i++) {
		const struct opr_train_tensor *tt = opr_train_tensor(t, i);

		if (tt->trainable && opr_sgd_add(sgd, tt->data, tt->grad,
						 (size_t)tt->numel, 0, err)) {
			opr_sgd_free(sgd);
			return NULL;
		}
	}
	return sgd;
}

/* One step: forward, loss, backward, update. */
static int step(struct opr_train *t, struct opr_sgd *sgd, const float *x,
		const int *lab, int batch, struct opr_err *err)
{
	float loss;

	if (opr_train_step(t, x, lab, batch, &loss, err))
		return -1;
	return opr_sgd_step(sgd, 0.01, err) ? -1 : 0;
}

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	struct opr_graph *g = NULL;
	struct opr_train *t = NULL;
	struct opr_sgd *sgd = NULL;
	struct opr_err err;
	int batch, threads, rounds = 5, steps = 3, r, s, i, *lab;
	const struct opr_value *in;
	double *ips, *cps;
	int64_t m = 1;
	unsigned seed = 1;
	float *x;

	if (argc < 4) {
		fprintf(stderr, "usage: train_bench MODEL BATCH THREADS [ROUNDS "
			"[STEPS]]\n");
		return 1;
	}
	batch = atoi(argv[2]);
	threads = atoi(argv[3]);
	if (argc > 4)
		rounds = atoi(argv[4]);
	if (argc > 5)
		steps = atoi(argv[5]);
	if (batch < 1 || rounds < 1 || steps < 1) {
		fprintf(stderr, "train_bench: bad arguments\n");
		return 1;
	}
	if (opr_import_file(argv[1], &g, &err) ||
	    opr_train_new(g, batch, threads, 0, &t, &err) ||
	    !(sgd = make_sgd(t, &err))) {
		fprintf(stderr, "train_bench: %s\n", err.msg);
		opr_train_free(t);
		opr_graph_free(g);
		return 2;
	}
	in = &g->values[g->inputs[0]];
	for (i = 0; i < in->rank; i++)
		m *= in->dims[i] < 0 ? batch : in->dims[i];
	x = malloc((size_t)m * sizeof(float));
	lab = malloc((size_t)batch * sizeof(int));
	ips = malloc((size_t)rounds * sizeof(double));
	cps = malloc((size_t)rounds * sizeof(double));
	for (i = 0; i < m; i++) {
		seed = seed * 1664525u + 1013904223u;
		x[i] = (float)((seed >> 8) & 0xffff) / 32768.0f - 1.0f;
	}
	for (i = 0; i < batch; i++)
		lab[i] = i % 10;
	for (s = 0; s < 2; s++)		/* warm-up */
		if (step(t, sgd, x, lab, batch, &err)) {
			fprintf(stderr, "train_bench: %s\n", err.msg);
			return 3;
		}
	for (r = 0; r < rounds; r++) {
		double t0 = clock_s(CLOCK_MONOTONIC);
		double c0 = clock_s(CLOCK_PROCESS_CPUTIME_ID);

		for (s = 0; s < steps; s++)
			if (step(t, sgd, x, lab, batch, &err)) {
				fprintf(stderr, "train_bench: %s\n", err.msg);
				return 3;
			}
		ips[r] = batch * steps / (clock_s(CLOCK_MONOTONIC) - t0);
		cps[r] = batch * steps / (clock_s(CLOCK_PROCESS_CPUTIME_ID) - c0);
	}
	qsort(ips, (size_t)rounds, sizeof(double), cmp_d);
	qsort(cps, (size_t)rounds, sizeof(double), cmp_d);
	printf("train %s batch %d threads %d: %.1f img/s (median of %d rounds of "
	       "%d steps; min %.1f, max %.1f; %.1f img per CPU-second; "
	       "workspace %.0f MiB)\n",
	       strrchr(argv[1], '/') ? strrchr(argv[1], '/') + 1 : argv[1], batch,
	       opr_train_threads(t), ips[rounds / 2], rounds, steps, ips[0],
	       ips[rounds - 1], cps[rounds / 2],
	       opr_train_workspace_bytes(t) / 1048576.0);
	free(ips);
	free(cps);
	free(lab);
	free(x);
	opr_sgd_free(sgd);
	opr_train_free(t);
	opr_graph_free(g);
	return 0;
}
