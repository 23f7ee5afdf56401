/*
 * cmd_bench.c - `onnx-prune bench MODEL [--batch N] [--threads T]
 * [--reps R] [--json F]`: times forward passes of the runtime on synthetic
 * input and prints the median time per batch, images/s, GFLOP/s (2 x the
 * Conv/Gemm/MatMul MACs of `info` per second) and the process's peak RSS.
 *
 * The runtime is planned once for the batch; a few untimed warm-up runs
 * fault in the workspace and the caches, then R runs are timed one by one
 * and the median is reported (the minimum and mean beside it).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"

#define BENCH_WARMUP_MIN 2	/* untimed runs before timing */
#define BENCH_WARMUP_S 0.3	/* ... or this many seconds, whichever is more */

/* What was measured. */
struct bench_res {
	double med, min, mean;	/* ms per batch */
	double cpu;		/* CPU ms (user + system, all threads) per batch */
	int64_t macs;		/* MACs for one image (info's count) */
	double rss_mb;		/* peak resident set, MiB */
	double ws_mb;		/* runtime workspace, MiB */
};

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Fills n floats with a fixed pseudo-random sequence in [-1, 1). */
static void fill_random(float *x, size_t n)
{
	uint32_t s = 12345u;
	size_t i;

	for (i = 0; i < n; i++) {
		s = s * 1664525u + 1013904223u;
		x[i] = (float)(s >> 8) / 8388608.0f - 1.0f;
	}
}

