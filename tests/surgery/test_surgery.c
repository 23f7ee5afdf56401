/*
 * test_surgery.c - the channel surgery (src/passes/surgery*.c, mask.c)
 * against its masked equivalent, on every model named.
 *
 * Usage: test_surgery [-s SEEDS] [-e DIR [-k N]] MODEL.onnx...
 *
 * Per model: the selection rules (a frozen group, a group emptied, a
 * grouped conv losing unequal counts are refused, naming the group); then
 * SEEDS selections (default 20, or $OPR_SURGERY_SEEDS): seed 0 removes
 * nothing (the pruned output must be bit-identical to the original's),
 * seed 1 leaves one channel in every group, the others draw a random share
 * of random groups.  Each builds a masked copy (opr_prune_mask) and a
 * pruned copy (opr_prune_remove), runs both through the runtime on the
 * same random batch of 2 and wants max |pruned - masked| <= 1e-4 * max(1,
 * max |masked|), fewer params and MACs, a pruned graph that the analysis
 * accepts again and that survives export and import.  Folding: the
 * filters (weights only) of a selection of groups whose consumers fold
 * exactly are zeroed in the original, and the pruned model must equal that
 * zeroed, unmasked model with no constant left unfolded; a selection of
 * the other groups reports how many constants could not be folded.
 * Models the runtime cannot run (an op it lacks) get every structural
 * check but no comparison.
 *
 * -e DIR writes, for N (default 2) random seeds per model, the pruned,
 * masked and pruned-after-mask models, the input and the runtime's output
 * of the pruned model, and a line per seed in DIR/manifest.txt, for
 * ort_check.py.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "surg_testlib.h"

#define BATCH 2
#define TOL 1e-4

static int n_failed;

/* Per-model results for the summary line. */
struct res {
	int seeds;		/* selections pruned */
	int runs;		/* pruned vs masked compared */
	double worst;		/* its worst max abs diff / max(1, scale) */
	int runs_m;		/* pruned(masked) vs masked compared */
	double worst_m;
	int mask_folded;	/* constants the mask left, folded */
	int skipped;		/* seeds where pruned vs masked cannot hold */
	int reruns;		/* second surgeries on a pruned model compared */
	int folded, unfolded;	/* summed over the folding selections */
	int fold_runs;		/* foldable selections compared */
	double fold_worst;
	int unf_sel;		/* unfoldable selections pruned */
};

static void fail(const char *model, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void fail(const char *model, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "FAIL %s: ", model);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	n_failed++;
}

static struct opr_graph *load(const char *path)
{
	struct opr_graph *g;
	struct opr_err err;

	if (opr_import_file(path, &g, &err)) {
		fail(path, "import: %s", err.msg);
		return NULL;
	}
	return g;
}

static uint64_t hash(const char *s)
{
	uint64_t h = 1469598103934665603ull;

	while (*s)
		h = (h ^ (unsigned char)*s++) * 1099511628211ull;
	return h;
}

/* The selection rules: refusals and their messages. */
static void check_rules(const char *name, const struct opr_graph *g,
			const struct opr_deps *d)
{
	unsigned char *sel = calloc((size_t)d->n_classes + 1, 1);
	struct opr_err err;
	int gi, i;

	if (!sel)
		return;
	for (gi = 0; gi < d->n_groups; gi++) {
		const struct opr_deps_group *gr = &d->groups[gi];

		memset(sel, 0, (size_t)d->n_classes);
		if (gr->frozen) {
			sel[gr->first_class] = 1;
			if (opr_prune_check_graph(g, d, sel, &err) != OPR_EINVAL ||
			    !strstr(err.msg, "frozen") || !strstr(err.msg, "group"))
				fail(name, "frozen group not refused: %s", err.msg);
			continue;
		}
		memset(sel + gr->first_class, 1, (size_t)gr->n_classes);
		if (opr_prune_check(d, sel, &err) != OPR_EINVAL ||
		    !strstr(err.msg, "at least one must stay"))
			fail(name, "emptied group not refused: %s", err.msg);
		for (i = 0; i < gr->n_reasons; i++) {
			if (d->reasons[gr->first_reason + i].kind != OPR_WHY_GROUPED)
				continue;
			memset(sel, 0, (size_t)d->n_classes);
			sel[gr->first_class] = 1;
			if (opr_prune_check_graph(g, d, sel, &err) != OPR_EINVAL ||
			    !strstr(err.msg, "same number"))
				fail(name, "unequal grouped removal not refused: "
				     "%s", err.msg);
			break;
		}
	}
	free(sel);
}

