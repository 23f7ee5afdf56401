/*
 * test_deps.c - the dependency analysis (src/passes/deps*.c) on the tiny
 * models of make_models.py, group by group, and sanity checks on the
 * shared models.
 *
 * Usage: test_deps MODEL_DIR [SHARED_MODEL_DIR]
 *
 * Each case lists the exact groups (canonical lines of deps_dump.h, in the
 * analysis' order) and then checks that chosen channels share a class or
 * not: the index maps themselves (Concat offsets, Flatten strides, channel
 * shuffle, depthwise multipliers) and the MACs of some groups, worked out
 * by hand in the comments.  The shared models are checked for their group
 * counts and sizes and a few couplings the issue names; a missing shared
 * model is skipped.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "deps_dump.h"

static int n_checks, n_failed;

#define CHECK(c) check((c), #c, __LINE__)

static void check(int ok, const char *what, int line)
{
	n_checks++;
	if (ok)
		return;
	n_failed++;
	fprintf(stderr, "test_deps.c:%d: CHECK(%s) failed\n", line, what);
}

/* Imports dir/name.onnx and analyses it; NULL (a failure) when it cannot. */
static struct opr_graph *load(const char *dir, const char *name,
			      struct opr_deps **d, int quiet_missing)
{
	char path[4096];
	struct opr_graph *g;
	struct opr_err err;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s.onnx", dir, name);
	if (quiet_missing && !(f = fopen(path, "rb")))
		return NULL;
	if (quiet_missing)
		fclose(f);
	if (opr_import_file(path, &g, &err)) {
		fprintf(stderr, "%s: %s\n", path, err.msg);
		n_failed++;
		return NULL;
	}
	if (opr_deps_analyze(g, d, &err)) {
		fprintf(stderr, "%s: %s\n", path, err.msg);
		n_failed++;
		opr_graph_free(g);
		return NULL;
	}
	return g;
}

/* Compares the groups of d with want[] (NULL-terminated). */
static void expect_groups(const struct opr_graph *g, const struct opr_deps *d,
			  const char *name, const char *const *want)
{
	static char line[1 << 16];
	int i, n = 0;

	while (want[n])
		n++;
	n_checks++;
	for (i = 0; i < d->n_groups || i < n; i++) {
		const char *got = i < d->n_groups ?
				  deps_dump_group(g, d, i, line, sizeof(line)) : "(none)";

		if (i < n && strcmp(got, want[i]) == 0)
			continue;
		fprintf(stderr, "%s: group %d\n   got  %s\n   want %s\n", name, i,
			got, i < n ? want[i] : "(none)");
		n_failed++;
		return;
	}
}

/* Class of the member (node called name, role, index), -1 when none. */
static int cls_of(const struct opr_graph *g, const struct opr_deps *d,
		  const char *name, int role, int index)
{
	int i;

	for (i = 0; i < d->n_members; i++) {
		const struct opr_deps_member *m = &d->members[i];

		if (m->node >= 0 && m->role == role && m->index == index &&
		    strcmp(g->nodes[m->node].name, name) == 0)
			return m->cls;
	}
	return -1;
}

#define OUT(n, i) cls_of(g, d, n, OPR_ROLE_OUT, i)
#define IN(n, i) cls_of(g, d, n, OPR_ROLE_IN, i)

/* One tiny model: its groups and the class checks run on it. */
struct tcase {
	const char *name;
	const char *groups[12];
	void (*more)(const struct opr_graph *g, const struct opr_deps *d);
};

static void more_residual(const struct opr_graph *g, const struct opr_deps *d)
{
	/* the chain touches c0, c1 (both sides) and c2's input: all MACs */
	CHECK(d->groups[0].macs == d->total_macs);
	CHECK(OUT("c0", 2) == IN("c2", 2) && OUT("c1", 2) == IN("c1", 2));
	CHECK(OUT("c0", 2) != OUT("c0", 3));
}

