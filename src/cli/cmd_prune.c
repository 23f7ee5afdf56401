/*
 * cmd_prune.c - `onnx-prune IN OUT [--passes a,b] [--report R.json]`:
 * import, run the passes in order with shape inference and verification
 * after each, export, and write the report.  --mean / --std are stored in
 * OUT's metadata_props (src/data/preprocess_meta.c).
 *
 * Every path is checked before the model is read, so that a bad output
 * path costs nothing and leaves nothing behind.  The model and the report
 * are written through a temporary file that is renamed into place.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"
#include "data/preprocess_meta.h"

/* Re-words err as "pass 'name': <old message>" with code. */
static int pass_error(const char *name, const char *what, int code,
		      struct opr_err *err)
{
	char msg[OPR_ERR_MSG];

	snprintf(msg, sizeof(msg), "%s", err->msg);
	return opr_errf(err, code, "pass '%s'%s: %s", name, what, msg);
}

/*
 * Runs a's passes over g.  A pass's own error keeps its code; a graph that
 * fails shape inference or verification afterwards is a bug of the pass.
 */
static int run_passes(struct opr_graph *g, const struct cli_args *a,
		      struct opr_err *err)
{
	struct opr_pass_opts po;
	int i, rc;

	memset(&po, 0, sizeof(po));
	for (i = 0; i < a->n_passes; i++) {
		const struct opr_pass *p = a->passes[i];

		rc = p->run(g, &po, err);
		if (rc != OPR_OK)
			return pass_error(p->name, "", rc, err);
		rc = opr_infer_shapes(g, err);
		if (rc == OPR_OK)
			rc = opr_graph_verify(g, err);
		if (rc == OPR_ENOMEM)
			return rc;
		if (rc != OPR_OK)
			return pass_error(p->name, " left an invalid graph",
					  OPR_EINTERNAL, err);
	}
	return OPR_OK;
}

/* Writes the body of the report to f. */
static void report_body(FILE *f, const struct cli_args *a,
			const struct opr_model_stats *before,
			const struct opr_model_stats *after)
{
	const struct opr_model_stats *s[2] = { before, after };
	const char *key[2] = { "before", "after" };
	int i;

	fprintf(f, "{\"input\": ");
	cli_json_str(f, a->in);
	fprintf(f, ",\n \"output\": ");
	cli_json_str(f, a->out);
	fprintf(f, ",\n \"passes\": [");
	for (i = 0; i < a->n_passes; i++) {
		fprintf(f, "%s", i ? ", " : "");
		cli_json_str(f, a->passes[i]->name);
	}
	fprintf(f, "]");
	for (i = 0; i < 2; i++)
		fprintf(f, ",\n \"%s\": {\"params\": %lld, \"macs\": %lld, "
			"\"unknown_macs\": %d}", key[i], (long long)s[i]->params,
			(long long)s[i]->macs, s[i]->n_unknown);
	fprintf(f, ",\n \"params_kept\": ");
	if (before->params > 0)
		fprintf(f, "%.6f", (double)after->params / (double)before->params);
	else
		fprintf(f, "null");
	fprintf(f, ",\n \"macs_kept\": ");
	if (before->macs > 0)
		fprintf(f, "%.6f", (double)after->macs / (double)before->macs);
	else
		fprintf(f, "null");
	fprintf(f, "}\n");
}

/* Writes the --report JSON through a temporary file renamed into place. */
static int write_report(const struct cli_args *a,
			const struct opr_model_stats *before,
			const struct opr_model_stats *after, struct opr_err *err)
{
	size_t len = strlen(a->report);
	char *tmp = malloc(len + 16);
	FILE *f = NULL;
	mode_t mask;
	int fd, rc = OPR_OK, e;

	if (!tmp)
		return opr_errf(err, OPR_ENOMEM, "out of memory");
	snprintf(tmp, len + 16, "%s.tmpXXXXXX", a->report);
	fd = mkstemp(tmp);
	if (fd < 0) {
		rc = opr_errf(err, OPR_EIO, "%s: cannot write report: %s",
			      a->report, strerror(errno));
		goto out;
	}
	/* mkstemp() made it 0600; give it the mode a plain fopen() would. */
	mask = umask(0);
	umask(mask);
	fchmod(fd, 0666 & ~mask);
	f = fdopen(fd, "w");
	if (!f) {
		e = errno;
		close(fd);
		rc = opr_errf(err, OPR_EIO, "%s: cannot write report: %s",
			      a->report, strerror(e));
		goto out_unlink;
	}
	report_body(f, a, before, after);
	e = ferror(f) ? EIO : 0;
	if (fclose(f) != 0 && !e)
		e = errno;
	if (!e && rename(tmp, a->report) != 0)
		e = errno;
	if (!e)
		goto out;
	rc = opr_errf(err, OPR_EIO, "%s: cannot write report: %s", a->report,
		      strerror(e));
out_unlink:
	unlink(tmp);
out:
	free(tmp);
	return rc;
}

/* Checks every path the command reads or writes, before any work. */
static int check_paths(const struct cli_args *a, struct opr_err *err)
{
	int rc;

	if ((rc = cli_check_input(a->in, err)))
		return rc;
	if ((rc = cli_check_output(a->out, "output", a->in, "input model", err)))
		return rc;
	if (!a->report)
		return OPR_OK;
	if ((rc = cli_check_output(a->report, "report", a->in, "input model", err)))
		return rc;
	return cli_check_output(a->report, "report", a->out, "output model", err);
}

int cli_cmd_prune(const struct cli_args *a, struct opr_err *err)
{
	struct opr_export_opts eo;
	struct opr_model_stats before, after;
	struct opr_graph *g = NULL;
	int rc;

	memset(&before, 0, sizeof(before));
	memset(&after, 0, sizeof(after));
	memset(&eo, 0, sizeof(eo));
	eo.external_data = a->external_data;
	eo.external_min = 1024;
	if ((rc = check_paths(a, err)))
		return rc;
	if ((rc = opr_import_file(a->in, &g, err)))
		return rc;
	if ((rc = opr_graph_verify(g, err))) {
		rc = pass_error("import", " left an invalid graph",
				rc == OPR_ENOMEM ? rc : OPR_EINTERNAL, err);
		goto out;
	}
	/* --mean / --std go into OUT's metadata_props for later commands. */
	if ((a->mean || a->std) &&
	    (rc = opr_pre_store(g, a->mean, a->std, opr_pre_input_channels(g),
				err)))
		goto out;
	if ((rc = opr_model_stats(g, &before, err)))
		goto out;
	if ((rc = run_passes(g, a, err)))
		goto out;
	if ((rc = opr_model_stats(g, &after, err)))
		goto out;
	if ((rc = opr_export_file(g, a->out, &eo, err)))
		goto out;
	if (a->report)
		rc = write_report(a, &before, &after, err);
out:
	opr_stats_free(&before);
	opr_stats_free(&after);
	opr_graph_free(g);
	return rc;
}
