/*
 * dump_groups.c - prints the canonical group lines (deps_dump.h) of each
 * model named on the command line, with its reasons; a debugging aid and
 * the tool tests/deps/CMakeLists.txt runs over the shared models.
 */
#include <stdio.h>
#include <stdlib.h>

#include "deps_dump.h"

int main(int argc, char **argv)
{
	static char line[1 << 20];
	struct opr_err err;
	int a, i, r, rc = 0;

	for (a = 1; a < argc; a++) {
		struct opr_graph *g;
		struct opr_deps *d;

		if (opr_import_file(argv[a], &g, &err) ||
		    opr_deps_analyze(g, &d, &err)) {
			fprintf(stderr, "%s\n", err.msg);
			return 1;
		}
		printf("== %s: %d groups, %d classes\n", argv[a], d->n_groups,
		       d->n_classes);
		for (i = 0; i < d->n_groups; i++) {
			const struct opr_deps_group *gr = &d->groups[i];
			double share = d->total_macs ? (double)gr->macs /
				       (double)d->total_macs : 0;

			printf("[%d] macs %.2f%% %s\n", i, 100.0 * share,
			       deps_dump_group(g, d, i, line, sizeof(line)));
			for (r = 0; r < gr->n_reasons; r++)
				printf("    - %s\n", opr_deps_reason_str(g,
				       &d->reasons[gr->first_reason + r], line,
				       sizeof(line)));
		}
		opr_deps_free(d);
		opr_graph_free(g);
	}
	return rc;
}
