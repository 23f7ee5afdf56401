/*
 * ort_dump.c - runs a classifier on a real test set with the runtime and
 * dumps what ort_compare.js needs to check it against ONNX Runtime.
 *
 * Usage: rt_ort_dump MODEL KIND DATA OUT_PREFIX [options]
 *   KIND cifar10: DATA is a CIFAR-10 binary file (records of 1 label byte +
 *        3072 bytes of R, G, B planes, 32x32);
 *   KIND fmnist: DATA is a gzipped IDX image file (t10k-images-idx3-ubyte.gz),
 *        labels are read from the matching -labels-idx1-ubyte.gz.
 *   -n COUNT    images to run (default: all)
 *   -b BATCH    batch size (default 64)
 *   -t THREADS  runtime threads (default: one per CPU)
 *   -m a,b,c    per-channel mean  (default CIFAR 0.485,0.456,0.406,
 *   -s a,b,c    per-channel std    0.229,0.224,0.225; Fashion-MNIST
 *               0.2860 / 0.3530)
 * Writes OUT_PREFIX.input.f32 (the preprocessed NCHW images),
 * OUT_PREFIX.logits.f32 (the runtime's outputs) and OUT_PREFIX.labels.u8,
 * and prints the runtime's speed and top-1 accuracy.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <zlib.h>

#include "onnx_prune.h"

/* A loaded test set: n images of c x h x w floats, preprocessed. */
struct set {
	int n, c, h, w;
	float *x;
	unsigned char *y;
};

static int load_cifar(const char *path, const double *mean, const double *sd,
		      struct set *s)
{
	FILE *f = fopen(path, "rb");
	unsigned char rec[3073];
	long size;
	int i, k;

	if (!f || fseek(f, 0, SEEK_END) || (size = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET)) {
		fprintf(stderr, "cannot read %s\n", path);
		return -1;
	}
	s->n = (int)(size / 3073);
	s->c = 3;
	s->h = s->w = 32;
	s->x = malloc((size_t)s->n * 3072 * sizeof(float));
	s->y = malloc((size_t)s->n);
	if (!s->x || !s->y)
		return -1;
	for (i = 0; i < s->n; i++) {
		if (fread(rec, 1, sizeof(rec), f) != sizeof(rec))
			return -1;
		s->y[i] = rec[0];
		for (k = 0; k < 3072; k++)
			s->x[(size_t)i * 3072 + k] = (float)(
				(rec[1 + k] / 255.0 - mean[k / 1024]) / sd[k / 1024]);
	}
	fclose(f);
	return 0;
}

/* Reads a whole gzipped file into memory. */
static unsigned char *gz_read(const char *path, size_t *len)
{
	gzFile f = gzopen(path, "rb");
	unsigned char *buf = NULL, *nb;
	size_t cap = 0;
	int r;

	*len = 0;
	if (!f)
		return NULL;
	for (;;) {
		if (*len == cap) {
			cap = cap ? 2 * cap : 1 << 20;
			if (!(nb = realloc(buf, cap)))
				break;
			buf = nb;
		}
		r = gzread(f, buf + *len, (unsigned)(cap - *len));
		if (r <= 0)
			break;
		*len += (size_t)r;
	}
	gzclose(f);
	return buf;
}

static uint32_t be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int load_idx(const char *path, double mean, double sd, struct set *s)
{
	char lpath[4096], *p;
	unsigned char *im, *lb;
	size_t il, ll, i, px;

	snprintf(lpath, sizeof(lpath), "%s", path);
	if (!(p = strstr(lpath, "images-idx3")))
		return -1;
	memcpy(p, "labels-idx1", 11);
	im = gz_read(path, &il);
	lb = gz_read(lpath, &ll);
	if (!im || !lb || il < 16 || ll < 8 || be32(im) != 0x803 ||
	    be32(lb) != 0x801) {
		fprintf(stderr, "cannot read %s / %s\n", path, lpath);
		return -1;
	}
	s->n = (int)be32(im + 4);
	s->c = 1;
	s->h = (int)be32(im + 8);
	s->w = (int)be32(im + 12);
	px = (size_t)s->h * s->w;
	if (il < 16 + (size_t)s->n * px || ll < 8 + (size_t)s->n)
		return -1;
	s->x = malloc((size_t)s->n * px * sizeof(float));
	s->y = malloc((size_t)s->n);
	if (!s->x || !s->y)
		return -1;
	for (i = 0; i < (size_t)s->n * px; i++)
		s->x[i] = (float)((im[16 + i] / 255.0 - mean) / sd);
	memcpy(s->y, lb + 8, (size_t)s->n);
	free(im);
	free(lb);
	return 0;
}

