/*
 * test_fc3sigma.c - the fc3sigma pass (src/passes/fc3sigma*.c) and sparse
 * initializers (src/importer/import_sparse.c, src/exporter/export_sparse.c).
 *
 * Usage: test_fc3sigma MODELS_DIR WORK_DIR [VGG16.onnx]
 *
 * MODELS_DIR holds what make_models.py wrote; exports go to WORK_DIR
 * (created when missing).
 *
 *   threshold   opr_fc_threshold() on hand-made arrays: exact counts for
 *               both variants, the interval ends, NaN, k monotone
 *   tiny        tiny_fc.onnx (make_models.py): exact zeroed counts, rows
 *               and columns removed, final shapes, masks; the pruned
 *               graph's output equals the thresholded (masked) graph's
 *               under the runtime; opr_fc3sigma_apply_masks(); --exclude
 *   sparse      sparse_ok / sparse_wide*: densified bytes equal the dense
 *               twins; export keeps the imported form when smaller; the
 *               two export forms round-trip bit for bit
 *   vgg16       (when given) k = 1, band: the report, pruned == masked
 *               under the runtime, sparsity, and file sizes dense vs
 *               sparse
 * Exit status 0 when every check passes; each failure is printed.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ir.h"
#include "onnx_prune.h"
#include "passes/fc3sigma.h"

static int failures;

#define CHECK(cond, ...) do {						\
	if (!(cond)) {							\
		failures++;						\
		fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__);	\
		fprintf(stderr, __VA_ARGS__);				\
		fputc('\n', stderr);					\
	}								\
} while (0)

static struct opr_graph *load(const char *dir, const char *name)
{
	struct opr_graph *g = NULL;
	struct opr_err err;
	char path[4096];

	snprintf(path, sizeof(path), "%s%s%s", dir, *name ? "/" : "", name);
	if (opr_import_file(path, &g, &err) != OPR_OK) {
		fprintf(stderr, "FAIL: %s\n", err.msg);
		failures++;
		return NULL;
	}
	return g;
}

/* ---- threshold ---- */

static void test_threshold(void)
{
	float w[11] = { -2, 2, -1, 1, 0, 0, 0, 0, 0, 0, 0 }, v[11];
	float m[5] = { 3, 3, 3, 3, 7 }, x[5], r[1000];
	unsigned char keep[11];
	double mu, sg, lo, hi;
	int64_t z, prev = -1;
	int i, k;

	/* mean 0; population sigma sqrt(10/11) = 0.953: the seven zeros */
	memcpy(v, w, sizeof(w));
	z = opr_fc_threshold(v, 11, OPR_FC_BAND, 1, keep, &mu, &sg, &lo, &hi);
	CHECK(z == 7, "band k=1: %lld zeroed, want 7", (long long)z);
	CHECK(fabs(sg - sqrt(10.0 / 11)) < 1e-12 && mu == 0, "band sigma %g", sg);
	CHECK(keep[0] && keep[3] && !keep[4], "band keep");
	/* sample std sqrt(10/10) = 1, and |w| <= 1 includes +-1: nine */
	memcpy(v, w, sizeof(w));
	z = opr_fc_threshold(v, 11, OPR_FC_SENSITIVITY, 1, keep, &mu, &sg, &lo,
			     &hi);
	CHECK(z == 9 && sg == 1 && lo == -1 && hi == 1,
	      "sensitivity k=1: %lld zeroed (want 9), std %g", (long long)z, sg);
	CHECK(v[2] == 0 && v[3] == 0 && v[0] == -2 && !keep[3] && keep[1],
	      "sensitivity zeroes +-1 and keeps +-2");
	/* A band around the mean differs from one around 0:
	 * mean 3.8, sigma 1.6; band 0.6: |3 - 3.8| = 0.8 < 0.96 */
	memcpy(x, m, sizeof(m));
	z = opr_fc_threshold(x, 5, OPR_FC_BAND, 0.6, NULL, &mu, &sg, &lo, &hi);
	CHECK(z == 4 && fabs(mu - 3.8) < 1e-12 && fabs(sg - 1.6) < 1e-12 &&
	      x[4] == 7 && x[0] == 0, "band around the mean: %lld", (long long)z);
	memcpy(x, m, sizeof(m));
	z = opr_fc_threshold(x, 5, OPR_FC_SENSITIVITY, 0.6, NULL, NULL, NULL,
			     NULL, NULL);
	CHECK(z == 0, "sensitivity 0.6 (t = 1.07 < 3): %lld", (long long)z);
	CHECK(opr_fc_threshold(x, 0, OPR_FC_BAND, 1, NULL, NULL, NULL, NULL,
			       NULL) == 0, "empty");
	/* NaN is never zeroed */
	x[0] = NAN;
	x[1] = 0;
	opr_fc_threshold(x, 2, OPR_FC_SENSITIVITY, 5, NULL, NULL, NULL, NULL,
			 NULL);
	CHECK(isnan(x[0]), "NaN zeroed");
	/* larger k zeroes more */
	for (k = 1; k <= 3; k++) {
		for (i = 0; i < 1000; i++)
			r[i] = (float)sin(i * 12.9898) * (float)(1 + i % 7);
		z = opr_fc_threshold(r, 1000, OPR_FC_BAND, k, NULL, NULL, NULL,
				     NULL, NULL);
		CHECK(z > prev, "k %d: %lld zeroed, not more than %lld", k,
		      (long long)z, (long long)prev);
		prev = z;
	}
	CHECK(opr_fc_variant_parse("sensitivity", &k) == 0 &&
	      k == OPR_FC_SENSITIVITY && opr_fc_variant_parse("mu", &k) < 0 &&
	      strcmp(opr_fc_variant_name(OPR_FC_BAND), "band") == 0, "names");
}