/* Params and MACs of g into p[0], p[1]. */
static int counts(const struct opr_graph *g, int64_t *p)
{
	struct opr_model_stats st;
	struct opr_err err;

	if (opr_model_stats(g, &st, &err))
		return -1;
	p[0] = st.params;
	p[1] = st.macs;
	opr_stats_free(&st);
	return 0;
}

/* Files for ort_check.py: the pruned and masked models, our output. */
static void export_seed(const char *dir, const char *name, int seed,
			const struct opr_graph *pruned,
			const struct opr_graph *masked, const float *ours,
			size_t n_ours)
{
	char path[4096];
	struct opr_err err;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s.s%d.pruned.onnx", dir, name, seed);
	if (opr_export_file(pruned, path, NULL, &err))
		fail(name, "export: %s", err.msg);
	snprintf(path, sizeof(path), "%s/%s.s%d.masked.onnx", dir, name, seed);
	if (opr_export_file(masked, path, NULL, &err))
		fail(name, "export: %s", err.msg);
	if (ours) {
		snprintf(path, sizeof(path), "%s/%s.s%d.ours.f32", dir, name, seed);
		if ((f = fopen(path, "wb"))) {
			fwrite(ours, sizeof(float), n_ours, f);
			fclose(f);
		}
	}
}

/*
 * The pruned-after-mask model and the manifest line of an exported seed:
 * name, seed, ours?, P = M expected?, PM = M expected?
 */
static void export_line(const char *dir, const char *name, int seed,
			const struct opr_graph *pm, int ours,
			const struct opr_prune_stats *sm)
{
	char path[4096];
	struct opr_err err;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s.s%d.pm.onnx", dir, name, seed);
	if (opr_export_file(pm, path, NULL, &err))
		fail(name, "export: %s", err.msg);
	snprintf(path, sizeof(path), "%s/manifest.txt", dir);
	if ((f = fopen(path, "a"))) {
		fprintf(f, "%s %d %d %d %d\n", name, seed, ours,
			!sm->folded && !sm->unfolded, !sm->unfolded);
		fclose(f);
	}
}

/* Writes the input batch and its dims for ort_check.py. */
static void export_input(const char *dir, const char *name,
			 const struct opr_graph *g, const float *x, int64_t n)
{
	const struct opr_value *v = &g->values[g->inputs[0]];
	char path[4096];
	FILE *f;
	int i;

	snprintf(path, sizeof(path), "%s/%s.input.f32", dir, name);
	if ((f = fopen(path, "wb"))) {
		fwrite(x, sizeof(float), (size_t)n, f);
		fclose(f);
	}
	snprintf(path, sizeof(path), "%s/%s.input.dims", dir, name);
	if ((f = fopen(path, "w"))) {
		fprintf(f, "%d", BATCH);
		for (i = 1; i < v->rank; i++)
			fprintf(f, ",%lld", (long long)v->dims[i]);
		fputc('\n', f);
		fclose(f);
	}
}

/* Context of one model's runs. */
struct ctx {
	const char *path, *name, *dir;
	const struct opr_deps *d;
	const struct opr_graph *g0;
	float *x;		/* the input batch */
	const float *y0;	/* the original's output, NULL: no runtime */
	size_t ny;
	int64_t base[2];	/* params, MACs of the original */
	int export_k;
	struct res *r;
};

/*
 * The pruned graph again: exported and imported twice, analysed, a second
 * random selection masked in one copy and pruned from the other, which
 * must agree as the first ones did.
 */