static void more_option_a(const struct opr_graph *g, const struct opr_deps *d)
{
	/* stage-1 channel 1 is stage-2 channel 1 + 2 (pad begin 2) */
	CHECK(OUT("c0", 1) == OUT("c2", 3) && OUT("c2", 3) == IN("c3", 3));
	CHECK(OUT("c2", 6) == IN("c3", 6) && OUT("c2", 6) != OUT("c0", 3));
	CHECK(cls_of(g, d, "p", OPR_ROLE_PADDED, 7) == OUT("c2", 7));
}

static void more_concat2(const struct opr_graph *g, const struct opr_deps *d)
{
	/* ca: 192 MACs + cc's 320 * 4/10; total 192 + 288 + 320 = 800 */
	CHECK(d->total_macs == 800 && d->groups[0].macs == 320);
	CHECK(OUT("cb", 0) == IN("cc", 4) && OUT("ca", 3) == IN("cc", 3));
}

static void more_concat_same(const struct opr_graph *g,
			     const struct opr_deps *d)
{
	CHECK(OUT("ca", 1) == IN("cc", 1) && OUT("ca", 1) == IN("cc", 5));
	CHECK(IN("cc", 1) != IN("cc", 2));
}

static void more_shuffle(const struct opr_graph *g, const struct opr_deps *d)
{
	/* column j of the [2,4] view: ca j, cb j, shuffled 2j and 2j+1 */
	CHECK(OUT("ca", 1) == OUT("cb", 1) && OUT("ca", 1) == IN("cc", 2) &&
	      OUT("ca", 1) == IN("cc", 3));
	CHECK(OUT("ca", 2) == IN("cd", 0) && OUT("cb", 3) == IN("cd", 3));
	CHECK(OUT("ca", 0) != OUT("ca", 1));
}

static void more_depthwise(const struct opr_graph *g, const struct opr_deps *d)
{
	CHECK(OUT("c0", 2) == IN("dw", 2) && IN("dw", 2) == OUT("dw", 2));
	/* multiplier 2: input 1 feeds outputs 2 and 3 */
	CHECK(OUT("c1", 1) == OUT("dm", 2) && OUT("dm", 3) == IN("c2", 3) &&
	      OUT("c1", 1) == IN("c2", 2));
	CHECK(OUT("dm", 1) != OUT("dm", 2));
}

static void more_grouped(const struct opr_graph *g, const struct opr_deps *d)
{
	CHECK(!d->groups[0].frozen && d->groups[0].n_reasons == 1 &&
	      d->reasons[d->groups[0].first_reason].kind == OPR_WHY_GROUPED);
	CHECK(OUT("c0", 5) == IN("gc", 5) && OUT("c0", 5) != OUT("c0", 4));
}

static void more_flatten(const struct opr_graph *g, const struct opr_deps *d)
{
	/* channel c of the 3x3 map is Gemm columns 9c .. 9c+8 */
	CHECK(OUT("c0", 2) == IN("g0", 18) && OUT("c0", 2) == IN("g0", 26));
	CHECK(OUT("c0", 3) == IN("g0", 27) && OUT("c0", 2) != IN("g0", 27));
	CHECK(OUT("c0", 0) == IN("g0", 8) && OUT("c0", 0) != IN("g0", 9));
}

static void more_reshape(const struct opr_graph *g, const struct opr_deps *d)
{
	CHECK(OUT("c0", 1) == IN("mm", 9) && OUT("c0", 1) == IN("mm", 17));
	CHECK(OUT("c0", 1) != IN("mm", 18));
}

static void more_blockers(const struct opr_graph *g, const struct opr_deps *d)
{
	char buf[512];
	const struct opr_deps_reason *r = &d->reasons[d->groups[0].first_reason];

	opr_deps_reason_str(g, r, buf, sizeof(buf));
	CHECK(strcmp(buf, "blocker node 'sm' (Softmax): softmax over the batch "
		     "or channel axis") == 0);
	r = &d->reasons[d->groups[3].first_reason];
	opr_deps_reason_str(g, r, buf, sizeof(buf));
	CHECK(strcmp(buf, "blocker node 'e' (Erf): op not in the op table") == 0);
}

