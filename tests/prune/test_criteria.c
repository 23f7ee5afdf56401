/*
 * test_criteria.c - the criteria (src/passes/criteria*.c), the selection
 * and its MAC model (select*.c) and the criteria passes (prune_pass.c) on
 * tiny hand-built graphs with answers worked out by hand, and the MAC
 * model against the real surgery on the shared models.
 *
 * Usage: test_criteria [SHARED_MODEL_DIR]
 *
 * The tiny graph: x[1,2,4,4] -> Conv c0 (4 filters of 2 weights, 1x1)
 * -> BatchNormalization b0 -> Relu r0 -> Conv c1 (3 filters) -> y.  The
 * 4 channels of c0 are one prunable group; y's 3 are frozen (graph output).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "graph_dsl.h"
#include "passes/criteria.h"
#include "passes/deps.h"
#include "passes/prune_pass.h"
#include "passes/report.h"
#include "passes/select.h"
#include "passes/surgery.h"

#define NEAR(a, b) (fabs((double)(a) - (b)) < 1e-6 * (1 + fabs((double)(b))))

/* Names node nd. */
static void name(struct opr_graph *g, int nd, const char *s)
{
	g->nodes[nd].name = opr_graph_strdup(g, s);
}

/* A 1x1 Conv called nm reading x with weight wname [co, ci, 1, 1] = w. */
static int conv(struct opr_graph *g, const char *nm, const char *x,
		const char *y, int co, int ci, int group, const float *w)
{
	char ws[64], shape[160];
	int nd;

	snprintf(ws, sizeof(ws), "%s_w", nm);
	snprintf(shape, sizeof(shape), "%d,%d,1,1", co, ci / group);
	t_init(g, ws, OPR_DT_FLOAT, shape, w, (size_t)(co * ci / group) * 4);
	snprintf(shape, sizeof(shape), "%s,%s", x, ws);
	nd = t_node(g, "Conv", shape, y);
	t_attr_ints(g, nd, "kernel_shape", 2, 1LL, 1LL);
	if (group > 1)
		t_attr_i(g, nd, "group", group);
	name(g, nd, nm);
	return nd;
}

/* The tiny graph; gamma NULL: no BN. */
static struct opr_graph *tiny(const float *w0, const float *gamma)
{
	static const float w1[12] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12 };
	static const float zero[4], one[4] = { 1, 1, 1, 1 };
	struct opr_graph *g = t_with_x("1,2,4,4");
	int nd;

	conv(g, "c0", "x", "h0", 4, 2, 1, w0);
	if (gamma) {
		t_init(g, "g0", OPR_DT_FLOAT, "4", gamma, 16);
		t_init(g, "be0", OPR_DT_FLOAT, "4", zero, 16);
		t_init(g, "m0", OPR_DT_FLOAT, "4", zero, 16);
		t_init(g, "v0", OPR_DT_FLOAT, "4", one, 16);
		name(g, t_node(g, "BatchNormalization", "h0,g0,be0,m0,v0", "h1"),
		     "b0");
	} else {
		name(g, t_node(g, "Identity", "h0", "h1"), "b0");
	}
	nd = t_node(g, "Relu", "h1", "h2");
	name(g, nd, "r0");
	conv(g, "c1", "h2", "y", 3, 4, 1, w1);
	t_outputs(g, "y");
	INFER(g);
	return g;
}

/* Class of d holding output channel ch of node nd; -1 when none. */
static int class_of(const struct opr_graph *g, const struct opr_deps *d,
		    const char *nd, int ch)
{
	int i;

	for (i = 0; i < d->n_members; i++) {
		const struct opr_deps_member *m = &d->members[i];

		if (m->node >= 0 && m->role == OPR_ROLE_OUT && m->index == ch &&
		    strcmp(g->nodes[m->node].name, nd) == 0)
			return m->cls;
	}
	return -1;
}

/* Scores of crit for the 4 channels of c0 into s[4]. */
static void c0_scores(const struct opr_graph *g, const struct opr_deps *d,
		      int crit, uint64_t seed, double *s)
{
	double *all = calloc((size_t)d->n_classes + 1, sizeof(double));
	struct opr_err err = { 0 };
	int ch;

	CHECK(opr_crit_scores(g, d, crit, seed, all, &err) == OPR_OK);
	for (ch = 0; ch < 4; ch++) {
		int c = class_of(g, d, "c0", ch);

		CHECK(c >= 0);
		s[ch] = c >= 0 ? all[c] : -1;
	}
	free(all);
}

