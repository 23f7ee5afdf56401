/*
 * cmd_eval.c - `onnx-prune eval MODEL --data KIND:PATH [--mean M]
 * [--std S] [--batch N] [--threads T] [--limit N] [--json F|-]`: runs the
 * model with the float32 runtime on the test split of an image data set
 * and reports top-1, top-5 (when there are 5 classes or more), the mean
 * softmax cross-entropy loss and images/s.
 *
 * The model must have one float NCHW input with static C, H, W and give
 * one row of logits per image in its first output.  The data must match:
 * same channels and size (PNG folders are opened at the model's size, and
 * gray/RGB is converted for them).  Mean and std come from the options,
 * else the model's metadata_props, else 0 and 1 (with a warning).
 *
 * Timing covers filling the batches and running them, not loading.  A
 * progress bar is drawn on stderr when it is a terminal.  --json writes
 * through a temporary file that is renamed into place; "-" writes the JSON
 * to stdout instead of the text.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/cli.h"
#include "cli/progress.h"
#include "data/preprocess_meta.h"

/* The model's image input and logits output. */
struct eval_model {
	const char *in_name;	/* input value name (g's) */
	const char *out_name;	/* first output's name (g's) */
	int c, h, w;		/* static input channels, height, width */
	int classes;		/* logits per image */
};

/* What one evaluation measured. */
struct eval_res {
	long n;			/* images evaluated */
	long top1, top5;	/* images whose label ranked first / in the top 5 */
	double loss;		/* summed cross-entropy, nats */
	double secs;		/* wall time of fill + run */
	int batch;		/* images per run */
	int threads;		/* runtime threads */
};

/* Finds the one float NCHW input with static C, H, W, and the output. */
static int find_io(const struct opr_graph *g, struct eval_model *m,
		   struct opr_err *err)
{
	const struct opr_value *v = NULL;
	const char *path = g->path ? g->path : "model";
	int i, n = 0;

	for (i = 0; i < g->n_inputs; i++) {
		if (g->values[g->inputs[i]].is_initializer)
			continue;
		v = &g->values[g->inputs[i]];
		n++;
	}
	if (n != 1)
		return opr_errf(err, OPR_EUNSUPPORTED, "%s: the model has %d "
				"inputs; eval needs one image input", path, n);
	if (g->n_outputs < 1)
		return opr_errf(err, OPR_EINVAL, "%s: the model has no output", path);
	if (v->dtype != OPR_DT_FLOAT)
		return opr_errf(err, OPR_EUNSUPPORTED, "%s: input '%s' is not "
				"float32; eval feeds float images", path, v->name);
	if (v->rank != 4)
		return opr_errf(err, OPR_ESHAPE, "%s: input '%s' has rank %d; eval "
				"needs an NCHW image input (rank 4)", path, v->name,
				v->rank);
	if (v->dims[1] < 1 || v->dims[2] < 1 || v->dims[3] < 1 ||
	    v->dims[1] > OPR_PRE_MAX_CH || v->dims[2] > 65536 || v->dims[3] > 65536)
		return opr_errf(err, OPR_EUNSUPPORTED, "%s: input '%s' needs static "
				"channels (1..%d), height and width for eval", path,
				v->name, OPR_PRE_MAX_CH);
	m->in_name = v->name;
	m->out_name = g->values[g->outputs[0]].name;
	m->c = (int)v->dims[1];
	m->h = (int)v->dims[2];
	m->w = (int)v->dims[3];
	return OPR_OK;
}

int cli_open_data(const char *spec, int split, const char *model, int c,
		  int h, int w, struct opr_dataset **ds, struct opr_err *err)
{
	int png = strncmp(spec, "png:", 4) == 0, rc;
	const struct opr_dataset *d;

	rc = png ? opr_dataset_open_sized(spec, split, h, w, ds, err)
		 : opr_dataset_open(spec, split, ds, err);
	if (rc != OPR_OK)
		return rc;
	d = *ds;
	if (d->n < 1)
		return opr_errf(err, OPR_EPARSE, "%s: no %s images", spec,
				split == OPR_SPLIT_TEST ? "test" : "training");
	if ((d->c != c && !(png && (d->c == 1 || d->c == 3) &&
			    (c == 1 || c == 3))) ||
	    d->h != h || d->w != w)
		return opr_errf(err, OPR_ESHAPE, "%s: the input takes %dx%dx%d "
				"images (CxHxW) but %s holds %dx%dx%d images",
				model, c, h, w, spec, d->c, d->h, d->w);
	return OPR_OK;
}