static void more_slice(const struct opr_graph *g, const struct opr_deps *d)
{
	CHECK(OUT("c0", 3) == IN("c1", 1) && OUT("c0", 6) != OUT("c0", 5));
	CHECK(!d->groups[0].frozen && d->groups[0].n_members == 4);
}

static const struct tcase cases[] = {
	{ "residual", {
		"4 out:c0=0-3 param:b0.1 param:b0.2 param:b0.3 param:b0.4 "
		"pass:r0.0 out:c1=0-3 in:c1=0-3 param:b1.1 param:b1.2 param:b1.3 "
		"param:b1.4 pass:add.0 pass:r1.0 in:c2=0-3",
		"3F in:c0=0-2 graph-input:x | input:x",
		"2F out:c2=0-1 classifier:c2 graph-output:y | classifier:c2 output:y",
	}, more_residual },
	{ "option_a", {
		"4 out:c0=0-3 pass:r0.0 in:c1=0-3 out:c2=2-5 pass:s.0 "
		"map-in:p.0=0-3 map-out:p.0=2-5 pass:add.0 pass:r2.0 in:c3=2-5",
		"3F in:c0=0-2 graph-input:x | input:x",
		"8 out:c1=0-7 pass:r1.0 in:c2=0-7",
		"4 out:c2=0-1,6-7 padded:p=0-1,6-7 pass:add.0 pass:r2.0 "
		"in:c3=0-1,6-7",
		"2F out:c3=0-1 classifier:c3 graph-output:y | classifier:c3 output:y",
	}, more_option_a },
	{ "concat2", {
		"4 out:ca=0-3 map-in:cat.0=0-3 map-out:cat.0=0-3 in:cc=0-3",
		"3F in:ca=0-2 in:cb=0-2 graph-input:x | input:x",
		"6 out:cb=0-5 map-in:cat.1=0-5 map-out:cat.0=4-9 in:cc=4-9",
		"2F out:cc=0-1 classifier:cc graph-output:y | classifier:cc output:y",
	}, more_concat2 },
	{ "concat_same", {
		"4 out:ca=0-3 map-in:cat.0=0-3 map-in:cat.1=0-3 map-out:cat.0=0-7 "
		"in:cc=0-7",
		"3F in:ca=0-2 graph-input:x | input:x",
		"2F out:cc=0-1 classifier:cc graph-output:y | classifier:cc output:y",
	}, more_concat_same },
	{ "shuffle", {
		"2 out:ca=0-1 out:cb=0-1 map-in:cat.0=0-1 map-in:cat.1=0-1 "
		"map-out:cat.0=0-1,4-5 map-in:rs.0=0-1,4-5 map-out:rs.0=0-1,4-5 "
		"map-in:tr.0=0-1,4-5 map-out:tr.0=0-3 map-in:rs2.0=0-3 "
		"map-out:rs2.0=0-3 map-in:sp.0=0-3 map-out:sp.0=0-3 in:cc=0-3",
		"2 out:ca=2-3 out:cb=2-3 map-in:cat.0=2-3 map-in:cat.1=2-3 "
		"map-out:cat.0=2-3,6-7 map-in:rs.0=2-3,6-7 map-out:rs.0=2-3,6-7 "
		"map-in:tr.0=2-3,6-7 map-out:tr.0=4-7 map-in:rs2.0=4-7 "
		"map-out:rs2.0=4-7 map-in:sp.0=4-7 map-out:sp.1=0-3 in:cd=0-3",
		"3F in:ca=0-2 in:cb=0-2 graph-input:x | input:x",
		"2F out:cc=0-1 classifier:cc out:cd=0-1 classifier:cd pass:add.0 "
		"graph-output:y | classifier:cc classifier:cd output:y",
	}, more_shuffle },
	{ "depthwise", {
		"4 out:c0=0-3 out:dw=0-3 in:dw=0-3 in:c1=0-3",
		"3F in:c0=0-2 graph-input:x | input:x",
		"4 out:c1=0-3 out:dm=0-7 in:dm=0-3 in:c2=0-7",
		"2F out:c2=0-1 classifier:c2 graph-output:y | classifier:c2 output:y",
	}, more_depthwise },
	{ "grouped", {
		"8 out:c0=0-7 in:gc=0-7 | grouped:gc/2",
		"3F in:c0=0-2 graph-input:x | input:x",
		"4 out:gc=0-3 in:c1=0-3 | grouped:gc/2",
		"1F out:c1=0 classifier:c1 graph-output:y | classifier:c1 output:y",
	}, more_grouped },
	{ "flatten_gemm", {
		"4 out:c0=0-3 pass:r0.0 map-in:fl.0=0-3 map-out:fl.0=0-35 in:g0=0-35",
		"3F in:c0=0-2 graph-input:x | input:x",
		"5 out:g0=0-4 pass:r1.0 in:g1=0-4",
		"3F out:g1=0-2 classifier:g1 graph-output:y | classifier:g1 output:y",
	}, more_flatten },
	{ "reshape_matmul", {
		"4 out:c0=0-3 map-in:rs.0=0-3 map-out:rs.0=0-35 in:mm=0-35",
		"3F in:c0=0-2 graph-input:x | input:x",
		"5F out:mm=0-4 classifier:mm graph-output:y | classifier:mm output:y",
	}, more_reshape },
	{ "reduce_gemm", {
		"4 out:c0=0-3 pass:rm.0 in:g=0-3",
		"3F in:c0=0-2 graph-input:x | input:x",
		"3F out:g=0-2 classifier:g graph-output:y | classifier:g output:y",
	}, NULL },
	{ "blockers", {
		"4F out:c0=0-3 block:sm.in0 | blocker:sm",
		"3F in:c0=0-2 graph-input:x | input:x",
		"4F block:sm.out0 in:c1=0-3 | blocker:sm",
		"4F out:c1=0-3 block:e.in0 | blocker:e",
		"4F block:e.out0 in:c2=0-3 | blocker:e",
		"4 out:c2=0-3 pass:smx.0 in:c3=0-3",
		"2F out:c3=0-1 classifier:c3 graph-output:y | classifier:c3 output:y",
	}, more_blockers },
	{ "se_mul", {
		"8 out:c0=0-7 pass:r0.0 pass:gap.0 in:s1=0-7 out:s2=0-7 pass:sg.0 "
		"pass:mul.0 param:am.1 pass:am.0 pass:ms.0 in:c1=0-7",
		"3F in:c0=0-2 graph-input:x | input:x",
		"2 out:s1=0-1 pass:sr.0 in:s2=0-1",
		"2F out:c1=0-1 classifier:c1 graph-output:y | classifier:c1 output:y",
	}, NULL },
	{ "slice_channels", {
		"4 out:c0=0-1,6-7",
		"4 out:c0=2-5 map-in:sl.0=2-5 map-out:sl.0=0-3 in:c1=0-3",
		"3F in:c0=0-2 graph-input:x | input:x",
		"2F out:c1=0-1 classifier:c1 graph-output:y | classifier:c1 output:y",
	}, more_slice },
	{ "misc", {
		"4F out:c0=0-3 block:pr.in0 | blocker:pr",
		"3F in:c0=0-2 in:c3=0-2 graph-input:x | input:x",
		"6F block:pr.out0 in:c1=0-5 | blocker:pr",
		"4F out:c1=0-3 block:tr.in0 | blocker:tr",
		"4F block:tr.out0 pass:r.0 block:tb.in0 | blocker:tr blocker:tb",
		"4F block:tb.out0 in:c2=0-3 | blocker:tb",
		"4 out:c2=0-3 out:c3=0-3 pass:cs.0 in:c4=0-3",
		"2F out:c4=0-1 classifier:c4 graph-output:y | classifier:c4 output:y",
	}, NULL },
};

