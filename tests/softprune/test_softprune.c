/*
 * test_softprune.c - the soft-pruning passes bn_attn and sfp
 * (src/passes/bn_attn.c, sfp.c, soft_prune*.c).
 *
 * Usage: test_softprune CASE [MODEL]
 *   scores MODEL    bn_attn's scores against a reference computed here, in
 *                   double, from the initializers (T = 1 and 0.5)
 *   oneshot MODEL   bn_attn without data at --target-flops 0.5: the MACs
 *                   within [0.495, 0.5] of the model's, and the pruned
 *                   model computes what the masked one does
 *   loop_bn_attn    bn_attn with data on the tiny model (sp_testlib.h),
 *   loop_sfp        sfp likewise: masks are soft (a zeroed filter is not
 *                   zero after further steps), the removed channels are
 *                   exactly the zero filters at the end of training, the
 *                   pruned model computes what the trained masked one
 *                   did, the MACs meet the budget, the report has every
 *                   selection
 *   freeze          bn_attn with --freeze-at 0.5: the selection at step 8
 *                   of 12 is the last, held: its filters stay zero at
 *                   every later step, the report marks it, and the pruned
 *                   model computes what the trained masked one did (also
 *                   with --ema, whose average is another model);
 *                   without --freeze-at bn_attn holds at 0.2, sfp at 0.6
 *   refuse          sfp without data is OPR_EUSAGE, saying what it needs
 *   determinism     the same seed gives the same bytes (both passes)
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/tdie.h"
#include "graph_dsl.h"
#include "passes/criteria.h"
#include "passes/deps.h"
#include "passes/report.h"
#include "passes/select.h"
#include "passes/soft_prune.h"
#include "passes/surgery.h"
#include "sp_testlib.h"

static struct opr_graph *load(const char *path)
{
	struct opr_err err = { 0 };
	struct opr_graph *g = NULL;

	if (opr_import_file(path, &g, &err))
		TDIE("%s", err.msg);
	return g;
}

/* ---- scores ---- */

/* The reference s_i of Conv node nd (n filters) into s, in double. */
static void ref_layer(const struct opr_graph *g, int nd, double t, double *s)
{
	const struct opr_value *w = &g->values[g->nodes[nd].in[1]];
	const float *f = w->data, *gamma = NULL;
	int64_t n = w->dims[0], row = (int64_t)(w->nbytes / 4) / n, i, j;
	double mean = 0, sum = 0, smean = 0;

	for (i = 0; i < g->n_nodes; i++)	/* the BN reading its output */
		if (g->nodes[i].op == OPR_OP_BATCHNORM &&
		    g->nodes[i].in[0] == g->nodes[nd].out[0])
			gamma = g->values[g->nodes[i].in[1]].data;
	for (i = 0; i < n; i++) {
		for (s[i] = 0, j = 0; j < row; j++)
			s[i] += (double)f[i * row + j] * f[i * row + j];
		s[i] = sqrt(s[i]);
		mean += s[i] / n;
	}
	for (i = 0; i < n; i++)
		sum += exp(s[i] / mean / t);
	for (i = 0; i < n; i++) {
		s[i] = exp(s[i] / mean / t) / sum * (gamma ? fabs(gamma[i]) : 1);
		smean += s[i] / n;
	}
	for (i = 0; i < n; i++)
		s[i] /= smean;
}