/* ---- runtime comparison ---- */

/* Deterministic inputs in [-2, 2). */
static void fill(float *x, size_t n, unsigned seed)
{
	size_t i;

	for (i = 0; i < n; i++) {
		seed = seed * 1103515245u + 12345u;
		x[i] = (float)((seed >> 8) & 0xffff) / 16384.0f - 2.0f;
	}
}

/* Max |a - b| of the outputs of a and b on batch random images. */
static double max_diff(const struct opr_graph *a, const struct opr_graph *b,
		       int batch)
{
	struct opr_rt *ra = NULL, *rb = NULL;
	struct opr_rt_info ii, oa, ob;
	float *x = NULL, *ya = NULL, *yb = NULL;
	struct opr_err err;
	double d = -1;
	size_t i;

	if (opr_rt_new(a, batch, 1, &ra, &err) || opr_rt_new(b, batch, 1, &rb, &err) ||
	    opr_rt_input_info(ra, 0, batch, &ii, &err) ||
	    opr_rt_output_info(ra, 0, batch, &oa, &err) ||
	    opr_rt_output_info(rb, 0, batch, &ob, &err)) {
		CHECK(0, "runtime: %s", err.msg);
		goto out;
	}
	CHECK(oa.nbytes == ob.nbytes, "output sizes %zu %zu", oa.nbytes, ob.nbytes);
	x = malloc(ii.nbytes);
	ya = malloc(oa.nbytes);
	yb = malloc(oa.nbytes);
	if (!x || !ya || !yb || oa.nbytes != ob.nbytes)
		goto out;
	fill(x, ii.nbytes / 4, 42);
	if (opr_rt_run(ra, x, batch, ya, &err) || opr_rt_run(rb, x, batch, yb, &err)) {
		CHECK(0, "run: %s", err.msg);
		goto out;
	}
	for (i = 0, d = 0; i < oa.nbytes / 4; i++)
		d = fmax(d, fabs((double)ya[i] - yb[i]));
out:
	free(x);
	free(ya);
	free(yb);
	opr_rt_free(ra);
	opr_rt_free(rb);
	return d;
}

/* ---- tiny model ---- */

static const struct opr_fc_layer *layer(const struct opr_fc3sigma_result *r,
					const char *node)
{
	int i;

	for (i = 0; i < r->n_layers; i++)
		if (strcmp(r->layers[i].node, node) == 0)
			return &r->layers[i];
	return NULL;
}

static const struct opr_fc_mask *mask(const struct opr_fc3sigma_result *r,
				      const char *name)
{
	int i;

	for (i = 0; i < r->n_masks; i++)
		if (strcmp(r->masks[i].name, name) == 0)
			return &r->masks[i];
	return NULL;
}

/* Expected per layer: zeroed, rows and columns removed, features after. */
static const struct {
	const char *node;
	int64_t zeroed, rows, cols, out_after, in_after, kept;
	const char *weight;
} tiny_want[] = {
	{ "g1", 14, 3, 0, 5, 6, 28, "W1" },
	{ "m2", 13, 2, 3, 3, 5, 14, "W2" },
	{ "g3", 7, 0, 2, 3, 3, 6, "W3" },
};