/*
 * Selects by crit with ratio on the tiny graph and returns a bit mask of
 * the c0 channels removed.
 */
static int c0_removed(const float *w0, const float *gamma, int crit,
		      double ratio, double target)
{
	struct opr_graph *g = tiny(w0, gamma);
	struct opr_select_opts so = { .ratio = ratio, .target = target,
				      .tol = 0.005 };
	struct opr_select_result res;
	struct opr_err err = { 0 };
	struct opr_deps *d = NULL;
	double *s;
	unsigned char *rm;
	int mask = 0, ch;

	CHECK(opr_deps_analyze(g, &d, &err) == OPR_OK);
	s = calloc((size_t)d->n_classes + 1, sizeof(double));
	rm = calloc((size_t)d->n_classes + 1, 1);
	CHECK(opr_crit_scores(g, d, crit, 7, s, &err) == OPR_OK);
	opr_crit_normalize(d, s);
	CHECK(opr_select(g, d, s, &so, rm, &res, &err) == OPR_OK);
	CHECK(opr_prune_check(d, rm, &err) == OPR_OK);
	for (ch = 0; ch < 4; ch++)
		if (rm[class_of(g, d, "c0", ch)])
			mask |= 1 << ch;
	free(s);
	free(rm);
	opr_deps_free(d);
	opr_graph_free(g);
	return mask;
}

/* l1 and l2 of known filters; which channels each removes. */
static void test_norms(void)
{
	/* f0 = (2,2): l1 4, l2 2.83; f1 = (3,0): 3, 3; f2 = (1,1): 2, 1.41;
	   f3 = (2.5,0): 2.5, 2.5. */
	static const float w0[8] = { 2, 2, 3, 0, 1, 1, 2.5f, 0 };
	struct opr_graph *g = tiny(w0, NULL);
	struct opr_err err = { 0 };
	struct opr_deps *d = NULL;
	double s[4];

	CHECK(opr_deps_analyze(g, &d, &err) == OPR_OK);
	c0_scores(g, d, OPR_CRIT_L1, 0, s);
	CHECK(NEAR(s[0], 4) && NEAR(s[1], 3) && NEAR(s[2], 2) && NEAR(s[3], 2.5));
	c0_scores(g, d, OPR_CRIT_L2, 0, s);
	CHECK(NEAR(s[0], sqrt(8)) && NEAR(s[1], 3) && NEAR(s[2], sqrt(2)) &&
	      NEAR(s[3], 2.5));
	/* bn_scale without a BN is l1 */
	c0_scores(g, d, OPR_CRIT_BN_SCALE, 0, s);
	CHECK(NEAR(s[0], 4) && NEAR(s[1], 3) && NEAR(s[2], 2) && NEAR(s[3], 2.5));
	opr_deps_free(d);
	opr_graph_free(g);

	/* ratio 0.25: the smallest goes (f2); 0.5: f2, f3 */
	CHECK(c0_removed(w0, NULL, OPR_CRIT_L1, 0.25, 0) == 1 << 2);
	CHECK(c0_removed(w0, NULL, OPR_CRIT_L1, 0.5, 0) == ((1 << 2) | (1 << 3)));
	/* ratio 0.75: l1 keeps f0 (l1 4), l2 keeps f1 (l2 3) */
	CHECK(c0_removed(w0, NULL, OPR_CRIT_L1, 0.75, 0) == 0xe);
	CHECK(c0_removed(w0, NULL, OPR_CRIT_L2, 0.75, 0) == 0xd);
	/* ratio 0: nothing */
	CHECK(c0_removed(w0, NULL, OPR_CRIT_L2, 0, 0) == 0);
}