/* Reference class scores of d, normalised per group, into ref. */
static void ref_scores(const struct opr_graph *g, const struct opr_deps *d,
		       double t, double *ref)
{
	double *lay[4096] = { 0 }, sum;
	int c, i, k, gi, n;

	if (g->n_nodes > 4096)
		TDIE("model too large for the test");
	for (c = 0; c < d->n_classes; c++) {
		const struct opr_deps_class *cl = &d->classes[c];

		ref[c] = 0;
		if (d->groups[cl->group].frozen)
			continue;
		for (i = n = 0; i < cl->n; i++) {
			const struct opr_deps_member *m = &d->members[cl->first + i];

			if (m->role != OPR_ROLE_OUT ||
			    g->nodes[m->node].op != OPR_OP_CONV)
				continue;
			k = m->node;
			if (!lay[k]) {
				lay[k] = malloc((size_t)g->values[g->nodes[k].in[1]].dims[0] *
						sizeof(double));
				ref_layer(g, k, t, lay[k]);
			}
			ref[c] += lay[k][m->index];
			n++;
		}
		CHECK(n > 0);	/* every prunable group of the model has filters */
		ref[c] /= n > 0 ? n : 1;
	}
	for (gi = 0; gi < d->n_groups; gi++) {
		const struct opr_deps_group *gr = &d->groups[gi];

		for (sum = 0, c = gr->first_class; c < gr->first_class + gr->n_classes; c++)
			sum += ref[c] / gr->n_classes;
		for (c = gr->first_class; c < gr->first_class + gr->n_classes; c++)
			ref[c] = sum > 0 ? ref[c] / sum : 0;
	}
	for (k = 0; k < 4096; k++)
		free(lay[k]);
}

static void case_scores(const char *path)
{
	struct opr_graph *g = load(path);
	struct opr_err err = { 0 };
	struct opr_deps *d = NULL;
	double ts[2] = { 1.0, 0.5 }, *got, *ref, worst = 0, lo = 1e9, hi = 0;
	int c, k, n_live = 0;

	CHECK(opr_deps_analyze(g, &d, &err) == OPR_OK);
	got = malloc(((size_t)d->n_classes + 1) * sizeof(double));
	ref = malloc(((size_t)d->n_classes + 1) * sizeof(double));
	for (k = 0; k < 2; k++) {
		CHECK(opr_bn_attn_scores(g, d, ts[k], got, &err) == OPR_OK);
		opr_crit_normalize(d, got);
		ref_scores(g, d, ts[k], ref);
		for (c = 0; c < d->n_classes; c++) {
			worst = fmax(worst, fabs(got[c] - ref[c]) / (1 + fabs(ref[c])));
			if (!d->groups[d->classes[c].group].frozen) {
				lo = fmin(lo, ref[c]);
				hi = fmax(hi, ref[c]);
				n_live += k == 0;
			}
		}
	}
	printf("scores: %d prunable classes, reference in [%.4f, %.4f], worst "
	       "relative difference %.3g\n", n_live, lo, hi, worst);
	CHECK(worst < 1e-9);
	CHECK(n_live > 0 && hi > lo);	/* not all alike */
	free(got);
	free(ref);
	opr_deps_free(d);
	opr_graph_free(g);
}

/* ---- oneshot ---- */