static void check_tiny(const struct opr_fc3sigma_result *r)
{
	const struct opr_fc_layer *l;
	const struct opr_fc_mask *m;
	size_t i;

	CHECK(r->n_layers == 3 && r->n_masks == 3, "%d layers, %d masks",
	      r->n_layers, r->n_masks);
	CHECK(r->classes_removed == 5 && r->classes_unused == 2 &&
	      r->classes_const == 3 && r->unfolded == 0,
	      "classes removed %d (unused %d, constant %d), unfolded %d",
	      r->classes_removed, r->classes_unused, r->classes_const,
	      r->unfolded);
	CHECK(r->fc_weights_before == 103 && r->fc_zeroed == 34 &&
	      r->fc_weights_after == 54, "FC weights %lld zeroed %lld after %lld",
	      (long long)r->fc_weights_before, (long long)r->fc_zeroed,
	      (long long)r->fc_weights_after);
	for (i = 0; i < sizeof(tiny_want) / sizeof(tiny_want[0]); i++) {
		l = layer(r, tiny_want[i].node);
		m = mask(r, tiny_want[i].weight);
		if (!l || !m) {
			CHECK(0, "no layer or mask for %s", tiny_want[i].node);
			continue;
		}
		CHECK(l->zeroed == tiny_want[i].zeroed &&
		      l->rows_removed == tiny_want[i].rows &&
		      l->cols_removed == tiny_want[i].cols &&
		      l->out_after == tiny_want[i].out_after &&
		      l->in_after == tiny_want[i].in_after,
		      "%s: zeroed %lld rows- %d cols- %d after %lldx%lld",
		      l->node, (long long)l->zeroed, l->rows_removed,
		      l->cols_removed, (long long)l->out_after,
		      (long long)l->in_after);
		CHECK(m->n == l->out_after * l->in_after &&
		      m->kept == tiny_want[i].kept, "mask %s: %lld of %lld kept",
		      m->name, (long long)m->kept, (long long)m->n);
	}
}

static void test_tiny(const char *dir)
{
	struct opr_fc3sigma_opts o = { 1, OPR_FC_BAND, 0, 0, NULL, NULL };
	struct opr_fc3sigma_result *ra = NULL, *rb = NULL, *rc = NULL, *rd = NULL;
	struct opr_graph *a = load(dir, "tiny_fc.onnx");
	struct opr_graph *b = load(dir, "tiny_fc.onnx");
	struct opr_graph *c = load(dir, "tiny_fc.onnx");
	static const char *const ex[] = { "m2" };
	const struct opr_fc_mask *m;
	struct opr_err err;
	double d;
	float *w;
	int64_t j, zeros = 0;
	int v;

	if (!a || !b || !c)
		goto out;
	/* a: thresholded only (the masked model); b: pruned */
	CHECK(opr_fc3sigma(a, &o, &ra, &err) == OPR_OK, "masked: %s", err.msg);
	o.structural = 1;
	CHECK(opr_fc3sigma(b, &o, &rb, &err) == OPR_OK, "pruned: %s", err.msg);
	if (!ra || !rb)
		goto out;
	CHECK(ra->classes_removed == 0 && ra->fc_weights_after == 103,
	      "masked run removed something");
	check_tiny(rb);
	CHECK(opr_infer_shapes(b, &err) == OPR_OK && opr_graph_verify(b, &err) ==
	      OPR_OK, "pruned graph: %s", err.msg);
	d = max_diff(a, b, 16);
	printf("tiny: pruned vs masked max |diff| %.3g, params %lld -> %lld\n",
	       d, (long long)rb->params_before, (long long)rb->params_after);
	CHECK(d >= 0 && d <= 1e-5, "pruned != masked: %g", d);
	/* masks: refill W1 and re-apply */
	m = mask(rb, "W1");
	v = opr_graph_find_value(b, "W1");
	if (m && v >= 0) {
		w = b->values[v].data;
		for (j = 0; j < m->n; j++)
			w[j] = 1.0f;
		CHECK(opr_fc3sigma_apply_masks(b, rb, &err) == OPR_OK, "%s", err.msg);
		for (j = 0; j < m->n; j++)
			zeros += w[j] == 0;
		CHECK(zeros == m->n - m->kept, "apply_masks: %lld zeros",
		      (long long)zeros);
	}
	/* --exclude m2: two layers, and no group touching m2 changes */
	o.n_exclude = 1;
	o.exclude = ex;
	CHECK(opr_fc3sigma(c, &o, &rc, &err) == OPR_OK, "exclude: %s", err.msg);
	if (rc)
		CHECK(rc->n_layers == 2 && !layer(rc, "m2") &&
		      rc->classes_removed == 0, "exclude: %d layers, %d removed",
		      rc->n_layers, rc->classes_removed);
	o.k = -1;
	CHECK(opr_fc3sigma(c, &o, &rd, &err) == OPR_EUSAGE && !rd,
	      "k -1 accepted");
out:
	opr_fc3sigma_free(ra);
	opr_fc3sigma_free(rb);
	opr_fc3sigma_free(rc);
	opr_graph_free(a);
	opr_graph_free(b);
	opr_graph_free(c);
}