/* fpgm: the filter nearest the geometric median goes, not the smallest. */
static void test_fpgm(void)
{
	/* f0 = (0,0), f1 = (1,1), f2 = (4,0), f3 = (0,4): distance sums
	   f0: sqrt2 + 4 + 4, f1: sqrt2 + 2 sqrt10, f2 = f3: 4 + sqrt10 + 4 sqrt2 */
	static const float w0[8] = { 0, 0, 1, 1, 4, 0, 0, 4 };
	struct opr_graph *g = tiny(w0, NULL);
	struct opr_err err = { 0 };
	struct opr_deps *d = NULL;
	double s[4];

	CHECK(opr_deps_analyze(g, &d, &err) == OPR_OK);
	c0_scores(g, d, OPR_CRIT_FPGM, 0, s);
	CHECK(NEAR(s[0], sqrt(2) + 8));
	CHECK(NEAR(s[1], sqrt(2) + 2 * sqrt(10)));
	CHECK(NEAR(s[2], 4 + sqrt(10) + 4 * sqrt(2)) && NEAR(s[3], s[2]));
	opr_deps_free(d);
	opr_graph_free(g);
	CHECK(c0_removed(w0, NULL, OPR_CRIT_FPGM, 0.25, 0) == 1 << 1);
	CHECK(c0_removed(w0, NULL, OPR_CRIT_L1, 0.25, 0) == 1 << 0);
}

/* bn_scale: |gamma|, the smallest goes; random: seeded. */
static void test_bn_random(void)
{
	static const float w0[8] = { 1, 1, 1, 1, 1, 1, 1, 1 };
	static const float gamma[4] = { 0.5f, -0.1f, 2, 1 };
	struct opr_graph *g = tiny(w0, gamma);
	struct opr_err err = { 0 };
	struct opr_deps *d = NULL;
	double s[4], a[4], b[4];
	int ch, same = 1;

	CHECK(opr_deps_analyze(g, &d, &err) == OPR_OK);
	c0_scores(g, d, OPR_CRIT_BN_SCALE, 0, s);
	CHECK(NEAR(s[0], 0.5) && NEAR(s[1], 0.1) && NEAR(s[2], 2) &&
	      NEAR(s[3], 1));
	c0_scores(g, d, OPR_CRIT_RANDOM, 1, a);
	c0_scores(g, d, OPR_CRIT_RANDOM, 1, s);
	c0_scores(g, d, OPR_CRIT_RANDOM, 2, b);
	for (ch = 0; ch < 4; ch++) {
		CHECK(a[ch] == s[ch] && a[ch] >= 0 && a[ch] < 1);
		same &= a[ch] == b[ch];
	}
	CHECK(!same);
	opr_deps_free(d);
	opr_graph_free(g);
	CHECK(c0_removed(w0, gamma, OPR_CRIT_BN_SCALE, 0.25, 0) == 1 << 1);
	CHECK(c0_removed(w0, gamma, OPR_CRIT_BN_SCALE, 0.5, 0) == 3);
}

/* Normalisation: divided by the group mean. */
static void test_normalize(void)
{
	static const float w0[8] = { 2, 2, 3, 0, 1, 1, 2.5f, 0 };
	struct opr_graph *g = tiny(w0, NULL);
	struct opr_err err = { 0 };
	struct opr_deps *d = NULL;
	double *s;
	int c0;

	CHECK(opr_deps_analyze(g, &d, &err) == OPR_OK);
	s = calloc((size_t)d->n_classes + 1, sizeof(double));
	CHECK(opr_crit_scores(g, d, OPR_CRIT_L1, 0, s, &err) == OPR_OK);
	opr_crit_normalize(d, s);
	c0 = class_of(g, d, "c0", 0);
	CHECK(NEAR(s[c0], 4 / 2.875));	/* mean of 4, 3, 2, 2.5 */
	free(s);
	opr_deps_free(d);
	opr_graph_free(g);
}

