/*
 * helpers_die.c MODE - proves that the tests' helper libraries can fail:
 * each mode hands one of them something it must refuse, and the helper
 * must stop the program (TREQUIRE, tdie.h) instead of going on.  Run by
 * dies.sh, which wants an abort and the requirement's message; reaching
 * the end of a mode is the failure.
 *
 *   tbuild_dup      tests/train/tbuild.c: a value name given twice
 *   tref_autopad    tests/train/tref_layers.c: a Conv with auto_pad, which
 *                   the double reference does not model
 *   deps_line       tests/deps/deps_dump.c: a group line longer than the
 *                   caller's buffer
 *   sp_no_conv      tests/softprune/sp_testlib.c: a Conv name not in the
 *                   model
 */
#include <stdio.h>
#include <string.h>

#include "deps_dump.h"
#include "passes/deps.h"
#include "sp_testlib.h"
#include "tcheck.h"

/* x [1, 2, 4, 4] -> Conv (w [3, 2, 3, 3], attributes by the caller) -> y */
static struct opr_graph *conv_graph(int *node)
{
	static const int64_t xd[4] = { 1, 2, 4, 4 }, wd[4] = { 3, 2, 3, 3 };
	const char *ins[2] = { "x", "w" }, *outs[1] = { "y" };
	struct opr_graph *g = tb_new(4, xd);
	unsigned seed = 1;

	tb_init(g, "w", 4, wd, &seed, 1.0f, 0.0f);
	*node = tb_node(g, "Conv", ins, 2, outs, 1);
	return g;
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";
	int node;

	if (strcmp(mode, "tbuild_dup") == 0) {
		static const int64_t d[1] = { 4 };
		struct opr_graph *g = conv_graph(&node);
		unsigned seed = 2;

		tb_init(g, "w", 1, d, &seed, 1.0f, 0.0f);
	} else if (strcmp(mode, "tref_autopad") == 0) {
		struct opr_graph *g = conv_graph(&node);
		struct tref *r;

		tb_attr_s(g, node, "auto_pad", "SAME_UPPER");
		if (tb_finish(g, "y"))
			return 2;	/* not the refusal we test */
		r = tref_new(g, 1, 0);
		if (r)
			tref_run(r, 0);
	} else if (strcmp(mode, "deps_line") == 0) {
		struct opr_graph *g = conv_graph(&node);
		struct opr_deps *d = NULL;
		struct opr_err err = { 0 };
		char buf[8];

		if (tb_finish(g, "y") || opr_deps_analyze(g, &d, &err))
			return 2;
		deps_dump_group(g, d, 0, buf, sizeof(buf));
	} else if (strcmp(mode, "sp_no_conv") == 0) {
		sp_conv_weight(sp_tiny_model(1), "no_such_conv");
	} else {
		fprintf(stderr, "helpers_die: unknown mode '%s'\n", mode);
		return 2;
	}
	fprintf(stderr, "helpers_die %s: the helper went on\n", mode);
	return 1;
}