static void case_oneshot(const char *path)
{
	struct opr_graph *g = load(path), *m = load(path);
	struct opr_pass_opts o;
	struct opr_report rep;
	struct opr_select_result res;
	struct opr_model_stats st;
	struct opr_err err = { 0 };
	struct opr_deps *d = NULL;
	struct opr_dataset *ds = sp_tiny_data(8, 3);
	const struct opr_report_pass *p;
	unsigned char *rm;
	double *s, diff;
	int rc, gi, c, kept;

	memset(&o, 0, sizeof(o));
	memset(&rep, 0, sizeof(rep));
	o.ratio = -1;
	o.target_flops = 0.5;
	o.report = &rep;
	rc = opr_pass_bn_attn(g, &o, &err);
	CHECK(rc == OPR_OK);
	if (rc) {
		printf("bn_attn: %s\n", err.msg);
		return;
	}
	p = &rep.passes[0];
	CHECK(rep.n_passes == 1 && strcmp(p->name, "bn_attn") == 0);
	CHECK(opr_model_stats(g, &st, &err) == OPR_OK);
	printf("oneshot: MACs %lld -> %lld (%.4f), params %lld -> %lld\n",
	       (long long)p->macs_before, (long long)p->macs_after,
	       (double)p->macs_after / (double)p->macs_before,
	       (long long)p->params_before, (long long)p->params_after);
	CHECK(st.macs == p->macs_after && p->within_tol && p->n_sel == 0);
	CHECK((double)p->macs_after <= 0.5 * (double)p->macs_before);
	CHECK((double)p->macs_after >= 0.495 * (double)p->macs_before);
	/* the same selection, masked */
	CHECK(opr_deps_analyze(m, &d, &err) == OPR_OK);
	s = malloc(((size_t)d->n_classes + 1) * sizeof(double));
	rm = calloc((size_t)d->n_classes + 1, 1);
	CHECK(opr_bn_attn_scores(m, d, 1.0, s, &err) == OPR_OK);
	CHECK(opr_prune_select(m, d, &o, NULL, s, rm, &res, &err) == OPR_OK);
	CHECK(res.macs_after == p->macs_after && p->n_groups == d->n_groups);
	for (gi = 0; gi < d->n_groups && gi < p->n_groups; gi++) {
		const struct opr_deps_group *gr = &d->groups[gi];

		for (kept = 0, c = gr->first_class; c < gr->first_class + gr->n_classes; c++)
			kept += !rm[c];
		CHECK(kept == p->groups[gi].kept);
	}
	CHECK(opr_prune_mask(m, d, rm, &err) == OPR_OK);
	diff = sp_out_diff(g, m, ds, 8);
	printf("oneshot: pruned vs masked, largest difference %.3g\n", diff);
	CHECK(diff < 1e-4);
	free(s);
	free(rm);
	opr_deps_free(d);
	opr_stats_free(&st);
	opr_report_clear(&rep);
	sp_data_free(ds);
	opr_graph_free(g);
	opr_graph_free(m);
}

/* ---- the loop ---- */

/* What the test's hook saw during a run. */
struct watch {
	long every;		/* the pass's cadence (0: per epoch) */
	int scale;		/* soft selections zero BN scales, not filters */
	int sel_zero_rows;	/* zero filters seen at soft selections */
	long hold_step;		/* the held selection's step, -1: none */
	unsigned char zheld[SP_N_CONV][16];	/* zero filters at it */
	int held_regrew;	/* one of them was not zero later */
	int have_sel;		/* a selection was seen */
	unsigned char zsel[SP_N_CONV][16];	/* zero filters at it */
	int regrew;		/* one of them was not zero at a later step */
	int sel_zero;		/* zero filters seen at selections, summed */
	int n_sel;		/* selections seen */
	unsigned char zend[SP_N_CONV][16];	/* zero filters at the end */
	void *snap;		/* the trained masked model at the end */
	size_t snap_len;
};

/* The hook the pass calls after its own work (ft->hook_fn). */
static int watch_hook(void *ctx, struct opr_ft_run *run, int when,
		      struct opr_err *err)
{
	struct watch *w = ctx;
	const struct opr_graph *g = opr_ft_graph(run);
	long step = opr_ft_steps(run);
	unsigned char z[16];
	int sel, k, i, n;

	sel = when == OPR_FT_START ||
	      (when == OPR_FT_STEP && w->every > 0 && step % w->every == 0) ||
	      (when == OPR_FT_EPOCH && w->every == 0);
	if (w->hold_step >= 0 && step > w->hold_step)
		sel = 0;	/* the pass selects no more */
	for (k = 0; k < SP_N_CONV; k++) {
		unsigned char zr[16];

		n = sp_zero_rows(g, sp_conv_names[k], zr, 16);
		if (w->scale)
			n = sp_zero_scales(g, sp_conv_names[k], z, 16);
		else
			memcpy(z, zr, sizeof(z));
		for (i = 0; i < n; i++) {
			if (sel && step != w->hold_step)
				w->sel_zero_rows += zr[i];
			if (sel) {
				w->sel_zero += z[i];
				w->zsel[k][i] = z[i];
			} else if (when == OPR_FT_STEP && w->have_sel &&
				   w->zsel[k][i] && !z[i]) {
				w->regrew = 1;
			}
			if (when == OPR_FT_END)
				w->zend[k][i] = zr[i];
			if (sel && step == w->hold_step)
				w->zheld[k][i] = z[i];
			else if (w->hold_step >= 0 && step > w->hold_step &&
				 w->zheld[k][i] && !z[i])
				w->held_regrew = 1;
		}
	}
	w->have_sel |= sel;
	w->n_sel += sel;
	if (when == OPR_FT_END)
		return opr_export_mem(g, &w->snap, &w->snap_len, err);
	return OPR_OK;
}