/* MACs of the tiny graph: c0 4*16*2 = 128, c1 3*16*4 = 192. */
static void test_macs(void)
{
	static const float w0[8] = { 2, 2, 3, 0, 1, 1, 2.5f, 0 };
	struct opr_graph *g = tiny(w0, NULL);
	struct opr_err err = { 0 };
	struct opr_deps *d = NULL;
	struct opr_macs *m = NULL;

	CHECK(opr_deps_analyze(g, &d, &err) == OPR_OK);
	CHECK(opr_macs_new(g, d, &m, &err) == OPR_OK);
	CHECK(opr_macs_base(m) == 320 && opr_macs_total(m) == 320);
	opr_macs_set(m, class_of(g, d, "c0", 1), 1);	/* 96 + 144 */
	CHECK(opr_macs_total(m) == 240);
	opr_macs_set(m, class_of(g, d, "c0", 1), 1);	/* idempotent */
	CHECK(opr_macs_total(m) == 240);
	opr_macs_set(m, class_of(g, d, "c0", 2), 1);	/* 64 + 96 */
	CHECK(opr_macs_total(m) == 160);
	opr_macs_set(m, class_of(g, d, "c0", 1), 0);
	CHECK(opr_macs_total(m) == 240);
	opr_macs_free(m);
	/* target 0.5 = 160 MACs: two channels go, the two smallest l1 */
	CHECK(c0_removed(w0, NULL, OPR_CRIT_L1, 0, 0.5) == 0xc);
	/* target 0.8 = 256: one channel (240) */
	CHECK(c0_removed(w0, NULL, OPR_CRIT_L1, 0, 0.8) == 1 << 2);
	opr_deps_free(d);
	opr_graph_free(g);
}

/*
 * mac_aware: x[1,2,4,4] -> Conv cA (4) -> Relu -> Conv cB (8) -> Relu ->
 * Conv cC (2).  A channel of cA saves 16 (2 + 8) = 160 MACs, one of cB
 * 16 (4 + 2) = 96, of 896.  cA's channels score 1.1, cB's 1.0: the plain
 * ranking takes two of cB (704 MACs), the per-MAC one (keys 0.81 and
 * 1.22) one of cA (736); both meet 0.83 with a 0.05 band.
 */
static void test_mac_aware(void)
{
	static float w[64];
	struct opr_graph *g = t_with_x("1,2,4,4");
	struct opr_select_opts so = { .ratio = -1, .target = 0.83,
				      .tol = 0.05 };
	struct opr_select_result res;
	struct opr_err err = { 0 };
	struct opr_deps *d = NULL;
	double *s;
	unsigned char *rm;
	int aware, ch, in_a, in_b;

	conv(g, "cA", "x", "a", 4, 2, 1, w);
	t_node(g, "Relu", "a", "a1");
	conv(g, "cB", "a1", "b", 8, 4, 1, w);
	t_node(g, "Relu", "b", "b1");
	conv(g, "cC", "b1", "y", 2, 8, 1, w);
	t_outputs(g, "y");
	INFER(g);
	CHECK(opr_deps_analyze(g, &d, &err) == OPR_OK);
	s = calloc((size_t)d->n_classes + 1, sizeof(double));
	rm = calloc((size_t)d->n_classes + 1, 1);
	for (ch = 0; ch < d->n_classes; ch++)
		s[ch] = 1.0;
	for (ch = 0; ch < 4; ch++)
		s[class_of(g, d, "cA", ch)] = 1.1;
	for (aware = 0; aware < 2; aware++) {
		so.mac_aware = aware;
		CHECK(opr_select(g, d, s, &so, rm, &res, &err) == OPR_OK);
		CHECK(opr_prune_check(d, rm, &err) == OPR_OK);
		for (ch = in_a = 0; ch < 4; ch++)
			in_a += rm[class_of(g, d, "cA", ch)];
		for (ch = in_b = 0; ch < 8; ch++)
			in_b += rm[class_of(g, d, "cB", ch)];
		CHECK(res.macs_before == 896 && res.within_tol);
		CHECK(aware ? in_a == 1 && in_b == 0 && res.macs_after == 736 :
		      in_a == 0 && in_b == 2 && res.macs_after == 704);
	}
	free(s);
	free(rm);
	opr_deps_free(d);
	opr_graph_free(g);
}

/*
 * A group of n channels: x[1,2,4,4] -> Conv a (n filters) -> Relu -> Conv
 * b (3 filters) -> y.  Its group is the first prunable one.
 */
static struct opr_graph *wide(int n, struct opr_deps **d, int *gi)
{
	static float wa[2 * 64], wb[3 * 64];
	struct opr_graph *g = t_with_x("1,2,4,4");
	struct opr_err err = { 0 };
	int i;