/*
 * Sizes of the groups of d as "n n n ... / frozen n n" (prunable in order,
 * then frozen), for the shared-model summaries.
 */
static const char *sizes(const struct opr_deps *d, char *buf, size_t len)
{
	size_t used = 0;
	int i, fr;

	buf[0] = '\0';
	for (fr = 0; fr < 2; fr++) {
		if (fr && used < len)
			used += (size_t)snprintf(buf + used, len - used, "/");
		for (i = 0; i < d->n_groups && used < len; i++)
			if (d->groups[i].frozen == fr)
				used += (size_t)snprintf(buf + used, len - used, "%s%d",
							 used && buf[used - 1] != '/' ?
							 " " : "", d->groups[i].n_classes);
	}
	return buf;
}

/* The group of class c. */
#define GROUP(c) ((c) >= 0 ? d->classes[c].group : -1)

static void shared_resnet(const char *dir, const char *name, const char *want,
			  const char *first)
{
	char buf[2048], l1[256], l3[256];
	struct opr_deps *d;
	struct opr_graph *g = load(dir, name, &d, 1);

	if (!g)
		return;
	n_checks++;
	if (strcmp(sizes(d, buf, sizeof(buf)), want)) {
		fprintf(stderr, "%s: group sizes\n   got  %s\n   want %s\n", name,
			buf, want);
		n_failed++;
	}
	/* option A: stage-1 channel c is stage-2 channel c+8, stage-3 c+24 */
	snprintf(l1, sizeof(l1), "/layer1/layer1.0/conv2/Conv");
	snprintf(l3, sizeof(l3), "/layer3/layer3.0/conv2/Conv");
	CHECK(OUT(first, 3) >= 0 && OUT(first, 3) == OUT(l1, 3) &&
	      OUT(l1, 3) == OUT("/layer2/layer2.0/conv2/Conv", 11) &&
	      OUT(l1, 3) == OUT(l3, 27));
	CHECK(GROUP(OUT(l3, 0)) == GROUP(OUT(l3, 63)) &&
	      GROUP(OUT(l3, 0)) != GROUP(OUT(l3, 16)) &&
	      GROUP(OUT(l3, 16)) != GROUP(OUT(l3, 24)));
	/* each block's inner conv is a group of its own */
	CHECK(d->groups[GROUP(OUT("/layer2/layer2.1/conv1/Conv", 0))].n_classes == 32);
	opr_deps_free(d);
	opr_graph_free(g);
}