/* The --ema decay of run_loop()'s training (0: none). */
static double loop_ema;

/*
 * Runs pass on the tiny model (seed 5) with 192 images, epochs, the
 * budget (ratio or target), every (bn_attn's prune_every) and freeze
 * (--freeze-at; hold_step: the step of the selection it holds, -1 when
 * none) and soft (--soft-mask, OPR_SOFT_*); returns the pruned graph, the
 * report in *rep and what the hook saw in *w.
 */
static struct opr_graph *run_loop(const char *pass, int epochs, double ratio,
				  double target, long every, double freeze,
				  long hold_step, int soft,
				  struct opr_report *rep, struct watch *w)
{
	struct opr_graph *g = sp_tiny_model(5);
	struct opr_dataset *ds = sp_tiny_data(192, 9);
	struct opr_pass_opts o;
	struct opr_ft_opts ft;
	struct opr_err err = { 0 };
	int rc;

	memset(w, 0, sizeof(*w));
	memset(rep, 0, sizeof(*rep));
	memset(&o, 0, sizeof(o));
	w->every = every;
	w->hold_step = hold_step;
	w->scale = soft == OPR_SOFT_SCALE ||
		   (soft == OPR_SOFT_DEFAULT && !strcmp(pass, "bn_attn"));
	sp_ft_opts(&ft, epochs);
	ft.ema = loop_ema;
	ft.hook_fn = watch_hook;
	ft.hook_fn_ctx = w;
	ft.hook_every = 1;
	o.ratio = ratio;
	o.target_flops = target;
	o.report = rep;
	o.train = ds;
	o.ft = &ft;
	o.prune_every = every;
	o.gamma_l1 = -1;
	o.freeze_at = freeze;
	o.soft_mask = soft;
	rc = opr_pass_find(pass)->run(g, &o, &err);
	CHECK(rc == OPR_OK);
	if (rc)
		printf("%s: %s\n", pass, err.msg);
	sp_data_free(ds);
	return g;
}

/* The report's number key, NAN when absent. */
static double kv(const struct opr_report_pass *p, const char *key)
{
	int i;

	for (i = 0; i < p->n_kv; i++)
		if (strcmp(p->kv[i].key, key) == 0)
			return p->kv[i].value;
	return NAN;
}

/* The report group of the filters of the tiny model's Conv k. */
static const struct opr_report_group *conv_group(const struct opr_report_pass *p,
						 int k)
{
	/* c3 ends the residual chain that c1 starts: the group names c1 */
	const char *nm = sp_conv_names[k == 2 ? 0 : k];
	int gi;

	for (gi = 0; gi < p->n_groups; gi++)
		if (p->groups[gi].role == OPR_ROLE_OUT &&
		    strcmp(p->groups[gi].node, nm) == 0)
			return &p->groups[gi];
	return NULL;
}

/*
 * Conv k of pruned g against the snapshot s of the trained masked model:
 * the filters the report says were kept (the last selection) are s's
 * filters at those indices, in order, bit for bit (when the surgery
 * removed no input channel of it); the others were zero at the end of
 * training.
 */
static void check_filters(const struct opr_graph *g, const struct opr_graph *s,
			  const struct opr_report_pass *p,
			  const struct watch *w, int k)
{
	const struct opr_report_group *rg = conv_group(p, k);
	const struct opr_value *wp = sp_conv_weight(g, sp_conv_names[k]),
			       *ws = sp_conv_weight(s, sp_conv_names[k]);
	size_t row = ws->nbytes / (size_t)ws->dims[0];
	int i, j;

	CHECK(rg && wp && ws);
	if (!rg || !wp || !ws)
		return;
	CHECK(rg->before == ws->dims[0] && rg->kept == wp->dims[0]);
	for (i = j = 0; i < rg->before; i++) {
		int keep = j < rg->kept && rg->kept_idx[j] == i;

		if (!keep) {
			CHECK(w->zend[k][i]);	/* removed: zero at the end */
			continue;
		}
		if (wp->dims[1] == ws->dims[1])
			CHECK(!memcmp((const char *)wp->data + row * (size_t)j,
				      (const char *)ws->data + row * (size_t)i,
				      row));
		j++;
	}
}

