/*
 * info_groups.c - `onnx-prune info MODEL --groups`: the channel groups of
 * the dependency analysis (src/passes/deps.h) as text or as the "groups"
 * array of the --json object.
 *
 * Per group: its channel count (classes), the MACs it touches and their
 * share of the model's, whether it is frozen and why (or the constraint a
 * grouped conv puts on it), and its members: one line per (node, role,
 * port) with the channel indices they cover.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "passes/deps.h"

/* Index lists longer than this many ranges are cut in the text listing. */
#define MAX_RANGES 8

static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return x < y ? -1 : x > y;
}

/*
 * The sorted unique indices of the members of group gr with key k, into
 * idx (room for gr->n_members); returns their count and in *n_all the
 * member count (more than the unique count when a channel covers several
 * indices, as Gemm columns of a flattened channel).
 */
static int key_indices(const struct opr_deps *d,
		       const struct opr_deps_group *gr,
		       const struct opr_deps_key *k, int *idx, int *n_all,
		       int *value)
{
	int i, n = 0, u = 0;

	for (i = 0; i < gr->n_members; i++) {
		const struct opr_deps_member *m = &d->members[gr->first_member + i];

		if (m->node == k->node && m->role == k->role && m->dir == k->dir &&
		    m->port == k->port) {
			if (n == 0)
				*value = m->value;
			idx[n++] = m->index;
		}
	}
	*n_all = n;
	qsort(idx, (size_t)n, sizeof(int), cmp_int);
	for (i = 0; i < n; i++)
		if (u == 0 || idx[u - 1] != idx[i])
			idx[u++] = idx[i];
	return u;
}

/* Prints idx[0..n) as "0-7,24-31", at most max ranges then ",...". */
static void print_ranges(FILE *f, const int *idx, int n, int max)
{
	int i, j, r = 0;

	for (i = 0; i < n; i = j + 1, r++) {
		for (j = i; j + 1 < n && idx[j + 1] == idx[j] + 1; j++)
			;
		if (r == max) {
			fprintf(f, ",...");
			return;
		}
		if (j == i)
			fprintf(f, "%s%d", r ? "," : "", idx[i]);
		else
			fprintf(f, "%s%d-%d", r ? "," : "", idx[i], idx[j]);
	}
}

/*
 * " input 1", " inputs 1-4" (last > port), " output 0", or "" when the
 * port needs no mention.
 */
static const char *port_text(const struct opr_graph *g,
			     const struct opr_deps_key *k, int last, char *buf,
			     size_t len)
{
	const struct opr_node *n = &g->nodes[k->node];

	buf[0] = '\0';
	if (last > k->port)
		snprintf(buf, len, " inputs %d-%d", k->port, last);
	else if (k->role == OPR_ROLE_PARAM || k->role == OPR_ROLE_BLOCK ||
		 (k->role == OPR_ROLE_MAP_IN && (k->port > 0 ||
						 n->op == OPR_OP_CONCAT)) ||
		 (k->dir == 1 && n->n_out > 1))
		snprintf(buf, len, " %s %d", k->dir ? "output" : "input", k->port);
	return buf;
}

/*
 * The last port of the run of PARAM keys of the same node that starts at
 * key i of gr with consecutive ports (BatchNormalization's four tensors).
 */
static int param_run(const struct opr_deps *d, const struct opr_deps_group *gr,
		     int i)
{
	const struct opr_deps_key *k = &d->keys[gr->first_key + i];
	int last = k->port;

	while (k->role == OPR_ROLE_PARAM && i + 1 < gr->n_keys &&
	       k[1].role == OPR_ROLE_PARAM && k[1].node == k->node &&
	       k[1].port == last + 1) {
		last++;
		i++;
		k++;
	}
	return last;
}

/* The text listing of one group. */
static void print_group(const struct opr_graph *g, const struct opr_deps *d,
			int gi, int *idx)
{
	const struct opr_deps_group *gr = &d->groups[gi];
	char buf[1024], port[32];
	int i, n, n_all, value = -1, last;

	printf("\ngroup %d  %d channel%s  %.2f%% of MACs  %s", gi, gr->n_classes,
	       gr->n_classes == 1 ? "" : "s", d->total_macs > 0 ?
	       100.0 * (double)gr->macs / (double)d->total_macs : 0.0,
	       gr->frozen ? "frozen" : "prunable");
	for (i = 0; i < gr->n_reasons; i++) {
		const struct opr_deps_reason *r = &d->reasons[gr->first_reason + i];

		printf("%s%s", i ? "; " : gr->frozen ? ": " : ", ",
		       opr_deps_reason_str(g, r, buf, sizeof(buf)));
	}
	printf("\n");
	for (i = 0; i < gr->n_keys; i++) {
		const struct opr_deps_key *k = &d->keys[gr->first_key + i];

		n = key_indices(d, gr, k, idx, &n_all, &value);
		last = param_run(d, gr, i);
		if (k->node < 0) {
			printf("    %-12s '%s'", opr_deps_role_name(k->role),
			       g->values[value].name);
		} else {
			printf("    %-12s %s '%s'%s", opr_deps_role_name(k->role),
			       g->nodes[k->node].op_type, g->nodes[k->node].name,
			       port_text(g, k, last, port, sizeof(port)));
		}
		i += last - k->port;
		printf(" [");
		print_ranges(stdout, idx, n, MAX_RANGES);
		printf("]");
		if (n_all > gr->n_classes && n_all % gr->n_classes == 0)
			printf(" (%d per channel)", n_all / gr->n_classes);
		printf("\n");
	}
}