static void shared_models(const char *dir)
{
	static const char r20[] = "16 16 16 16 32 16 32 32 64 32 64 64/";
	static const char r56[] = "16 16 16 16 16 16 16 16 16 16 32 16 32 32 32 32 "
				  "32 32 32 32 64 32 64 64 64 64 64 64 64 64/";
	char want[256], buf[2048];
	struct opr_deps *d;
	struct opr_graph *g;
	int c;

	snprintf(want, sizeof(want), "%s3 10", r20);
	shared_resnet(dir, "resnet20", want, "/conv1/Conv");
	shared_resnet(dir, "resnet20-fused", want, "/conv1/Conv");
	snprintf(want, sizeof(want), "%s1 10", r20);
	shared_resnet(dir, "fmnist_resnet20", want, "/conv1/Conv");
	snprintf(want, sizeof(want), "%s3 10", r56);
	shared_resnet(dir, "resnet56", want, "/conv1/Conv");
	snprintf(want, sizeof(want), "%s1 10", r56);
	shared_resnet(dir, "fmnist_resnet56", want, "/conv1/Conv");

	if ((g = load(dir, "fmnist_vgg16", &d, 1))) {
		CHECK(strcmp(sizes(d, buf, sizeof(buf)), "16 16 32 32 64 64 64 128 "
			     "128 128 128 128 128 256 256/1 10") == 0);
		/* last conv: 128 channels -> 1152 Gemm columns, stride 9 */
		for (c = 0; c < 128; c++)
			CHECK(OUT("/features/features.39/Conv", c) ==
			      IN("/classifier/classifier.0/Gemm", 9 * c + 8) &&
			      OUT("/features/features.39/Conv", c) ==
			      IN("/classifier/classifier.0/Gemm", 9 * c));
		opr_deps_free(d);
		opr_graph_free(g);
	}
	if ((g = load(dir, "fmnist_mobilenetv2", &d, 1))) {
		CHECK(d->n_groups == 27);
		/* expansion + depthwise + projection input: one group */
#define F5 "/features/features.5/conv/"
		c = OUT(F5 "conv.0/conv.0.0/Conv", 7);
		CHECK(c >= 0 && c == OUT(F5 "conv.1/conv.1.0/Conv", 7) &&
		      c == IN(F5 "conv.1/conv.1.0/Conv", 7) &&
		      c == IN(F5 "conv.2/Conv", 7));
		/* residual Adds chain the projections of features.4..6 */
		c = OUT("/features/features.4/conv/conv.2/Conv", 5);
		CHECK(c >= 0 && c == OUT("/features/features.5/conv/conv.2/Conv", 5) &&
		      c == OUT("/features/features.6/conv/conv.2/Conv", 5));
		opr_deps_free(d);
		opr_graph_free(g);
	}
	if ((g = load(dir, "shufflenetv2_x0_5", &d, 1))) {
		CHECK(strcmp(sizes(d, buf, sizeof(buf)), "24 3 3 6 12 24 24 24 24 1 "
			     "1 1 3 6 12 24 48 48 48 48 48 48 48 48 12 12 24 48 96 96 "
			     "96 96 1024/3 10") == 0);
		/* branch1 and branch2 outputs j share a column of the shuffle */
		c = OUT("/stage2/stage2.0/branch1/branch1.2/Conv", 5);
		CHECK(c >= 0 && c == OUT("/stage2/stage2.0/branch2/branch2.5/Conv", 5));
		opr_deps_free(d);
		opr_graph_free(g);
	}
}

