/*
 * test_surgery_edits.c - what the surgery writes, checked by hand on the
 * tiny models of make_models.py (and on shufflenetv2 when given): the
 * attributes and constants the channel rules must rewrite.
 *
 * Usage: test_surgery_edits MODEL_DIR [SHARED_MODEL_DIR]
 *
 *   option_a     removing padded channels shrinks the Pad amounts
 *   depthwise    the group of a depthwise conv follows its channels
 *   grouped      a grouped conv keeps its group, loses columns per group
 *   even_split   an uneven removal gives Split explicit sizes (opset 13)
 *   opset10      Split sizes and Pad amounts as attributes, Slice inputs
 *   shuffle      the channel-shuffle Reshapes change their free dim only
 *   fold_chain   a folded constant turns the MatMul into a Gemm with a C
 *   shared_pads  a pads constant two Pads share is cloned for the one
 *                that changes
 *   shufflenet   a Slice end shared with the next Slice's start stays
 *                shared after the surgery
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "infer.h"
#include "surg_testlib.h"

static int n_checks, n_failed;

#define CHECK(c) check((c), #c, __LINE__)

static void check(int ok, const char *what, int line)
{
	n_checks++;
	if (ok)
		return;
	n_failed++;
	fprintf(stderr, "test_surgery_edits.c:%d: CHECK(%s) failed\n", line, what);
}

struct tm {
	struct opr_graph *g;
	struct opr_deps *d;
	unsigned char *sel;
};

static int load(const char *dir, const char *name, struct tm *t)
{
	char path[4096];
	struct opr_err err;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s.onnx", dir, name);
	memset(t, 0, sizeof(*t));
	if (!(f = fopen(path, "rb")))
		return -1;
	fclose(f);
	if (opr_import_file(path, &t->g, &err) ||
	    opr_deps_analyze(t->g, &t->d, &err)) {
		fprintf(stderr, "%s: %s\n", path, err.msg);
		n_failed++;
		return -1;
	}
	t->sel = calloc((size_t)t->d->n_classes + 1, 1);
	return t->sel ? 0 : -1;
}

static void unload(struct tm *t)
{
	opr_deps_free(t->d);
	opr_graph_free(t->g);
	free(t->sel);
}

/* Class of the member (node name, role, index), -1 when none. */
static int cls(const struct tm *t, const char *node, int role, int index)
{
	int i;

	for (i = 0; i < t->d->n_members; i++) {
		const struct opr_deps_member *m = &t->d->members[i];

		if (m->node >= 0 && m->role == role && m->index == index &&
		    strcmp(t->g->nodes[m->node].name, node) == 0)
			return m->cls;
	}
	return -1;
}

/* Selects the class of (node, role, index); 0 when found. */
static int sel(struct tm *t, const char *node, int role, int index)
{
	int c = cls(t, node, role, index);

	if (c < 0)
		return -1;
	t->sel[c] = 1;
	return 0;
}

static int prune(struct tm *t, struct opr_prune_stats *st)
{
	struct opr_err err;
	int rc = opr_prune_remove_stats(t->g, t->d, t->sel, st, &err);

	if (rc)
		fprintf(stderr, "prune: %s\n", err.msg);
	return rc;
}

static int node_of(const struct opr_graph *g, const char *name)
{
	int i;

	for (i = 0; i < g->n_nodes; i++)
		if (strcmp(g->nodes[i].name, name) == 0)
			return i;
	return -1;
}

/* Constant input k of node called name as ints into v; count or -1. */
static int ints_in(const struct opr_graph *g, const char *name, int k,
		   int64_t *v)
{
	int i = node_of(g, name), n;

	if (i < 0 || k >= g->nodes[i].n_in ||
	    opr_const_ints(g, g->nodes[i].in[k], v, 16, &n) != 1)
		return -1;
	return n;
}

/* INTS attribute of node called name into v; count or -1. */
static int ints_attr(const struct opr_graph *g, const char *name,
		     const char *attr, int64_t *v)
{
	int i = node_of(g, name), n;

	if (i < 0 || opr_attr_ints(&g->nodes[i], attr, v, 16, &n) != 1)
		return -1;
	return n;
}

