/*
 * cmd_info.c - `onnx-prune info MODEL [--json] [--groups]`: the model's
 * inputs, outputs and opsets, one line per node (name, op, output shape,
 * params, MACs) and the totals, as a table or as one JSON object; with
 * --groups also the channel groups of the dependency analysis
 * (info_groups.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "passes/deps.h"

/* First output of node i, or NULL. */
static const struct opr_value *node_out(const struct opr_graph *g, int i)
{
	const struct opr_node *n = &g->nodes[i];

	return n->n_out > 0 && n->out[0] >= 0 ? &g->values[n->out[0]] : NULL;
}

/* Prints the values listed in ids[0..n) as "name dtype shape" lines. */
static void print_io(const struct opr_graph *g, const char *label,
		     const int *ids, int n)
{
	char shape[256];
	int i;

	for (i = 0; i < n; i++) {
		const struct opr_value *v = &g->values[ids[i]];

		printf("%-9s%s %s %s\n", i ? "" : label, v->name,
		       opr_dtype_name(v->dtype), cli_shape_str(v, shape, sizeof(shape)));
	}
}

/* Prints n as "12.35 M" style into buf. */
static const char *human(int64_t n, char *buf, size_t len)
{
	if (n >= 1000000000)
		snprintf(buf, len, "%.2f G", (double)n / 1e9);
	else if (n >= 1000000)
		snprintf(buf, len, "%.2f M", (double)n / 1e6);
	else if (n >= 1000)
		snprintf(buf, len, "%.2f K", (double)n / 1e3);
	else
		snprintf(buf, len, "%lld", (long long)n);
	return buf;
}

/* The text listing: header, one line per node, totals. */
static void print_table(const char *path, const struct opr_graph *g,
			const struct opr_model_stats *st)
{
	char shape[256], macs[32], h1[32], h2[32];
	int i, live = 0, w = 4;

	printf("model    %s\n", path);
	printf("ir       %lld, opsets", (long long)g->ir_version);
	for (i = 0; i < g->n_opsets; i++)
		printf(" %s:%lld", *g->opsets[i].domain ? g->opsets[i].domain : "ai.onnx",
		       (long long)g->opsets[i].version);
	printf("\n");
	print_io(g, "inputs", g->inputs, g->n_inputs);
	print_io(g, "outputs", g->outputs, g->n_outputs);
	for (i = 0; i < g->n_nodes; i++)
		if ((int)strlen(g->nodes[i].name) > w && strlen(g->nodes[i].name) < 64)
			w = (int)strlen(g->nodes[i].name);
	printf("\n%5s  %-*s %-18s %-18s %10s %12s\n", "#", w, "name", "op",
	       "output shape", "params", "MACs");
	for (i = 0; i < st->n_layers; i++) {
		const struct opr_layer_stats *l = &st->layers[i];
		const struct opr_node *n = &g->nodes[l->node];

		if (n->dead)
			continue;
		live++;
		if (l->macs < 0)
			snprintf(macs, sizeof(macs), "?");
		else
			snprintf(macs, sizeof(macs), "%lld", (long long)l->macs);
		printf("%5d  %-*s %-18s %-18s %10lld %12s\n", i, w,
		       *n->name ? n->name : "-", n->op_type,
		       cli_shape_str(node_out(g, l->node), shape, sizeof(shape)),
		       (long long)l->params, macs);
	}
	printf("\ntotal    %d nodes, %lld params (%s), %lld MACs (%s) for batch 1\n",
	       live, (long long)st->params, human(st->params, h1, sizeof(h1)),
	       (long long)st->macs, human(st->macs, h2, sizeof(h2)));
	if (st->n_unknown)
		printf("warning  %d layers with unknown shapes are not in the MAC total\n",
		       st->n_unknown);
}

/* Writes the values listed in ids[0..n) as a JSON array. */
static void json_io(const struct opr_graph *g, const int *ids, int n)
{
	int i;

	putchar('[');
	for (i = 0; i < n; i++) {
		const struct opr_value *v = &g->values[ids[i]];

		printf("%s{\"name\": ", i ? ", " : "");
		cli_json_str(stdout, v->name);
		printf(", \"dtype\": \"%s\", \"shape\": ", opr_dtype_name(v->dtype));
		cli_json_shape(stdout, v);
		putchar('}');
	}
	putchar(']');
}

/*
 * The --json listing: one object (keys in README.md), with "groups" when
 * d is non-NULL (idx: scratch of d->n_members + 1 ints).
 */
static void print_json(const char *path, const struct opr_graph *g,
		       const struct opr_model_stats *st,
		       const struct opr_deps *d, int *idx)
{
	int i, first = 1;

	printf("{\"model\": ");
	cli_json_str(stdout, path);
	printf(",\n \"ir_version\": %lld,\n \"opsets\": [", (long long)g->ir_version);
	for (i = 0; i < g->n_opsets; i++) {
		printf("%s{\"domain\": ", i ? ", " : "");
		cli_json_str(stdout, g->opsets[i].domain);
		printf(", \"version\": %lld}", (long long)g->opsets[i].version);
	}
	printf("],\n \"inputs\": ");
	json_io(g, g->inputs, g->n_inputs);
	printf(",\n \"outputs\": ");
	json_io(g, g->outputs, g->n_outputs);
	printf(",\n \"params\": %lld,\n \"macs\": %lld,\n \"unknown_macs\": %d,\n"
	       " \"layers\": [", (long long)st->params, (long long)st->macs,
	       st->n_unknown);
	for (i = 0; i < st->n_layers; i++) {
		const struct opr_layer_stats *l = &st->layers[i];
		const struct opr_node *n = &g->nodes[l->node];

		if (n->dead)
			continue;
		printf("%s\n  {\"name\": ", first ? "" : ",");
		first = 0;
		cli_json_str(stdout, n->name);
		printf(", \"op\": ");
		cli_json_str(stdout, n->op_type);
		printf(", \"output_shape\": ");
		cli_json_shape(stdout, node_out(g, l->node));
		printf(", \"params\": %lld, \"macs\": ", (long long)l->params);
		if (l->macs < 0)
			printf("null}");
		else
			printf("%lld}", (long long)l->macs);
	}
	printf("]");
	if (d)
		cli_json_groups(g, d, idx);
	printf("}\n");
}

int cli_cmd_info(const struct cli_args *a, struct opr_err *err)
{
	struct opr_graph *g = NULL;
	struct opr_model_stats st;
	struct opr_deps *d = NULL;
	int rc, *idx = NULL;

	if ((rc = cli_check_input(a->in, err)))
		return rc;
	if ((rc = opr_import_file(a->in, &g, err)))
		return rc;
	rc = opr_model_stats(g, &st, err);
	if (rc == OPR_OK && a->groups) {
		rc = opr_deps_analyze(g, &d, err);
		if (rc == OPR_OK &&
		    !(idx = malloc(((size_t)d->n_members + 1) * sizeof(int))))
			rc = opr_errf(err, OPR_ENOMEM, "out of memory listing groups");
		if (rc != OPR_OK)
			opr_stats_free(&st);
	}
	if (rc == OPR_OK) {
		if (a->json)
			print_json(a->in, g, &st, d, idx);
		else
			print_table(a->in, g, &st);
		if (d && !a->json)
			cli_print_groups(g, d, idx);
		opr_stats_free(&st);
		if (fflush(stdout) != 0 || ferror(stdout))
			rc = opr_errf(err, OPR_EIO, "%s: writing the listing to stdout failed",
				      a->in);
	}
	free(idx);
	opr_deps_free(d);
	opr_graph_free(g);
	return rc;
}