static void reprune(struct ctx *c, const struct opr_graph *p, int seed)
{
	struct opr_graph *a = NULL, *b = NULL;
	struct opr_deps *d2 = NULL;
	struct opr_prune_stats sb;
	unsigned char *sel = NULL;
	float *ya = NULL, *yb = NULL;
	struct opr_err err;
	struct trng rng;
	size_t len, na, nb;
	void *buf = NULL;
	double diff, scale;

	if (opr_export_mem(p, &buf, &len, &err)) {
		fail(c->name, "export of the pruned model: %s", err.msg);
		return;
	}
	if (opr_import_mem(buf, len, c->name, NULL, &a, &err) ||
	    opr_import_mem(buf, len, c->name, NULL, &b, &err) ||
	    opr_deps_analyze(a, &d2, &err)) {
		fail(c->name, "import/analysis of the pruned model: %s", err.msg);
		goto out;
	}
	trng_seed(&rng, hash(c->name) * 17 + (uint64_t)seed);
	if (!(sel = malloc((size_t)d2->n_classes + 1)) ||
	    sel_draw(a, d2, &rng, SEL_RANDOM, sel) < 0)
		goto out;
	if (opr_prune_mask(a, d2, sel, &err) ||
	    opr_prune_remove_stats(b, d2, sel, &sb, &err)) {
		fail(c->name, "second surgery: %s (seed %d)", err.msg, seed);
		goto out;
	}
	if (!c->y0)
		goto out;
	if (run_graph(a, c->x, BATCH, &ya, &na, &err) ||
	    run_graph(b, c->x, BATCH, &yb, &nb, &err)) {
		fail(c->name, "runtime (second surgery): %s", err.msg);
		goto out;
	}
	/* the mask leaves constants (Sigmoid(0)): no comparison */
	if (opr_prune_remove_stats(a, d2, sel, &sb, &err)) {
		fail(c->name, "second surgery after mask: %s", err.msg);
		goto out;
	}
	if (sb.folded || sb.unfolded)
		goto out;
	diff = na == nb ? max_diff(yb, ya, na, &scale) / fmax(1, scale) : INFINITY;
	if (!(diff <= TOL))
		fail(c->name, "second surgery: pruned differs from masked by %g "
		     "(seed %d)", diff, seed);
	c->r->reruns++;
out:
	free(ya);
	free(yb);
	free(sel);
	free(buf);
	opr_deps_free(d2);
	opr_graph_free(a);
	opr_graph_free(b);
}

/* Counts a comparison, keeps the worst, fails the model above TOL. */
static void note(struct ctx *c, const char *what, int seed, double diff,
		 double *worst, int *runs)
{
	(*runs)++;
	if (diff > *worst)
		*worst = diff;
	if (!(diff <= TOL))
		fail(c->name, "%s: differ by %g (seed %d)", what, diff, seed);
}

/*
 * One seed.  Three graphs from two imports: masked (M), pruned from the
 * original (P), and pruned from the masked one (PM, M pruned in place once
 * it has run).  PM must equal M wherever every constant the mask leaves
 * (Sigmoid(0) = 0.5, ...) folds; P must equal M when the mask leaves none.
 */