/* Opens the test split (PNG at the model's size) and checks it fits. */
static int open_data(const struct cli_args *a, const struct eval_model *m,
		     struct opr_dataset **ds, struct opr_err *err)
{
	return cli_open_data(a->data, OPR_SPLIT_TEST, a->in, m->c, m->h, m->w,
			     ds, err);
}

/*
 * Reads the logits count from the runtime and checks it against ds (model
 * and data name them in messages).
 */
static int check_output(struct opr_rt *rt, int batch, struct eval_model *m,
			const char *model, const char *data,
			const struct opr_dataset *ds, struct opr_err *err)
{
	struct opr_rt_info info;
	size_t numel;
	int rc;

	if ((rc = opr_rt_output_info(rt, 0, batch, &info, err)))
		return rc;
	numel = info.nbytes / sizeof(float);
	if (info.dtype != OPR_DT_FLOAT || info.rank < 2 || info.dims[0] != batch ||
	    numel % (size_t)batch != 0 || numel / (size_t)batch > (1u << 24))
		return opr_errf(err, OPR_EUNSUPPORTED, "%s: output '%s' is not one "
				"row of float logits per image", model, m->out_name);
	m->classes = (int)(numel / (size_t)batch);
	if (m->classes < ds->n_classes)
		return opr_errf(err, OPR_ESHAPE, "%s: output '%s' gives %d classes "
				"but %s has %d", model, m->out_name, m->classes,
				data, ds->n_classes);
	return OPR_OK;
}

/*
 * Scores n rows of logits (classes each) against labels: rank of the
 * label (ties go to the lower class index, as argmax does) and the
 * softmax cross-entropy, in double.  A non-finite logit of the label
 * counts as wrong.
 */
static void score(const float *logits, int n, int classes, const int *labels,
		  struct eval_res *r)
{
	int i, j, rank;

	for (i = 0; i < n; i++) {
		const float *x = logits + (size_t)i * (size_t)classes;
		int y = labels[i];
		double mx = x[0], sum = 0.0;

		for (j = 1; j < classes; j++)
			if (x[j] > mx)
				mx = x[j];
		for (j = 0; j < classes; j++)
			sum += exp((double)x[j] - mx);
		r->loss += mx + log(sum) - (double)x[y];
		rank = isfinite(x[y]) ? 0 : classes;
		for (j = 0; j < classes && rank < 5; j++)
			if (x[j] > x[y] || (j < y && x[j] == x[y]))
				rank++;
		r->top1 += rank == 0;
		r->top5 += rank < 5;
	}
}

/* Runs the n images of ds through rt in batches, scoring each. */
static int run_eval(struct opr_rt *rt, const struct opr_dataset *ds, long n,
		    const struct eval_model *m, const struct opr_preprocess *pre,
		    struct eval_res *r, struct opr_err *err)
{
	size_t in_len = (size_t)r->batch * (size_t)m->c * (size_t)m->h * (size_t)m->w;
	float *in = malloc(in_len * sizeof(float));
	float *out = malloc((size_t)r->batch * (size_t)m->classes * sizeof(float));
	int *idx = malloc((size_t)r->batch * sizeof(int));
	struct cli_progress pb;
	const void *ins[1];
	void *outs[1];
	long done;
	int k, cnt, rc = OPR_OK;
	double t0;

	if (!in || !out || !idx) {
		rc = opr_errf(err, OPR_ENOMEM, "out of memory for a batch of %d",
			      r->batch);
		goto out;
	}
	ins[0] = in;
	outs[0] = out;
	cli_progress_start(&pb, stderr, "eval", n);
	t0 = cli_now();
	for (done = 0; done < n; done += cnt) {
		cnt = n - done < r->batch ? (int)(n - done) : r->batch;
		for (k = 0; k < cnt; k++)
			idx[k] = (int)(done + k);
		rc = opr_dataset_fill(ds, idx, cnt, pre->mean, pre->std, m->c,
				      m->h, m->w, in, err);
		if (rc == OPR_OK)
			rc = opr_rt_run_named(rt, cnt, 1, &m->in_name, ins, 1,
					      &m->out_name, outs, err);
		if (rc != OPR_OK)
			break;
		score(out, cnt, m->classes, ds->labels + done, r);
		r->n = done + cnt;
		cli_progress_update(&pb, r->n);
	}
	r->secs = cli_now() - t0;
	cli_progress_end(&pb, r->n);
out:
	free(in);
	free(out);
	free(idx);
	return rc;
}

