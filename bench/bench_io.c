/*
 * bench_io.c - times onnx-prune's import and export of one model.
 *
 *	bench_io MODEL [N [OUT]]
 *
 * Runs N times (default 10): opr_import_file(MODEL), opr_export_mem() and,
 * when OUT is given, opr_export_file(OUT); frees everything each round.
 * Prints one line of key=value pairs: the median and minimum of each step
 * in milliseconds, the first import alone, minor page faults per round,
 * the exported size, and the process's peak RSS (getrusage, which is what
 * /usr/bin/time -v reports as "Maximum resident set size") before the
 * first import and at the end.  bench/import_export.sh builds
 * and runs it next to bench_io.py.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "onnx_prune.h"

#define MAX_ROUNDS 1000

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static long peak_rss_kb(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_maxrss;
}

/* Minor page faults so far: each is a first touch of a fresh page. */
static long minor_faults(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_minflt;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Sorts t[0..n) and returns its median. */
static double median(double *t, int n)
{
	qsort(t, (size_t)n, sizeof(*t), cmp_double);
	return n % 2 ? t[n / 2] : (t[n / 2 - 1] + t[n / 2]) / 2;
}

int main(int argc, char **argv)
{
	static double t_imp[MAX_ROUNDS], t_exp[MAX_ROUNDS], t_file[MAX_ROUNDS];
	const char *model, *out = NULL;
	struct opr_graph *g;
	struct opr_err err;
	size_t len = 0;
	long rss0, flt0;
	double first = 0;
	void *buf;
	int n = 10, i, rc;
	double t0;

	if (argc < 2 || argc > 4) {
		fprintf(stderr, "usage: bench_io MODEL [N [OUT]]\n");
		return 1;
	}
	model = argv[1];
	if (argc > 2)
		n = atoi(argv[2]);
	if (argc > 3)
		out = argv[3];
	if (n < 1 || n > MAX_ROUNDS) {
		fprintf(stderr, "bench_io: N must be 1..%d\n", MAX_ROUNDS);
		return 1;
	}
	rss0 = peak_rss_kb();
	flt0 = minor_faults();
	for (i = 0; i < n; i++) {
		t0 = now_ms();
		rc = opr_import_file(model, &g, &err);
		t_imp[i] = now_ms() - t0;
		if (i == 0)
			first = t_imp[0];
		if (rc != OPR_OK)
			goto fail;
		t0 = now_ms();
		rc = opr_export_mem(g, &buf, &len, &err);
		t_exp[i] = now_ms() - t0;
		if (rc != OPR_OK) {
			opr_graph_free(g);
			goto fail;
		}
		free(buf);
		t_file[i] = 0;
		if (out) {
			t0 = now_ms();
			rc = opr_export_file(g, out, NULL, &err);
			t_file[i] = now_ms() - t0;
		}
		opr_graph_free(g);
		if (rc != OPR_OK)
			goto fail;
	}
	printf("import_ms=%.2f export_ms=%.2f save_ms=%.2f", median(t_imp, n),
	       median(t_exp, n), median(t_file, n));
	/* median() sorted the arrays: [0] is the minimum. */
	printf(" import_min_ms=%.2f export_min_ms=%.2f save_min_ms=%.2f",
	       t_imp[0], t_exp[0], t_file[0]);
	printf(" import_first_ms=%.2f faults_per_round=%ld", first,
	       (minor_faults() - flt0) / n);
	printf(" out_bytes=%zu rss_base_kb=%ld rss_peak_kb=%ld rounds=%d\n",
	       len, rss0, peak_rss_kb(), n);
	return 0;
fail:
	fprintf(stderr, "bench_io: %s\n", err.msg);
	return opr_exit_code(rc);
}