	for (i = 0; i < 2 * n; i++)
		wa[i] = (float)(i + 1);
	for (i = 0; i < 3 * n; i++)
		wb[i] = 1;
	conv(g, "a", "x", "h", n, 2, 1, wa);
	name(g, t_node(g, "Relu", "h", "h2"), "r");
	conv(g, "b", "h2", "y", 3, n, 1, wb);
	t_outputs(g, "y");
	INFER(g);
	CHECK(opr_deps_analyze(g, d, &err) == OPR_OK);
	for (*gi = 0; *gi < (*d)->n_groups && (*d)->groups[*gi].frozen; ++*gi)
		;
	CHECK(*gi < (*d)->n_groups && (*d)->groups[*gi].n_classes == n);
	return g;
}

/* Removed count of a ratio selection of the wide graph. */
static int ratio_count(int n, double ratio, int round_to)
{
	struct opr_select_opts so = { .ratio = ratio, .round_to = round_to };
	struct opr_select_result res;
	struct opr_err err = { 0 };
	struct opr_deps *d = NULL;
	struct opr_graph *g;
	double *s;
	unsigned char *rm;
	int gi, r;

	g = wide(n, &d, &gi);
	s = calloc((size_t)d->n_classes + 1, sizeof(double));
	rm = calloc((size_t)d->n_classes + 1, 1);
	CHECK(opr_crit_scores(g, d, OPR_CRIT_L1, 0, s, &err) == OPR_OK);
	CHECK(opr_select(g, d, s, &so, rm, &res, &err) == OPR_OK);
	CHECK(opr_prune_check(d, rm, &err) == OPR_OK);
	r = res.classes_removed;
	/* opr_select_count() agrees */
	CHECK(r == opr_select_count(g, d, gi, (int)floor(ratio * n + 0.5),
				    round_to));
	free(s);
	free(rm);
	opr_deps_free(d);
	opr_graph_free(g);
	return r;
}

/* The ratio arithmetic, with and without --round-to. */
static void test_ratio(void)
{
	CHECK(ratio_count(10, 0.3, 0) == 3);
	CHECK(ratio_count(10, 0.25, 0) == 3);	/* round(2.5) = 3 */
	CHECK(ratio_count(10, 0.24, 0) == 2);
	CHECK(ratio_count(10, 0.94, 0) == 9);	/* one stays */
	CHECK(ratio_count(10, 0.99, 0) == 9);
	CHECK(ratio_count(10, 0, 0) == 0);
	CHECK(ratio_count(1, 0.9, 0) == 0);
	/* round-to 4: kept 7 -> 8, 5 -> 8, 1 -> 4 */
	CHECK(ratio_count(10, 0.3, 4) == 2);
	CHECK(ratio_count(10, 0.5, 4) == 2);
	CHECK(ratio_count(10, 0.9, 4) == 6);
	CHECK(ratio_count(16, 0.3, 8) == 0);	/* kept 11 -> 16 */
	CHECK(ratio_count(16, 0.6, 8) == 8);
	CHECK(ratio_count(3, 0.5, 4) == 2);	/* fewer than 4: no rounding */
	CHECK(ratio_count(10, 0.3, 1) == 3);
}

/*
 * Grouped conv: x[1,2,4,4] -> Conv a (8 filters) -> Conv b (group 2,
 * 4 -> 4 per group) -> y.  a's channels 0..3 feed b's group 0.  l1 ranks
 * channels 0 and 1 lowest, both in group 0; the rule takes one from each.
 */