/*
 * Plans a runtime for g at r->batch images on r->threads threads, checks
 * its output against ds (named data) and runs the first n images of ds
 * through it into *r (m: g's input and output, found by find_io()).
 */
static int evaluate(const struct opr_graph *g, const char *model,
		    const char *data, const struct opr_dataset *ds,
		    const struct opr_preprocess *pre, long n,
		    struct eval_model *m, struct eval_res *r,
		    struct opr_err *err)
{
	struct opr_rt *rt = NULL;
	int rc;

	if ((rc = opr_rt_new(g, r->batch, r->threads, &rt, err)) == OPR_OK &&
	    (rc = check_output(rt, r->batch, m, model, data, ds, err)) == OPR_OK)
		rc = run_eval(rt, ds, n, m, pre, r, err);
	opr_rt_free(rt);
	return rc;
}

/* list[0..c-1] as a JSON array into f, each value in its shortest form. */
static void json_list(FILE *f, const float *list, int c)
{
	char buf[OPR_PRE_MAX_CH * 20];

	fprintf(f, "[%s]", opr_pre_format(list, c, buf, sizeof(buf)));
}

/* Writes the results as one JSON object to f. */
static void json_body(FILE *f, const struct cli_args *a,
		      const struct eval_model *m,
		      const struct opr_preprocess *pre, const struct eval_res *r)
{
	fprintf(f, "{\"model\": ");
	cli_json_str(f, a->in);
	fprintf(f, ",\n \"data\": ");
	cli_json_str(f, a->data);
	fprintf(f, ",\n \"split\": \"test\",\n \"images\": %ld,\n \"classes\": %d,"
		"\n \"top1\": %.4f,\n \"top1_correct\": %ld,\n \"top5\": ", r->n,
		m->classes, 100.0 * (double)r->top1 / (double)r->n, r->top1);
	if (m->classes >= 5)
		fprintf(f, "%.4f", 100.0 * (double)r->top5 / (double)r->n);
	else
		fprintf(f, "null");
	fprintf(f, ",\n \"loss\": ");
	if (isfinite(r->loss))
		fprintf(f, "%.6f", r->loss / (double)r->n);
	else
		fprintf(f, "null");
	fprintf(f, ",\n \"images_per_s\": %.1f,\n \"seconds\": %.3f,\n"
		" \"batch\": %d,\n \"threads\": %d,\n \"mean\": ",
		r->secs > 0.0 ? (double)r->n / r->secs : 0.0, r->secs, r->batch,
		r->threads);
	json_list(f, pre->mean, pre->c);
	fprintf(f, ",\n \"std\": ");
	json_list(f, pre->std, pre->c);
	fprintf(f, "}\n");
}

struct json_args {
	const struct cli_args *a;
	const struct eval_model *m;
	const struct opr_preprocess *pre;
	const struct eval_res *r;
};

static void json_file(FILE *f, const void *arg)
{
	const struct json_args *j = arg;

	json_body(f, j->a, j->m, j->pre, j->r);
}

/* Writes the JSON to a->json_out through a temporary file renamed into place. */
static int write_json(const struct cli_args *a, const struct eval_model *m,
		      const struct opr_preprocess *pre, const struct eval_res *r,
		      struct opr_err *err)
{
	struct json_args j = { a, m, pre, r };

	return cli_write_atomic(a->json_out, "JSON output", json_file, &j, err);
}

/* Prints the results as text to stdout. */
static void print_text(const struct cli_args *a, const struct eval_model *m,
		       const struct opr_preprocess *pre, const struct eval_res *r)
{
	static const char *const src[] = {
		[OPR_PRE_DEFAULT] = "default", [OPR_PRE_FLAG] = "option",
		[OPR_PRE_META] = "model metadata",
	};
	char mean[OPR_PRE_MAX_CH * 20], std[OPR_PRE_MAX_CH * 20];

	printf("model      %s\n", a->in);
	printf("data       %s (test split, %ld images, %d classes)\n", a->data,
	       r->n, m->classes);
	printf("mean/std   %s (%s) / %s (%s)\n",
	       opr_pre_format(pre->mean, pre->c, mean, sizeof(mean)),
	       src[pre->mean_src],
	       opr_pre_format(pre->std, pre->c, std, sizeof(std)),
	       src[pre->std_src]);
	printf("top-1      %.2f %% (%ld/%ld)\n",
	       100.0 * (double)r->top1 / (double)r->n, r->top1, r->n);
	if (m->classes >= 5)
		printf("top-5      %.2f %% (%ld/%ld)\n",
		       100.0 * (double)r->top5 / (double)r->n, r->top5, r->n);
	printf("loss       %.4f\n", r->loss / (double)r->n);
	printf("images/s   %.1f (batch %d, %d thread%s, %.2f s)\n",
	       r->secs > 0.0 ? (double)r->n / r->secs : 0.0, r->batch,
	       r->threads, r->threads == 1 ? "" : "s", r->secs);
}