/* ---- sparse ---- */

/* 1 when every initializer of a has the same dims and bytes in b. */
static int same_inits(const struct opr_graph *a, const struct opr_graph *b)
{
	int i, v;

	for (i = 0; i < a->n_inits; i++) {
		const struct opr_value *x = &a->values[a->inits[i]];
		const struct opr_value *y;

		v = opr_graph_find_value(b, x->name);
		if (v < 0)
			return 0;
		y = &b->values[v];
		if (x->rank != y->rank || x->nbytes != y->nbytes ||
		    memcmp(x->dims, y->dims, sizeof(x->dims[0]) * (size_t)x->rank) ||
		    (x->nbytes && memcmp(x->data, y->data, x->nbytes)))
			return 0;
	}
	return a->n_inits > 0;
}

static int sparse_of(const struct opr_graph *g, const char *name)
{
	int v = opr_graph_find_value(g, name);

	return v >= 0 ? g->values[v].is_sparse : -1;
}

/* Writes g with form, reads it back: same data, form kept. */
static void roundtrip_form(const struct opr_graph *g, const char *dir,
			   int form)
{
	struct opr_export_opts eo = { 0, 0, 0, form };
	struct opr_graph *h = NULL;
	struct opr_err err;
	char path[4096];

	snprintf(path, sizeof(path), "%s/form%d.onnx", dir, form);
	CHECK(opr_export_file(g, path, &eo, &err) == OPR_OK, "%s", err.msg);
	h = load(path, "");
	if (h) {
		CHECK(same_inits(g, h) && sparse_of(h, "W") == form,
		      "form %d: data or form (%d) changed", form, sparse_of(h, "W"));
		CHECK(sparse_of(h, "b") == 0, "a dense bias came back sparse");
	}
	opr_graph_free(h);
}

static void test_sparse(const char *dir, const char *tmp)
{
	struct opr_graph *s = load(dir, "sparse_ok.onnx");
	struct opr_graph *d = load(dir, "sparse_ok_dense.onnx");
	struct opr_graph *w = load(dir, "sparse_wide.onnx");
	struct opr_graph *wc = load(dir, "sparse_wide_const.onnx");
	struct opr_graph *wd = load(dir, "sparse_wide_dense.onnx");
	struct opr_graph *h = NULL;
	struct opr_err err;
	void *buf = NULL, *buf2 = NULL;
	size_t len = 0, len2 = 0;

	if (!s || !d || !w || !wc || !wd)
		goto out;
	CHECK(same_inits(d, s) && same_inits(s, d), "sparse_ok != dense twin");
	CHECK(sparse_of(s, "W1") == OPR_SPARSE_INITIALIZER &&
	      sparse_of(s, "b1") == 0, "is_sparse of sparse_ok");
	CHECK(same_inits(wd, w) && same_inits(wd, wc), "sparse_wide != dense");
	CHECK(sparse_of(wc, "W") == OPR_SPARSE_CONSTANT && wc->n_nodes == 1,
	      "Constant sparse_value not an initializer");
	/* the imported form is kept (90 % zero: smaller), bytes stable */
	CHECK(opr_export_mem(w, &buf, &len, &err) == OPR_OK, "%s", err.msg);
	if (buf && opr_import_mem(buf, len, "mem", NULL, &h, &err) == OPR_OK) {
		CHECK(same_inits(wd, h) && sparse_of(h, "W") == 1, "re-import");
		CHECK(opr_export_mem(h, &buf2, &len2, &err) == OPR_OK &&
		      len2 == len && memcmp(buf, buf2, len) == 0,
		      "second export differs");
	} else {
		CHECK(0, "re-import: %s", err.msg);
	}
	/* a sparse_ok weight is 29 % zero: written dense again */
	free(buf);
	buf = NULL;
	opr_graph_free(h);
	h = NULL;
	CHECK(opr_export_mem(s, &buf, &len, &err) == OPR_OK &&
	      opr_import_mem(buf, len, "mem", NULL, &h, &err) == OPR_OK &&
	      sparse_of(h, "W1") == 0 && same_inits(d, h),
	      "sparse_ok not written dense: %s", err.msg);
	roundtrip_form(wd, tmp, OPR_SPARSE_INITIALIZER);
	roundtrip_form(wd, tmp, OPR_SPARSE_CONSTANT);
out:
	free(buf);
	free(buf2);
	opr_graph_free(h);
	opr_graph_free(s);
	opr_graph_free(d);
	opr_graph_free(w);
	opr_graph_free(wc);
	opr_graph_free(wd);
}