static void test_grouped(void)
{
	static const float wa[16] = { 1, 0, 2, 0, 30, 0, 40, 0,
				      5, 0, 6, 0, 70, 0, 80, 0 };
	static float wb[16];
	struct opr_select_opts so = { .ratio = 0.25 };
	struct opr_select_result res;
	struct opr_graph *g = t_with_x("1,2,4,4");
	struct opr_err err = { 0 };
	struct opr_deps *d = NULL;
	unsigned char *rm;
	double *s;
	int ch, mask = 0;

	conv(g, "a", "x", "h", 8, 2, 1, wa);
	conv(g, "b", "h", "y", 4, 8, 2, wb);
	t_outputs(g, "y");
	INFER(g);
	CHECK(opr_deps_analyze(g, &d, &err) == OPR_OK);
	s = calloc((size_t)d->n_classes + 1, sizeof(double));
	rm = calloc((size_t)d->n_classes + 1, 1);
	CHECK(opr_crit_scores(g, d, OPR_CRIT_L1, 0, s, &err) == OPR_OK);
	CHECK(opr_select(g, d, s, &so, rm, &res, &err) == OPR_OK);
	CHECK(opr_prune_check(d, rm, &err) == OPR_OK);
	for (ch = 0; ch < 8; ch++)
		if (class_of(g, d, "a", ch) >= 0 && rm[class_of(g, d, "a", ch)])
			mask |= 1 << ch;
	CHECK(mask == ((1 << 0) | (1 << 4)));
	/* ratio 0.125 (one channel) is not valid: nothing goes */
	so.ratio = 0.125;
	CHECK(opr_select(g, d, s, &so, rm, &res, &err) == OPR_OK);
	CHECK(res.classes_removed == 0);
	free(s);
	free(rm);
	opr_deps_free(d);
	opr_graph_free(g);
}

/* The pass itself: exclude, report, unknown node, the surgery. */
static void test_pass(void)
{
	static const float w0[8] = { 2, 2, 3, 0, 1, 1, 2.5f, 0 };
	static const char *const ex[] = { "c1" }, *const bad[] = { "nosuch" };
	struct opr_pass_opts o = { .ratio = 0.5 };
	struct opr_report rep = { 0 };
	struct opr_err err = { 0 };
	struct opr_graph *g = tiny(w0, NULL);
	int gi;

	o.report = &rep;
	CHECK(opr_pass_l1(g, &o, &err) == OPR_OK);
	CHECK(g->values[opr_graph_find_value(g, "h0")].dims[1] == 2);
	CHECK(rep.n_passes == 1 && strcmp(rep.passes[0].name, "l1") == 0);
	CHECK(rep.passes[0].macs_before == 320 && rep.passes[0].macs_after == 160);
	CHECK(rep.passes[0].groups_pruned == 1);
	for (gi = 0; gi < rep.passes[0].n_groups; gi++) {
		const struct opr_report_group *rg = &rep.passes[0].groups[gi];

		if (rg->status != OPR_REP_PRUNED)
			continue;
		CHECK(strcmp(rg->node, "c0") == 0 && rg->before == 4 &&
		      rg->kept == 2 && rg->kept_idx[0] == 0 &&
		      rg->kept_idx[1] == 1);
	}
	opr_graph_free(g);

	/* c1 touches the group of c0's channels: excluded, nothing goes */
	g = tiny(w0, NULL);
	o.exclude = ex;
	o.n_exclude = 1;
	CHECK(opr_pass_l2(g, &o, &err) == OPR_OK);
	CHECK(g->values[opr_graph_find_value(g, "h0")].dims[1] == 4);
	CHECK(rep.n_passes == 2 && rep.passes[1].groups_pruned == 0);
	o.exclude = bad;
	CHECK(opr_pass_l2(g, &o, &err) == OPR_EUSAGE && strstr(err.msg, "nosuch"));
	o.n_exclude = 0;
	o.ratio = -1;
	CHECK(opr_pass_fpgm(g, &o, &err) == OPR_EUSAGE);
	o.target_flops = 0.01;	/* below what one channel per group gives */
	CHECK(opr_pass_fpgm(g, &o, &err) == OPR_EUNSUPPORTED);
	CHECK(g->values[opr_graph_find_value(g, "h0")].dims[1] == 4);
	opr_report_clear(&rep);
	opr_graph_free(g);
}

/*
 * Shared models: random selections (ratio and target) removed by the
 * surgery have exactly the MACs the selection predicted.
 */