static void one_seed(struct ctx *c, int seed, int mode)
{
	struct opr_graph *m = NULL, *p = NULL;
	unsigned char *sel = malloc((size_t)c->d->n_classes + 1);
	struct opr_prune_stats st, sm;
	float *yp = NULL, *ym = NULL, *ypm = NULL;
	struct opr_err err;
	struct trng rng;
	int64_t cnt[2];
	size_t np = 0, nm = 0, npm = 0;
	double diff, scale;
	int n = 0, exact, seed_before = c->r->seeds;

	trng_seed(&rng, hash(c->name) * 131 + (uint64_t)seed);
	if (!sel || (mode >= 0 && (n = sel_draw(c->g0, c->d, &rng, mode, sel)) < 0))
		goto out;
	if (mode < 0)
		memset(sel, 0, (size_t)c->d->n_classes);
	if (!(m = load(c->path)) || !(p = load(c->path)))
		goto out;
	if (opr_prune_mask(m, c->d, sel, &err)) {
		fail(c->name, "mask: %s (seed %d)", err.msg, seed);
		goto out;
	}
	if (opr_prune_remove_stats(p, c->d, sel, &st, &err)) {
		fail(c->name, "remove: %s (seed %d)", err.msg, seed);
		goto out;
	}
	c->r->seeds++;
	if (counts(p, cnt) || (n > 0 && (cnt[0] >= c->base[0] ||
					 cnt[1] >= c->base[1])) ||
	    (n == 0 && (cnt[0] != c->base[0] || cnt[1] != c->base[1])))
		fail(c->name, "params/MACs not smaller (seed %d)", seed);
	if (c->y0 && (run_graph(m, c->x, BATCH, &ym, &nm, &err) ||
		      run_graph(p, c->x, BATCH, &yp, &np, &err))) {
		fail(c->name, "runtime: %s (seed %d)", err.msg, seed);
		goto out;
	}
	if (c->dir && seed >= 2 && seed < 2 + c->export_k)
		export_seed(c->dir, c->name, seed, p, m, yp, np);
	if (opr_prune_remove_stats(m, c->d, sel, &sm, &err)) {
		fail(c->name, "remove after mask: %s (seed %d)", err.msg, seed);
		goto out;
	}
	exact = sm.folded == 0 && sm.unfolded == 0;
	if (c->dir && seed >= 2 && seed < 2 + c->export_k)
		export_line(c->dir, c->name, seed, m, yp != NULL, &sm);
	c->r->mask_folded += sm.folded;
	c->r->skipped += !exact;
	if (!c->y0)
		goto out;
	if (sm.unfolded == 0) {
		if (run_graph(m, c->x, BATCH, &ypm, &npm, &err)) {
			fail(c->name, "runtime: %s (seed %d)", err.msg, seed);
			goto out;
		}
		diff = npm == nm ? max_diff(ypm, ym, nm, &scale) / fmax(1, scale) :
		       INFINITY;
		note(c, "pruned(masked) vs masked", seed, diff, &c->r->worst_m,
		     &c->r->runs_m);
	}
	if (exact) {
		diff = np == nm ? max_diff(yp, ym, nm, &scale) / fmax(1, scale) :
		       INFINITY;
		note(c, "pruned vs masked", seed, diff, &c->r->worst, &c->r->runs);
	}
	if (n == 0 && (np != c->ny || memcmp(yp, c->y0, np * sizeof(float))))
		fail(c->name, "empty selection changed the output");
out:
	if (p && c->r->seeds > seed_before && seed >= 1 && seed < 4)
		reprune(c, p, seed);
	free(yp);
	free(ym);
	free(ypm);
	opr_graph_free(m);
	opr_graph_free(p);
	free(sel);
}

/*
 * Folding: zero the filters of a selection, prune it, compare with the
 * zeroed (unmasked) model where every constant folds.
 */
static void fold_seed(struct ctx *c, int seed, int mode)
{
	struct opr_graph *z = NULL, *p = NULL;
	unsigned char *sel = malloc((size_t)c->d->n_classes + 1);
	float *yz = NULL, *yp = NULL;
	struct opr_prune_stats st;
	struct opr_err err;
	struct trng rng;
	size_t nz, np;
	double diff, scale;

	trng_seed(&rng, hash(c->name) * 7 + 1000 + (uint64_t)seed);
	if (!sel || sel_draw(c->g0, c->d, &rng, mode, sel) <= 0)
		goto out;
	if (!(z = load(c->path)) || !(p = load(c->path)) ||
	    zero_filters(z, c->d, sel) || zero_filters(p, c->d, sel))
		goto out;
	if (opr_prune_remove_stats(p, c->d, sel, &st, &err)) {
		fail(c->name, "remove (folding): %s", err.msg);
		goto out;
	}
	c->r->folded += st.folded;
	c->r->unfolded += st.unfolded;
	if (mode == SEL_UNFOLDABLE) {
		c->r->unf_sel++;
		goto out;
	}
	if (st.unfolded)
		fail(c->name, "foldable selection left %d constants unfolded",
		     st.unfolded);
	if (!c->y0)
		goto out;
	if (run_graph(z, c->x, BATCH, &yz, &nz, &err) ||
	    run_graph(p, c->x, BATCH, &yp, &np, &err)) {
		fail(c->name, "runtime (folding): %s", err.msg);
		goto out;
	}
	diff = nz == np ? max_diff(yp, yz, np, &scale) / fmax(1, scale) : INFINITY;
	c->r->fold_runs++;
	if (diff > c->r->fold_worst)
		c->r->fold_worst = diff;
	if (!(diff <= TOL))
		fail(c->name, "folded pruned model differs from the zeroed one by "
		     "%g (seed %d)", diff, seed);
out:
	free(yz);
	free(yp);
	opr_graph_free(z);
	opr_graph_free(p);
	free(sel);
}