static int write_file(const char *prefix, const char *ext, const void *p,
		      size_t n)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s.%s", prefix, ext);
	f = fopen(path, "wb");
	if (!f || fwrite(p, 1, n, f) != n || fclose(f)) {
		fprintf(stderr, "cannot write %s\n", path);
		return -1;
	}
	return 0;
}

static void parse3(const char *s, double *v)
{
	sscanf(s, "%lf,%lf,%lf", &v[0], &v[1], &v[2]);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

int main(int argc, char **argv)
{
	double mean[3] = { 0.485, 0.456, 0.406 }, sd[3] = { 0.229, 0.224, 0.225 };
	int count = -1, batch = 64, threads = 0, i, nc = 0, correct = 0, fm;
	struct opr_graph *g = NULL;
	struct opr_rt *rt = NULL;
	struct opr_rt_info oi;
	struct opr_err err;
	struct set s;
	size_t img;
	float *logits;
	double t0, t1;

	if (argc < 5) {
		fprintf(stderr, "usage: rt_ort_dump MODEL cifar10|fmnist DATA "
			"OUT_PREFIX [-n N] [-b B] [-t T] [-m a,b,c] [-s a,b,c]\n");
		return 2;
	}
	fm = !strcmp(argv[2], "fmnist");
	if (fm) {
		mean[0] = 0.2860;
		sd[0] = 0.3530;
	}
	for (i = 5; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "-n"))
			count = atoi(argv[i + 1]);
		else if (!strcmp(argv[i], "-b"))
			batch = atoi(argv[i + 1]);
		else if (!strcmp(argv[i], "-t"))
			threads = atoi(argv[i + 1]);
		else if (!strcmp(argv[i], "-m"))
			parse3(argv[i + 1], mean);
		else if (!strcmp(argv[i], "-s"))
			parse3(argv[i + 1], sd);
	}
	memset(&s, 0, sizeof(s));
	if (fm ? load_idx(argv[3], mean[0], sd[0], &s) :
	    load_cifar(argv[3], mean, sd, &s))
		return 2;
	if (count < 0 || count > s.n)
		count = s.n;
	if (batch < 1)
		batch = 1;
	if (opr_import_file(argv[1], &g, &err) ||
	    opr_rt_new(g, batch, threads, &rt, &err) ||
	    opr_rt_output_info(rt, 0, 1, &oi, &err)) {
		fprintf(stderr, "%s\n", err.msg);
		return 2;
	}
	nc = (int)(oi.nbytes / sizeof(float));
	img = (size_t)s.c * s.h * s.w;
	logits = malloc((size_t)count * nc * sizeof(float));
	if (!logits)
		return 2;
	t0 = now();
	for (i = 0; i < count; i += batch) {
		int n = count - i < batch ? count - i : batch;

		if (opr_rt_run(rt, s.x + (size_t)i * img, n,
			       logits + (size_t)i * nc, &err)) {
			fprintf(stderr, "%s\n", err.msg);
			return 1;
		}
	}
	t1 = now();
	for (i = 0; i < count; i++) {
		int k, best = 0;

		for (k = 1; k < nc; k++)
			if (logits[(size_t)i * nc + k] > logits[(size_t)i * nc + best])
				best = k;
		correct += best == s.y[i];
	}
	printf("%s: %d images, batch %d: %.1f images/s, top-1 %.2f %%, "
	       "workspace %.1f MiB\n", argv[1], count, batch,
	       count / (t1 - t0), 100.0 * correct / count,
	       opr_rt_workspace_bytes(rt) / 1048576.0);
	if (write_file(argv[4], "input.f32", s.x, (size_t)count * img * 4) ||
	    write_file(argv[4], "logits.f32", logits, (size_t)count * nc * 4) ||
	    write_file(argv[4], "labels.u8", s.y, (size_t)count))
		return 2;
	opr_rt_free(rt);
	opr_graph_free(g);
	free(logits);
	free(s.x);
	free(s.y);
	return 0;
}