/* The ops whose rule is BLOCK are exactly these (a new op needs a rule). */
static void op_table(void)
{
	static const enum opr_op blockers[] = {
		OPR_OP_UNKNOWN, OPR_OP_CONSTANT, OPR_OP_CONSTANTOFSHAPE,
		OPR_OP_EXPAND, OPR_OP_GATHER, OPR_OP_SHAPE,
	};
	int i, k, listed;

	for (i = 0; i < OPR_OP_COUNT; i++) {
		for (k = listed = 0; k < (int)(sizeof(blockers) / sizeof(blockers[0])); k++)
			listed |= blockers[k] == (enum opr_op)i;
		CHECK((opr_ops[i].chan == OPR_CHAN_BLOCK) == listed);
		CHECK(opr_ops[i].chan >= 0 && opr_ops[i].chan < OPR_CHAN_COUNT);
	}
}

int main(int argc, char **argv)
{
	size_t i;

	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: test_deps MODEL_DIR [SHARED_MODEL_DIR]\n");
		return 2;
	}
	op_table();
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct opr_deps *d;
		struct opr_graph *g = load(argv[1], cases[i].name, &d, 0);

		if (!g)
			continue;
		expect_groups(g, d, cases[i].name, cases[i].groups);
		if (cases[i].more)
			cases[i].more(g, d);
		opr_deps_free(d);
		opr_graph_free(g);
	}
	if (argc == 3)
		shared_models(argv[2]);
	printf("test_deps: %d checks, %d failed\n", n_checks, n_failed);
	return n_failed ? 1 : 0;
}