static void test_model(const char *path, int seeds, const char *dir,
		       int export_k, struct res *r)
{
	struct opr_graph *g0 = load(path);
	struct opr_deps *d = NULL;
	struct opr_err err;
	struct trng rng;
	struct ctx c;
	float *y0 = NULL;
	int64_t numel, i;
	const char *base = strrchr(path, '/');
	char name[256];
	int s;

	snprintf(name, sizeof(name), "%s", base ? base + 1 : path);
	if (strstr(name, ".onnx"))
		*strstr(name, ".onnx") = '\0';
	memset(r, 0, sizeof(*r));
	memset(&c, 0, sizeof(c));
	if (!g0)
		return;
	if (opr_deps_analyze(g0, &d, &err)) {
		fail(name, "analysis: %s", err.msg);
		goto out;
	}
	check_rules(name, g0, d);
	numel = input_numel(g0);
	c.x = malloc((size_t)(numel > 0 ? numel : 1) * BATCH * sizeof(float));
	if (numel < 1 || !c.x || counts(g0, c.base)) {
		fail(name, "no input shape or no counts");
		goto out;
	}
	trng_seed(&rng, hash(name));
	for (i = 0; i < numel * BATCH; i++)
		c.x[i] = (float)(trng_unit(&rng) + trng_unit(&rng) +
				 trng_unit(&rng) - 1.5) * 2;
	c.path = path;
	c.name = name;
	c.d = d;
	c.g0 = g0;
	c.r = r;
	c.dir = dir;
	c.export_k = export_k;
	if (run_graph(g0, c.x, BATCH, &y0, &c.ny, &err) == OPR_OK)
		c.y0 = y0;
	else if (err.code != OPR_EUNSUPPORTED)
		fail(name, "runtime: %s", err.msg);
	if (dir)
		export_input(dir, name, g0, c.x, numel * BATCH);
	for (s = 0; s < seeds; s++)
		one_seed(&c, s, s == 0 ? -1 : s == 1 ? SEL_MAX : SEL_RANDOM);
	for (s = 0; s < 2; s++) {
		fold_seed(&c, s, SEL_FOLDABLE);
		fold_seed(&c, s, SEL_UNFOLDABLE);
	}
	printf("%-20s seeds %3d | P=M %3d worst %.1e | PM=M %3d worst %.1e "
	       "(mask consts folded %d, P=M skipped %d) | again %d | zeroed: %d "
	       "cmp worst %.1e folded %d, not exact %d in %d sel%s\n", name,
	       r->seeds, r->runs, r->worst, r->runs_m, r->worst_m,
	       r->mask_folded, r->skipped, r->reruns, r->fold_runs,
	       r->fold_worst, r->folded, r->unfolded, r->unf_sel,
	       c.y0 ? "" : " [no runtime]");
	fflush(stdout);
out:
	free(c.x);
	free(y0);
	opr_deps_free(d);
	opr_graph_free(g0);
}

int main(int argc, char **argv)
{
	const char *dir = NULL, *env = getenv("OPR_SURGERY_SEEDS");
	int seeds = env ? atoi(env) : 20, export_k = 2, a = 1, folded = 0;
	struct res r;

	for (; a < argc && argv[a][0] == '-'; a++) {
		if (!strcmp(argv[a], "-s") && a + 1 < argc)
			seeds = atoi(argv[++a]);
		else if (!strcmp(argv[a], "-e") && a + 1 < argc)
			dir = argv[++a];
		else if (!strcmp(argv[a], "-k") && a + 1 < argc)
			export_k = atoi(argv[++a]);
		else
			break;
	}
	if (a >= argc || seeds < 1) {
		fprintf(stderr, "usage: test_surgery [-s SEEDS] [-e DIR [-k N]] "
			"MODEL.onnx...\n");
		return 2;
	}
	for (; a < argc; a++) {
		test_model(argv[a], seeds, dir, export_k, &r);
		folded += r.folded;
	}
	if (!folded && !dir)
		fail("all models", "no constant was folded");
	printf("%s: %d failure(s)\n", n_failed ? "FAILED" : "ok", n_failed);
	return n_failed ? 1 : 0;
}