/* ---- a real model ---- */

static long file_size(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 ? (long)st.st_size : -1;
}

/* Exports g as dir/name with form; returns the size (-1 on failure). */
static long export_size(const struct opr_graph *g, const char *dir,
			const char *name, int form)
{
	struct opr_export_opts eo = { 0, 0, 0, form };
	struct opr_err err;
	char path[4096];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (opr_export_file(g, path, &eo, &err) != OPR_OK) {
		CHECK(0, "export %s: %s", name, err.msg);
		return -1;
	}
	return file_size(path);
}

static void test_model(const char *path, const char *tmp)
{
	struct opr_fc3sigma_opts o = { 1, OPR_FC_BAND, 0, 0, NULL, NULL };
	struct opr_fc3sigma_result *ra = NULL, *rb = NULL;
	struct opr_graph *a = load(path, ""), *b = load(path, ""), *h = NULL;
	struct opr_err err;
	long dense, sp, sc;
	char p[4096];
	double d, sparsity;

	if (!a || !b)
		goto out;
	CHECK(opr_fc3sigma(a, &o, &ra, &err) == OPR_OK, "%s", err.msg);
	o.structural = 1;
	CHECK(opr_fc3sigma(b, &o, &rb, &err) == OPR_OK, "%s", err.msg);
	if (!ra || !rb)
		goto out;
	opr_fc3sigma_print(stdout, rb);
	d = max_diff(a, b, 8);
	sparsity = (double)rb->fc_zeroed / (double)rb->fc_weights_before;
	printf("%s: pruned vs masked max |diff| %.3g; FC sparsity %.4f\n",
	       path, d, sparsity);
	CHECK(d >= 0 && d <= 1e-4, "pruned != masked: %g", d);
	CHECK(sparsity > 0.5 && sparsity < 0.99, "sparsity %g", sparsity);
	CHECK(rb->params_after <= rb->params_before &&
	      rb->nonzero_params_after < rb->params_after &&
	      rb->fc_nonzero_after <= rb->fc_weights_before - rb->fc_zeroed,
	      "params %lld -> %lld, non-zero %lld; FC non-zero %lld",
	      (long long)rb->params_before, (long long)rb->params_after,
	      (long long)rb->nonzero_params_after,
	      (long long)rb->fc_nonzero_after);
	dense = export_size(b, tmp, "dense.onnx", OPR_SPARSE_NONE);
	sp = export_size(b, tmp, "sparse_init.onnx", OPR_SPARSE_INITIALIZER);
	sc = export_size(b, tmp, "sparse_const.onnx", OPR_SPARSE_CONSTANT);
	printf("%s: file size original %ld, dense %ld, sparse_initializer %ld, "
	       "sparse Constant %ld bytes\n", path, file_size(path), dense, sp, sc);
	CHECK(sp > 0 && sp < dense && sc > 0 && sc < dense, "sparse not smaller");
	snprintf(p, sizeof(p), "%s/sparse_init.onnx", tmp);
	h = load(p, "");
	CHECK(h && same_inits(b, h), "sparse export does not read back equal");
out:
	opr_graph_free(h);
	opr_fc3sigma_free(ra);
	opr_fc3sigma_free(rb);
	opr_graph_free(a);
	opr_graph_free(b);
}

/* mkdir -p path; 0 when it is a directory afterwards. */
static int mkdirs(const char *path)
{
	char buf[4096];
	char *p;

	snprintf(buf, sizeof(buf), "%s", path);
	for (p = buf + 1; *p; p++)
		if (*p == '/') {
			*p = '\0';
			mkdir(buf, 0777);
			*p = '/';
		}
	mkdir(buf, 0777);
	return access(buf, W_OK);
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: test_fc3sigma MODELS_DIR WORK_DIR "
			"[MODEL.onnx]\n");
		return 2;
	}
	if (mkdirs(argv[2])) {
		perror(argv[2]);
		return 2;
	}
	test_threshold();
	test_tiny(argv[1]);
	test_sparse(argv[1], argv[2]);
	if (argc > 3)
		test_model(argv[3], argv[2]);
	printf("%s: %d failure(s)\n", argv[0], failures);
	return failures ? 1 : 0;
}