/* User + system CPU seconds of the process so far. */
static double cpu_s(void)
{
	struct rusage ru;

	if (getrusage(RUSAGE_SELF, &ru))
		return 0;
	return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
	       (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1e-6;
}

/* Peak resident set size of the process in MiB. */
static double peak_rss_mb(void)
{
	struct rusage ru;

	if (getrusage(RUSAGE_SELF, &ru))
		return 0;
	return (double)ru.ru_maxrss / 1024.0;	/* KiB on Linux */
}

/* The inputs and outputs of rt for batch n, with buffers. */
struct bench_io {
	int n_in, n_out;
	const char **in_names, **out_names;
	void **in, **out;
};

static void io_free(struct bench_io *io)
{
	int i;

	for (i = 0; io->in && i < io->n_in; i++)
		free(io->in[i]);
	for (i = 0; io->out && i < io->n_out; i++)
		free(io->out[i]);
	free(io->in);
	free(io->out);
	free(io->in_names);
	free(io->out_names);
}

/*
 * Allocates and fills synthetic inputs (float: pseudo-random, other types:
 * zeros) and output buffers for batch n.  Returns an enum opr_status.
 */
static int io_make(struct opr_rt *rt, int n, struct bench_io *io,
		   struct opr_err *err)
{
	struct opr_rt_info info;
	int i, rc;

	memset(io, 0, sizeof(*io));
	io->n_in = opr_rt_n_inputs(rt);
	io->n_out = opr_rt_n_outputs(rt);
	io->in_names = calloc((size_t)io->n_in + 1, sizeof(char *));
	io->out_names = calloc((size_t)io->n_out + 1, sizeof(char *));
	io->in = calloc((size_t)io->n_in + 1, sizeof(void *));
	io->out = calloc((size_t)io->n_out + 1, sizeof(void *));
	if (!io->in_names || !io->out_names || !io->in || !io->out)
		return opr_errf(err, OPR_ENOMEM, "out of memory");
	for (i = 0; i < io->n_in; i++) {
		if ((rc = opr_rt_input_info(rt, i, n, &info, err)))
			return rc;
		io->in_names[i] = info.name;
		io->in[i] = calloc(1, info.nbytes ? info.nbytes : 1);
		if (!io->in[i])
			return opr_errf(err, OPR_ENOMEM, "out of memory for input "
					"'%s' (%zu bytes)", info.name, info.nbytes);
		if (info.dtype == OPR_DT_FLOAT)
			fill_random(io->in[i], info.nbytes / sizeof(float));
	}
	for (i = 0; i < io->n_out; i++) {
		if ((rc = opr_rt_output_info(rt, i, n, &info, err)))
			return rc;
		io->out_names[i] = info.name;
		io->out[i] = malloc(info.nbytes ? info.nbytes : 1);
		if (!io->out[i])
			return opr_errf(err, OPR_ENOMEM, "out of memory for output "
					"'%s' (%zu bytes)", info.name, info.nbytes);
	}
	return OPR_OK;
}

static int run_once(struct opr_rt *rt, int n, const struct bench_io *io,
		    struct opr_err *err)
{
	return opr_rt_run_named(rt, n, io->n_in, io->in_names,
				(const void *const *)io->in, io->n_out,
				io->out_names, io->out, err);
}

/* Warms up, then times reps runs into r. */
static int time_runs(struct opr_rt *rt, const struct cli_args *a,
		     const struct bench_io *io, struct bench_res *r,
		     struct opr_err *err)
{
	double *t, t0, c0, sum = 0;
	int i, rc = OPR_OK;

	t = calloc((size_t)a->reps, sizeof(double));
	if (!t)
		return opr_errf(err, OPR_ENOMEM, "out of memory");
	t0 = now_s();
	for (i = 0; i < BENCH_WARMUP_MIN || now_s() - t0 < BENCH_WARMUP_S; i++)
		if ((rc = run_once(rt, a->batch, io, err)))
			goto out_free;
	c0 = cpu_s();
	for (i = 0; i < a->reps; i++) {
		t0 = now_s();
		if ((rc = run_once(rt, a->batch, io, err)))
			goto out_free;
		t[i] = (now_s() - t0) * 1e3;
		sum += t[i];
	}
	r->cpu = (cpu_s() - c0) * 1e3 / a->reps;
	qsort(t, (size_t)a->reps, sizeof(double), cmp_double);
	r->min = t[0];
	r->mean = sum / a->reps;
	r->med = a->reps % 2 ? t[a->reps / 2] :
		 (t[a->reps / 2 - 1] + t[a->reps / 2]) / 2;
out_free:
	free(t);
	return rc;
}

struct json_args {
	const struct cli_args *a;
	int threads;
	const struct bench_res *r;
};

static void json_body(FILE *f, const void *arg)
{
	const struct json_args *j = arg;
	const struct cli_args *a = j->a;
	const struct bench_res *r = j->r;
	double ips = a->batch * 1e3 / r->med;

	fprintf(f, "{\"model\": ");
	cli_json_str(f, a->in);
	fprintf(f, ", \"batch\": %d, \"threads\": %d, \"reps\": %d,\n"
		" \"ms_per_batch\": %.4f, \"ms_min\": %.4f, \"ms_mean\": %.4f,\n"
		" \"cpu_ms_per_batch\": %.4f,\n"
		" \"images_per_s\": %.2f, \"macs_per_image\": %lld, "
		"\"gflops\": %.3f,\n \"peak_rss_mb\": %.2f, "
		"\"workspace_mb\": %.2f}\n", a->batch, j->threads, a->reps,
		r->med, r->min, r->mean, r->cpu, ips, (long long)r->macs,
		2.0 * (double)r->macs * ips / 1e9, r->rss_mb, r->ws_mb);
}

/* Writes the JSON to a->json_out through a temporary file renamed into place. */
static int write_json(const struct cli_args *a, int threads,
		      const struct bench_res *r, struct opr_err *err)
{
	struct json_args j = { a, threads, r };

	return cli_write_atomic(a->json_out, "JSON output", json_body, &j, err);
}

int cli_cmd_bench(const struct cli_args *a, struct opr_err *err)
{
	struct opr_graph *g = NULL;
	struct opr_rt *rt = NULL;
	struct opr_model_stats st;
	struct bench_io io;
	struct bench_res r;
	double ips;
	long nc = sysconf(_SC_NPROCESSORS_ONLN);
	int rc, threads = a->threads > 0 ? a->threads : nc > 0 ? (int)nc : 1;

	memset(&io, 0, sizeof(io));
	memset(&r, 0, sizeof(r));
	if ((rc = cli_check_input(a->in, err)) ||
	    (a->json_out && (rc = cli_check_output(a->json_out, "JSON output",
						   a->in, "input model", err))))
		return rc;
	if ((rc = opr_import_file(a->in, &g, err)))
		return rc;
	if ((rc = opr_model_stats(g, &st, err)))
		goto out_free;
	r.macs = st.macs;
	opr_stats_free(&st);
	if ((rc = opr_rt_new(g, a->batch, threads, &rt, err)) ||
	    (rc = io_make(rt, a->batch, &io, err)) ||
	    (rc = time_runs(rt, a, &io, &r, err)))
		goto out_free;
	r.rss_mb = peak_rss_mb();
	r.ws_mb = (double)opr_rt_workspace_bytes(rt) / 1048576.0;
	ips = a->batch * 1e3 / r.med;
	printf("%s: batch %d, %d threads, %d reps: %.3f ms/batch median "
	       "(min %.3f, mean %.3f, CPU %.3f), %.1f images/s, %.2f GFLOP/s, "
	       "peak RSS %.1f MiB, workspace %.1f MiB\n", a->in, a->batch,
	       threads, a->reps, r.med, r.min, r.mean, r.cpu, ips,
	       2.0 * (double)r.macs * ips / 1e9, r.rss_mb, r.ws_mb);
	if (a->json_out)
		rc = write_json(a, threads, &r, err);
out_free:
	io_free(&io);
	opr_rt_free(rt);
	opr_graph_free(g);
	return rc;
}