/* Dims of input k of node called name. */
static const int64_t *dims_in(const struct opr_graph *g, const char *name,
			      int k)
{
	static const int64_t none[OPR_MAX_RANK] = { -9, -9, -9, -9 };
	int i = node_of(g, name);

	if (i < 0 || k >= g->nodes[i].n_in || g->nodes[i].in[k] < 0)
		return none;
	return g->values[g->nodes[i].in[k]].dims;
}

static void t_option_a(const char *dir)
{
	struct opr_prune_stats st;
	int64_t p[16];
	struct tm t;

	if (load(dir, "option_a", &t))
		return;
	/* padded channels 1 (before) and 6, 7 (after) of the 8 */
	CHECK(!sel(&t, "p", OPR_ROLE_PADDED, 1) && !sel(&t, "p", OPR_ROLE_PADDED, 6) &&
	      !sel(&t, "p", OPR_ROLE_PADDED, 7));
	CHECK(!prune(&t, &st));
	CHECK(ints_in(t.g, "p", 1, p) == 8 && p[1] == 1 && p[5] == 0 &&
	      p[0] == 0 && p[2] == 0);
	CHECK(dims_in(t.g, "c3", 1)[1] == 5 && st.classes == 3);
	unload(&t);
}

static void t_depthwise(const char *dir)
{
	struct opr_prune_stats st;
	struct tm t;
	int n;

	if (load(dir, "depthwise", &t))
		return;
	CHECK(!sel(&t, "c0", OPR_ROLE_OUT, 1) && !sel(&t, "c1", OPR_ROLE_OUT, 2));
	CHECK(!prune(&t, &st));
	n = node_of(t.g, "dw");
	CHECK(n >= 0 && opr_node_attr_int(&t.g->nodes[n], "group", 0) == 3);
	CHECK(dims_in(t.g, "dw", 1)[0] == 3 && dims_in(t.g, "dw", 1)[1] == 1);
	n = node_of(t.g, "dm");	/* multiplier 2: 3 inputs, 6 outputs */
	CHECK(n >= 0 && opr_node_attr_int(&t.g->nodes[n], "group", 0) == 3);
	CHECK(dims_in(t.g, "dm", 1)[0] == 6 && dims_in(t.g, "c2", 1)[1] == 6);
	unload(&t);
}

static void t_grouped(const char *dir)
{
	struct opr_prune_stats st;
	struct opr_err err;
	struct tm t;
	int n;

	if (load(dir, "grouped", &t))
		return;
	/* one input channel from each of gc's two groups */
	CHECK(!sel(&t, "c0", OPR_ROLE_OUT, 1));
	CHECK(opr_prune_check_graph(t.g, t.d, t.sel, &err) == OPR_EINVAL &&
	      strstr(err.msg, "'gc'") && strstr(err.msg, "same number"));
	CHECK(!sel(&t, "c0", OPR_ROLE_OUT, 6));
	CHECK(!prune(&t, &st));
	n = node_of(t.g, "gc");
	CHECK(n >= 0 && opr_node_attr_int(&t.g->nodes[n], "group", 0) == 2);
	CHECK(dims_in(t.g, "gc", 1)[0] == 4 && dims_in(t.g, "gc", 1)[1] == 3);
	unload(&t);
}

static void t_even_split(const char *dir)
{
	struct opr_prune_stats st;
	int64_t v[16];
	struct tm t;

	if (load(dir, "even_split", &t))
		return;
	CHECK(!sel(&t, "c0", OPR_ROLE_OUT, 5));
	CHECK(!prune(&t, &st));
	CHECK(ints_in(t.g, "sp", 1, v) == 2 && v[0] == 4 && v[1] == 3);
	unload(&t);
}

static void t_opset10(const char *dir)
{
	struct opr_prune_stats st;
	int64_t v[16];
	struct tm t;

	if (load(dir, "opset10", &t))
		return;
	/* Split [3, 5] -> [2, 5]; cat channel 2 (in the Slice) and padded 8 */
	CHECK(!sel(&t, "c0", OPR_ROLE_OUT, 0) && !sel(&t, "ca", OPR_ROLE_OUT, 2) &&
	      !sel(&t, "p", OPR_ROLE_PADDED, 8));
	CHECK(!prune(&t, &st));
	CHECK(ints_attr(t.g, "sp", "split", v) == 2 && v[0] == 2 && v[1] == 5);
	CHECK(ints_in(t.g, "sl", 1, v) == 1 && v[0] == 1);
	CHECK(ints_in(t.g, "sl", 2, v) == 1 && v[0] == 6);
	CHECK(ints_attr(t.g, "p", "pads", v) == 8 && v[1] == 2 && v[5] == 0);
	CHECK(dims_in(t.g, "c1", 1)[1] == 7);
	unload(&t);
}