void cli_warn_defaults(const char *model, const struct opr_preprocess *pre)
{
	int m = pre->mean_src == OPR_PRE_DEFAULT, s = pre->std_src == OPR_PRE_DEFAULT;

	if (!m && !s)
		return;
	fprintf(stderr, "onnx-prune: warning: %s%s%s not given and not in the "
		"metadata of %s; using%s%s\n", m ? "--mean" : "", m && s ? "/" : "",
		s ? "--std" : "", model, m ? " mean 0" : "", s ? " std 1" : "");
}

/* Checks the paths, before any work. */
static int check_paths(const struct cli_args *a, struct opr_err *err)
{
	int rc;

	if (!a->data)
		return opr_errf(err, OPR_EUSAGE, "eval: --data KIND:PATH is "
				"required (see onnx-prune --help)");
	if ((rc = cli_check_input(a->in, err)))
		return rc;
	if (a->json_out && strcmp(a->json_out, "-") != 0)
		return cli_check_output(a->json_out, "JSON output", a->in,
					"input model", err);
	return OPR_OK;
}

int cli_eval_input(const struct opr_graph *g, struct cli_eval_sum *s,
		   struct opr_err *err)
{
	struct eval_model m;
	int rc;

	memset(&m, 0, sizeof(m));
	if ((rc = find_io(g, &m, err)))
		return rc;
	s->c = m.c;
	s->h = m.h;
	s->w = m.w;
	return OPR_OK;
}

int cli_eval_graph(const struct opr_graph *g, const char *model,
		   const struct opr_dataset *ds, const struct opr_preprocess *pre,
		   int batch, int threads, long limit, struct cli_eval_sum *s,
		   struct opr_err *err)
{
	struct eval_model m;
	struct eval_res r;
	long n = limit > 0 && limit < ds->n ? limit : ds->n;
	int rc;

	memset(&m, 0, sizeof(m));
	memset(&r, 0, sizeof(r));
	r.batch = batch < n ? batch : (int)n;
	r.threads = threads;
	if ((rc = find_io(g, &m, err)) ||
	    (rc = evaluate(g, model, ds->source, ds, pre, n, &m, &r, err)))
		return rc;
	s->n = r.n;
	s->top1 = r.top1;
	s->loss = r.n ? r.loss / (double)r.n : NAN;
	s->c = m.c;
	s->h = m.h;
	s->w = m.w;
	return OPR_OK;
}

int cli_cmd_eval(const struct cli_args *a, struct opr_err *err)
{
	struct opr_graph *g = NULL;
	struct opr_dataset *ds = NULL;
	struct opr_preprocess pre;
	struct eval_model m;
	struct eval_res r;
	long n;
	int rc;

	memset(&m, 0, sizeof(m));
	memset(&r, 0, sizeof(r));
	if ((rc = check_paths(a, err)))
		return rc;
	if ((rc = opr_import_file(a->in, &g, err)))
		return rc;
	if ((rc = find_io(g, &m, err)) ||
	    (rc = opr_pre_resolve(g, a->mean, a->std, m.c, &pre, err)))
		goto out;
	if ((rc = open_data(a, &m, &ds, err)))
		goto out;
	cli_warn_defaults(a->in, &pre);
	n = a->limit > 0 && a->limit < ds->n ? a->limit : ds->n;
	r.batch = a->batch < n ? a->batch : (int)n;
	r.threads = cli_threads(a);
	if ((rc = evaluate(g, a->in, a->data, ds, &pre, n, &m, &r, err)))
		goto out;
	if (!a->json_out || strcmp(a->json_out, "-") != 0)
		print_text(a, &m, &pre, &r);
	if (a->json_out && strcmp(a->json_out, "-") == 0)
		json_body(stdout, a, &m, &pre, &r);
	else if (a->json_out)
		rc = write_json(a, &m, &pre, &r, err);
out:
	opr_dataset_free(ds);
	opr_graph_free(g);
	return rc;
}