/*
 * The checks of one loop run (see the file comment): want_sel selections,
 * made every sel_steps steps from step 0.
 */
static void check_loop(const char *pass, struct opr_graph *g,
		       struct opr_report *rep, struct watch *w, int want_sel,
		       long sel_steps)
{
	struct opr_err err = { 0 };
	struct opr_graph *s = NULL;
	struct opr_dataset *ds = sp_tiny_data(64, 21);
	const struct opr_report_pass *p;
	int i, k;

	CHECK(rep->n_passes == 1);
	if (rep->n_passes != 1 || !w->snap)
		return;
	p = &rep->passes[0];
	printf("%s: %d selections (%s), changed %g, regrown %g, steps %g, "
	       "MACs %lld -> %lld (%.4f), params %lld -> %lld\n", pass,
	       p->n_sel, w->regrew ? "zeroed channels grew back" : "none grew back",
	       kv(p, "changed"), kv(p, "regrown"), kv(p, "steps"),
	       (long long)p->macs_before, (long long)p->macs_after,
	       (double)p->macs_after / (double)p->macs_before,
	       (long long)p->params_before, (long long)p->params_after);
	for (i = 0; i < p->n_sel; i++)
		printf("  selection %d: step %ld epoch %d removed %d changed %d "
		       "regrown %d MACs %lld\n", i, p->sel[i].step,
		       p->sel[i].epoch, p->sel[i].removed, p->sel[i].changed,
		       p->sel[i].regrown, (long long)p->sel[i].macs);
	CHECK(p->n_sel == want_sel && w->n_sel == want_sel);
	for (i = 0; i < p->n_sel; i++)
		CHECK(p->sel[i].step == i * sel_steps);
	CHECK(kv(p, "selections") == want_sel);
	CHECK(w->regrew);	/* soft: a zeroed filter/scale trained again */
	CHECK(w->sel_zero > 0);
	/* soft selections zero either the filters or the BN scales */
	printf("%s: soft selections zero %s; zero filters seen at them: %d\n",
	       pass, w->scale ? "BN scales" : "filters", w->sel_zero_rows);
	CHECK(w->scale ? w->sel_zero_rows == 0 : w->sel_zero_rows > 0);
	CHECK(kv(p, "soft_mask_scale") == w->scale);
	CHECK(p->sel[p->n_sel - 1].macs == p->macs_after);
	CHECK(opr_import_mem(w->snap, w->snap_len, "snapshot", NULL, &s,
			     &err) == OPR_OK);
	if (!s)
		return;
	for (k = 0; k < SP_N_CONV; k++)
		check_filters(g, s, p, w, k);
	printf("%s: pruned vs trained masked, largest difference %.3g\n", pass,
	       sp_out_diff(g, s, ds, 64));
	CHECK(sp_out_diff(g, s, ds, 64) < 1e-5);
	free(w->snap);
	opr_graph_free(s);
	sp_data_free(ds);
}

/* bn_attn's loop with soft (--soft-mask; OPR_SOFT_DEFAULT: BN scales). */
static void case_loop_bn_attn(int soft)
{
	struct opr_report rep;
	struct watch w;
	struct opr_graph *g;

	/* 2 epochs of 6 steps, a selection every 4: start, 4, 8, 12 */
	g = run_loop("bn_attn", 2, -1, 0.6, 4, 1.0, -1, soft, &rep, &w);
	check_loop("bn_attn", g, &rep, &w, 4, 4);
	if (rep.n_passes == 1) {
		const struct opr_report_pass *p = &rep.passes[0];

		CHECK(p->macs_after <= 0.6 * (double)p->macs_before);
		CHECK(p->macs_after >= 0.5 * (double)p->macs_before);
		CHECK(kv(p, "gamma_l1") == 1e-4 && kv(p, "attn_t") == 1);
	}
	opr_report_clear(&rep);
	opr_graph_free(g);
}

