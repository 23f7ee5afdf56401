/*
 * sgemm_peak.c - the machine's measured sgemm peak: GFLOP/s of a large
 * row-major cblas_sgemm (M = N = K = SIZE) on THREADS OpenBLAS threads,
 * best of REPS runs after one warm-up.  bench/ort_speed.sh builds it
 * against the same OpenBLAS the runtime links (and the same
 * OPENBLAS_CORETYPE from the environment).
 *
 * Usage: sgemm_peak [THREADS [SIZE [REPS]]]   (defaults 2, 3072, 5)
 * Prints "GFLOPS <best> SIZE <n> THREADS <t>".
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <cblas.h>

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

int main(int argc, char **argv)
{
	int t = argc > 1 ? atoi(argv[1]) : 2, n = argc > 2 ? atoi(argv[2]) : 3072;
	int reps = argc > 3 ? atoi(argv[3]) : 5, i;
	float *a, *b, *c;
	double best = 0, t0, dt;

	if (t < 1 || n < 16 || reps < 1) {
		fprintf(stderr, "usage: sgemm_peak [THREADS [SIZE [REPS]]]\n");
		return 2;
	}
	a = malloc((size_t)n * n * sizeof(float));
	b = malloc((size_t)n * n * sizeof(float));
	c = malloc((size_t)n * n * sizeof(float));
	if (!a || !b || !c)
		return 2;
	for (i = 0; i < n * n; i++) {
		a[i] = (float)(i % 7) * 0.25f;
		b[i] = (float)(i % 5) * 0.5f;
		c[i] = 0;
	}
	openblas_set_num_threads(t);
	for (i = -1; i < reps; i++) {
		t0 = now_s();
		cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n,
			    1.0f, a, n, b, n, 0.0f, c, n);
		dt = now_s() - t0;
		if (i >= 0 && 2.0 * n * (double)n * n / dt / 1e9 > best)
			best = 2.0 * n * (double)n * n / dt / 1e9;
	}
	printf("GFLOPS %.1f SIZE %d THREADS %d\n", best, n, t);
	free(a);
	free(b);
	free(c);
	return 0;
}