void cli_print_groups(const struct opr_graph *g, const struct opr_deps *d,
		      int *idx)
{
	int i, n_prun = 0, c_prun = 0, c_frozen = 0;

	for (i = 0; i < d->n_groups; i++) {
		n_prun += !d->groups[i].frozen;
		*(d->groups[i].frozen ? &c_frozen : &c_prun) += d->groups[i].n_classes;
	}
	printf("\ngroups   %d: %d prunable (%d channels), %d frozen (%d channels)\n",
	       d->n_groups, n_prun, c_prun, d->n_groups - n_prun, c_frozen);
	for (i = 0; i < d->n_groups; i++)
		print_group(g, d, i, idx);
}

/* Names of enum opr_deps_why for JSON. */
static const char *why_name(int kind)
{
	static const char *const names[] = {
		[OPR_WHY_GRAPH_INPUT] = "graph_input",
		[OPR_WHY_GRAPH_OUTPUT] = "graph_output",
		[OPR_WHY_CLASSIFIER] = "classifier",
		[OPR_WHY_BLOCKER] = "blocker",
		[OPR_WHY_GROUPED] = "grouped",
	};

	return kind >= 0 && kind <= OPR_WHY_GROUPED ? names[kind] : "?";
}

/* One group as a JSON object. */
static void json_group(const struct opr_graph *g, const struct opr_deps *d,
		       int gi, int *idx)
{
	const struct opr_deps_group *gr = &d->groups[gi];
	char buf[1024];
	int i, j, n, n_all, value = -1;

	printf("%s\n  {\"id\": %d, \"channels\": %d, \"frozen\": %s, \"macs\": %lld, "
	       "\"mac_share\": %.6f,\n   \"reasons\": [", gi ? "," : "", gi,
	       gr->n_classes, gr->frozen ? "true" : "false", (long long)gr->macs,
	       d->total_macs > 0 ? (double)gr->macs / (double)d->total_macs : 0.0);
	for (i = 0; i < gr->n_reasons; i++) {
		const struct opr_deps_reason *r = &d->reasons[gr->first_reason + i];

		printf("%s{\"kind\": \"%s\", \"node\": ", i ? ", " : "",
		       why_name(r->kind));
		if (r->node >= 0)
			cli_json_str(stdout, g->nodes[r->node].name);
		else
			printf("null");
		printf(", \"value\": ");
		if (r->value >= 0)
			cli_json_str(stdout, g->values[r->value].name);
		else
			printf("null");
		printf(", \"message\": ");
		cli_json_str(stdout, opr_deps_reason_str(g, r, buf, sizeof(buf)));
		printf("}");
	}
	printf("],\n   \"members\": [");
	for (i = 0; i < gr->n_keys; i++) {
		const struct opr_deps_key *k = &d->keys[gr->first_key + i];

		n = key_indices(d, gr, k, idx, &n_all, &value);
		printf("%s\n    {\"role\": \"%s\", \"node\": ", i ? "," : "",
		       opr_deps_role_name(k->role));
		if (k->node >= 0) {
			cli_json_str(stdout, g->nodes[k->node].name);
			printf(", \"op\": ");
			cli_json_str(stdout, g->nodes[k->node].op_type);
		} else {
			printf("null, \"op\": null");
		}
		printf(", \"dir\": \"%s\", \"port\": %d, \"value\": ",
		       k->dir ? "output" : "input", k->port);
		cli_json_str(stdout, g->values[value].name);
		printf(", \"indices\": [");
		for (j = 0; j < n; j++)
			printf("%s%d", j ? ", " : "", idx[j]);
		printf("]}");
	}
	printf("]}");
}

void cli_json_groups(const struct opr_graph *g, const struct opr_deps *d,
		     int *idx)
{
	int i;

	printf(",\n \"groups\": [");
	for (i = 0; i < d->n_groups; i++)
		json_group(g, d, i, idx);
	printf("]");
}