static void case_loop_sfp(void)
{
	static const int want[SP_N_CONV] = { 5, 7, 5, 10 };	/* 0.4 of 8, 12, 16 */
	struct opr_report rep;
	struct watch w;
	struct opr_graph *g;
	int k;

	/* 3 epochs: start and after each */
	g = run_loop("sfp", 3, 0.4, 0, 0, 1.0, -1, OPR_SOFT_DEFAULT, &rep, &w);
	check_loop("sfp", g, &rep, &w, 4, 6);
	for (k = 0; k < SP_N_CONV; k++)
		CHECK(sp_conv_out(g, sp_conv_names[k]) == want[k]);
	if (rep.n_passes == 1)
		CHECK(kv(&rep.passes[0], "norm_p") == 2);
	opr_report_clear(&rep);
	opr_graph_free(g);
}

static void case_freeze(void)
{
	struct opr_report rep;
	struct watch w;
	struct opr_graph *g, *g2;
	const struct opr_value *a, *b;
	const struct opr_report_pass *p;
	int i;

	/* 12 steps, freeze at 6: selections at 0 and 4, then 8, held */
	g = run_loop("bn_attn", 2, -1, 0.6, 4, 0.5, 8, OPR_SOFT_DEFAULT, &rep,
		     &w);
	check_loop("bn_attn", g, &rep, &w, 3, 4);
	if (rep.n_passes == 1) {
		p = &rep.passes[0];
		for (i = 0; i < p->n_sel; i++)
			CHECK(p->sel[i].held == (i == p->n_sel - 1));
		CHECK(kv(p, "freeze_at") == 0.5 && kv(p, "frozen_at_step") == 8);
		CHECK(kv(p, "steps") == 12);
	}
	printf("freeze: held filters %s after step 8\n",
	       w.held_regrew ? "GREW BACK" : "stayed zero");
	CHECK(!w.held_regrew);
	opr_report_clear(&rep);
	/* with --ema the run ends with the average, restarted at the hold:
	   the held filters are zero in it, the pruned model computes what
	   it does, and it is not the last step's model */
	loop_ema = 0.5;
	g2 = run_loop("bn_attn", 2, -1, 0.6, 4, 0.5, 8, OPR_SOFT_DEFAULT, &rep,
		      &w);
	loop_ema = 0;
	check_loop("bn_attn", g2, &rep, &w, 3, 4);
	a = sp_conv_weight(g, sp_conv_names[1]);
	b = sp_conv_weight(g2, sp_conv_names[1]);
	CHECK(a && b && a->nbytes == b->nbytes &&
	      memcmp(a->data, b->data, a->nbytes) != 0);
	opr_report_clear(&rep);
	opr_graph_free(g2);
	opr_graph_free(g);
	/* no --freeze-at: bn_attn's own 0.2 holds the selection at step 4
	   (the first at or after step 2.4 of 12); sfp's own is 0.6 */
	g = run_loop("bn_attn", 2, -1, 0.6, 4, -1, 4, OPR_SOFT_DEFAULT, &rep,
		     &w);
	if (rep.n_passes == 1)
		CHECK(kv(&rep.passes[0], "freeze_at") == OPR_BN_ATTN_FREEZE_AT &&
		      kv(&rep.passes[0], "frozen_at_step") == 4);
	CHECK(!w.held_regrew);
	free(w.snap);
	opr_report_clear(&rep);
	opr_graph_free(g);
	g = run_loop("sfp", 3, 0.4, 0, 0, -1, 12, OPR_SOFT_DEFAULT, &rep, &w);
	if (rep.n_passes == 1)
		CHECK(kv(&rep.passes[0], "freeze_at") == OPR_SP_FREEZE_AT &&
		      kv(&rep.passes[0], "frozen_at_step") == 12);
	free(w.snap);
	opr_report_clear(&rep);
	opr_graph_free(g);
}