static void t_shuffle(const char *dir)
{
	struct opr_prune_stats st;
	int64_t v[16];
	struct tm t;

	if (load(dir, "shuffle", &t))
		return;
	CHECK(!sel(&t, "ca", OPR_ROLE_OUT, 1));
	CHECK(!prune(&t, &st));
	CHECK(ints_in(t.g, "rs", 1, v) == 5 && v[0] == 0 && v[1] == 2 &&
	      v[2] == 3 && v[3] == 4);
	CHECK(ints_in(t.g, "rs2", 1, v) == 4 && v[1] == 6);
	CHECK(ints_in(t.g, "sp", 1, v) == 2 && v[0] == 2 && v[1] == 4);
	unload(&t);
}

static void t_fold_chain(const char *dir)
{
	struct opr_prune_stats st;
	struct tm t;
	int c, n, found = 0;

	/* the first channel whose constant is not 0 after ReLU */
	for (c = 0; c < 6 && !found; c++) {
		if (load(dir, "fold_chain", &t))
			return;
		CHECK(!sel(&t, "c1", OPR_ROLE_OUT, c));
		CHECK(!zero_filters(t.g, t.d, t.sel));
		CHECK(!prune(&t, &st));
		n = node_of(t.g, "mm");
		/* 4 Gemm columns (2x2 map) of one constant channel, or none */
		CHECK(st.unfolded == 0 && (st.folded == 4 || st.folded == 0));
		found = st.folded == 4;
		CHECK(n >= 0 && t.g->nodes[n].op == (found ? OPR_OP_GEMM :
						     OPR_OP_MATMUL));
		if (found)
			CHECK(t.g->nodes[n].n_in == 3 &&
			      dims_in(t.g, "mm", 2)[0] == 3);
		unload(&t);
	}
	CHECK(found);
}

static void t_shared_pads(const char *dir)
{
	struct opr_prune_stats st;
	int64_t v[16];
	struct tm t;

	if (load(dir, "shared_pads", &t))
		return;
	CHECK(!sel(&t, "pa", OPR_ROLE_PADDED, 0) && !sel(&t, "pa", OPR_ROLE_PADDED, 7));
	CHECK(!prune(&t, &st));
	CHECK(ints_in(t.g, "pa", 1, v) == 8 && v[1] == 1 && v[5] == 1);
	CHECK(ints_in(t.g, "pb", 1, v) == 8 && v[1] == 2 && v[5] == 2);
	CHECK(st.cloned == 1);
	unload(&t);
}

static void t_shufflenet(const char *dir)
{
	const char *a = "/stage2/stage2.1/Slice", *b = "/stage2/stage2.1/Slice_1";
	struct opr_prune_stats st;
	struct tm t;
	int i, j, n;

	if (!dir || load(dir, "shufflenetv2_x0_5", &t))
		return;
	/* a channel of stage 2's first unit: Slice end 24 -> fewer */
	n = cls(&t, "/stage2/stage2.0/branch1/branch1.2/Conv", OPR_ROLE_OUT, 0);
	CHECK(n >= 0);
	if (n >= 0)
		t.sel[n] = 1;
	CHECK(!prune(&t, &st));
	i = node_of(t.g, a);
	j = node_of(t.g, b);
	CHECK(i >= 0 && j >= 0 && t.g->nodes[i].in[2] == t.g->nodes[j].in[1]);
	CHECK(st.cloned == 0);
	unload(&t);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: test_surgery_edits MODEL_DIR "
			"[SHARED_MODEL_DIR]\n");
		return 2;
	}
	t_option_a(argv[1]);
	t_depthwise(argv[1]);
	t_grouped(argv[1]);
	t_even_split(argv[1]);
	t_opset10(argv[1]);
	t_shuffle(argv[1]);
	t_fold_chain(argv[1]);
	t_shared_pads(argv[1]);
	t_shufflenet(argc > 2 ? argv[2] : NULL);
	printf("%d checks, %d failed\n", n_checks, n_failed);
	return n_failed ? 1 : 0;
}