static void test_shared(const char *dir)
{
	static const char *const models[] = { "resnet20", "resnet56",
		"shufflenetv2_x0_5", "fmnist_vgg16", "fmnist_mobilenetv2" };
	int i, k;

	for (i = 0; i < (int)(sizeof(models) / sizeof(models[0])); i++)
		for (k = 0; k < 3; k++) {
			struct opr_pass_opts o = { .seed = (uint64_t)k,
						   .ratio = k == 0 ? 0.3 : -1,
						   .target_flops = k ? 0.4 : 0 };
			struct opr_model_stats st = { 0 };
			struct opr_err err = { 0 };
			struct opr_graph *g;
			char path[4096];
			int rc;

			snprintf(path, sizeof(path), "%s/%s.onnx", dir, models[i]);
			if (opr_import_file(path, &g, &err)) {
				fprintf(stderr, "%s: %s\n", path, err.msg);
				continue;	/* a missing shared model */
			}
			o.round_to = k == 2 ? 8 : 0;
			rc = opr_pass_random(g, &o, &err);
			if (rc && !(k == 2 && rc == OPR_EUNSUPPORTED)) {
				fprintf(stderr, "%s (seed %d): %s\n", models[i], k,
					err.msg);
				t_failures++;
			}
			CHECK(opr_model_stats(g, &st, &err) == OPR_OK);
			opr_stats_free(&st);
			opr_graph_free(g);
		}
}

/*
 * Smallest share of its channels a pruned group of pass's run on the
 * shared fmnist_vgg16 at --target-flops 0.25 keeps, with the cap
 * max_ratio (0: none); -1 when the model is missing.
 */
static double vgg_min_kept(const char *dir, const char *pass, double max_ratio)
{
	struct opr_pass_opts o = { .ratio = -1, .target_flops = 0.25,
				   .max_group_ratio = max_ratio };
	struct opr_report rep = { 0 };
	struct opr_err err = { 0 };
	struct opr_graph *g;
	char path[4096];
	double least = 1;
	int gi;

	snprintf(path, sizeof(path), "%s/fmnist_vgg16.onnx", dir);
	if (opr_import_file(path, &g, &err))
		return -1;
	o.report = &rep;
	CHECK(opr_pass_find(pass)->run(g, &o, &err) == OPR_OK);
	CHECK(rep.n_passes == 1 && rep.passes[0].macs_after <=
	      0.25 * (double)rep.passes[0].macs_before);
	if (rep.n_passes == 1) {	/* the cap is in the report's values */
		const struct opr_report_pass *p = &rep.passes[0];
		int k, seen = 0;

		for (k = 0; k < p->n_kv; k++)
			if (!strcmp(p->kv[k].key, "max_group_ratio"))
				seen = p->kv[k].value == max_ratio;
		CHECK(seen == (max_ratio > 0));
	}
	for (gi = 0; rep.n_passes == 1 && gi < rep.passes[0].n_groups; gi++) {
		const struct opr_report_group *rg = &rep.passes[0].groups[gi];

		if (rg->status != OPR_REP_PRUNED)
			continue;
		if ((double)rg->kept / rg->before < least)
			least = (double)rg->kept / rg->before;
		if (max_ratio > 0)	/* loses at most floor(R n) */
			CHECK(rg->before - rg->kept <=
			      (int)floor(max_ratio * rg->before));
	}
	opr_report_clear(&rep);
	opr_graph_free(g);
	return least;
}

/*
 * --max-group-ratio: the global ranking of bn_attn and l1 at 0.25 of the
 * MACs of fmnist_vgg16 leaves some layer less than 40 % of its channels;
 * with 0.6 every group keeps 40 % or more, and the target is still met.
 */
static void test_max_group_ratio(const char *dir)
{
	static const char *const pass[] = { "bn_attn", "l1" };
	double free_min, capped_min;
	int i;

	for (i = 0; i < 2; i++) {
		free_min = vgg_min_kept(dir, pass[i], 0);
		if (free_min < 0)
			return;		/* a missing shared model */
		capped_min = vgg_min_kept(dir, pass[i], 0.6);
		printf("max_group_ratio: %s at 0.25 MACs: smallest share kept "
		       "%.3f without a cap, %.3f with 0.6\n", pass[i],
		       free_min, capped_min);
		CHECK(free_min < 0.4);	/* the cap has work to do */
		CHECK(capped_min >= 0.4);
	}
}

int main(int argc, char **argv)
{
	test_norms();
	test_fpgm();
	test_bn_random();
	test_normalize();
	test_macs();
	test_mac_aware();
	test_ratio();
	test_grouped();
	test_pass();
	if (argc > 1) {
		test_shared(argv[1]);
		test_max_group_ratio(argv[1]);
	}
	if (t_failures) {
		fprintf(stderr, "%d check(s) failed\n", t_failures);
		return 1;
	}
	printf("all checks passed\n");
	return 0;
}