static void case_refuse(void)
{
	struct opr_graph *g = sp_tiny_model(5);
	struct opr_dataset *ds = sp_tiny_data(32, 1);
	struct opr_pass_opts o;
	struct opr_ft_opts ft;
	struct opr_err err = { 0 };
	int rc;

	memset(&o, 0, sizeof(o));
	o.ratio = 0.3;
	rc = opr_pass_sfp(g, &o, &err);
	printf("refuse: %s\n", err.msg);
	CHECK(rc == OPR_EUSAGE && strstr(err.msg, "--data") &&
	      strstr(err.msg, "--epochs"));
	sp_ft_opts(&ft, 0);
	o.train = ds;
	o.ft = &ft;
	CHECK(opr_pass_sfp(g, &o, &err) == OPR_EUSAGE);
	sp_ft_opts(&ft, 1);
	o.soft_mask = 9;	/* neither weights nor scale */
	rc = opr_pass_bn_attn(g, &o, &err);
	printf("refuse: %s\n", err.msg);
	CHECK(rc == OPR_EUSAGE && strstr(err.msg, "soft mask 9"));
	CHECK(opr_pass_find("sfp")->flags & OPR_PASS_DATA);
	CHECK(opr_pass_find("bn_attn")->flags & OPR_PASS_TRAINS);
	CHECK(sp_conv_out(g, "c2") == 12);	/* untouched */
	sp_data_free(ds);
	opr_graph_free(g);
}

/* Exported bytes of pass's run on the tiny model. */
static void *loop_bytes(const char *pass, size_t *len)
{
	struct opr_err err = { 0 };
	struct opr_report rep;
	struct watch w;
	struct opr_graph *g;
	void *buf = NULL;

	g = run_loop(pass, 2, pass[0] == 's' ? 0.4 : -1,
		     pass[0] == 's' ? 0 : 0.6, pass[0] == 's' ? 0 : 3, -1.0, -1,
		     OPR_SOFT_DEFAULT, &rep, &w);
	CHECK(opr_export_mem(g, &buf, len, &err) == OPR_OK);
	free(w.snap);
	opr_report_clear(&rep);
	opr_graph_free(g);
	return buf;
}

static void case_determinism(void)
{
	const char *pass[2] = { "bn_attn", "sfp" };
	size_t la, lb;
	void *a, *b;
	int k;

	for (k = 0; k < 2; k++) {
		a = loop_bytes(pass[k], &la);
		b = loop_bytes(pass[k], &lb);
		printf("determinism: %s: %zu and %zu bytes, %s\n", pass[k], la,
		       lb, la == lb && !memcmp(a, b, la) ? "equal" : "DIFFERENT");
		CHECK(la == lb && !memcmp(a, b, la));
		free(a);
		free(b);
	}
}

int main(int argc, char **argv)
{
	const char *c = argc > 1 ? argv[1] : "";

	if (!strcmp(c, "scores") && argc > 2)
		case_scores(argv[2]);
	else if (!strcmp(c, "oneshot") && argc > 2)
		case_oneshot(argv[2]);
	else if (!strcmp(c, "loop_bn_attn"))
		case_loop_bn_attn(OPR_SOFT_DEFAULT);
	else if (!strcmp(c, "loop_bn_attn_weights"))
		case_loop_bn_attn(OPR_SOFT_WEIGHTS);
	else if (!strcmp(c, "loop_sfp"))
		case_loop_sfp();
	else if (!strcmp(c, "freeze"))
		case_freeze();
	else if (!strcmp(c, "refuse"))
		case_refuse();
	else if (!strcmp(c, "determinism"))
		case_determinism();
	else
		TDIE("usage: test_softprune scores|oneshot MODEL | loop_bn_attn[_weights] | "
		     "loop_sfp | freeze | refuse | determinism");
	printf("%s: %d failure(s)\n", c, t_failures);
	return t_failures ? 1 : 0;
}
