/*
 * rt_driver.c - the smallest import -> export round trip, for
 * roundtrip_check.py when the CLI cannot do it: no passes, just
 * opr_import_file() and opr_export_file().
 *
 * Usage: rt_driver [--external-data [MIN]] [--no-value-info] IN.onnx OUT.onnx
 * Exit status: opr_exit_code() of the first failure, 0 on success.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "onnx_prune.h"

int main(int argc, char **argv)
{
	struct opr_export_opts opts = { 0, 0, 0, 0 };
	const char *in = NULL, *out = NULL;
	struct opr_graph *g = NULL;
	struct opr_err err;
	int i, rc;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--external-data") == 0) {
			opts.external_data = 1;
			if (i + 1 < argc && argv[i + 1][0] >= '0' &&
			    argv[i + 1][0] <= '9')
				opts.external_min = strtoul(argv[++i], NULL, 10);
		} else if (strcmp(argv[i], "--no-value-info") == 0) {
			opts.no_value_info = 1;
		} else if (!in) {
			in = argv[i];
		} else if (!out) {
			out = argv[i];
		} else {
			in = NULL;
			break;
		}
	}
	if (!in || !out) {
		fprintf(stderr, "usage: rt_driver [--external-data [MIN]] "
			"[--no-value-info] IN.onnx OUT.onnx\n");
		return OPR_EXIT_USAGE;
	}
	rc = opr_import_file(in, &g, &err);
	if (rc == OPR_OK)
		rc = opr_export_file(g, out, &opts, &err);
	if (rc != OPR_OK)
		fprintf(stderr, "rt_driver: %s: %s\n", opr_status_name(rc), err.msg);
	opr_graph_free(g);
	return opr_exit_code(rc);
}
