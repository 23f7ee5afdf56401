/*
 * prune_report.c - the --report JSON of `onnx-prune IN OUT`:
 *
 *   {"input", "output", "passes": [names],
 *    "before": {"params", "macs", "unknown_macs"}, "after": {...},
 *    "params_kept", "macs_kept",
 *    "params_before", "params_after", "macs_before", "macs_after",
 *    "pass_reports": [{"pass", "ratio", "target_flops", "round_to",
 *        "macs_goal", "within_tolerance", "macs_before", "macs_after",
 *        "params_before", "params_after", "macs_kept", "seconds",
 *        "groups_pruned", "groups": [{"id", "node", "role", "status",
 *        "channels", "kept", "kept_indices"}], "values": {...}}]}
 *
 * Budget fields a pass did not use are null.  The file is written through
 * a temporary file renamed into place.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"
#include "passes/deps.h"
#include "passes/report.h"

static const char *const status_names[] = {
	[OPR_REP_PRUNED] = "pruned", [OPR_REP_KEPT] = "kept",
	[OPR_REP_FROZEN] = "frozen", [OPR_REP_EXCLUDED] = "excluded",
};

/* Writes x (6 significant digits), or null when x < 0. */
static void num_or_null(FILE *f, double x)
{
	if (x < 0)
		fprintf(f, "null");
	else
		fprintf(f, "%.6g", x);
}

/* Writes a / b with 6 decimals, or null when b <= 0. */
static void ratio_or_null(FILE *f, int64_t a, int64_t b)
{
	if (b > 0)
		fprintf(f, "%.6f", (double)a / (double)b);
	else
		fprintf(f, "null");
}

static void write_group(FILE *f, const struct opr_report_group *rg)
{
	int i;

	fprintf(f, "{\"id\": %d, \"node\": ", rg->id);
	cli_json_str(f, rg->node);
	fprintf(f, ", \"role\": \"%s\", \"status\": \"%s\", \"channels\": %d, "
		"\"kept\": %d, \"kept_indices\": [", opr_deps_role_name(rg->role),
		status_names[rg->status], rg->before, rg->kept);
	for (i = 0; i < rg->kept; i++)
		fprintf(f, "%s%d", i ? ", " : "", rg->kept_idx[i]);
	fprintf(f, "]}");
}

static void write_pass(FILE *f, const struct opr_report_pass *p)
{
	int i;

	fprintf(f, "{\"pass\": ");
	cli_json_str(f, p->name);
	fprintf(f, ", \"ratio\": ");
	num_or_null(f, p->ratio);
	fprintf(f, ", \"target_flops\": ");
	num_or_null(f, p->target_flops);
	fprintf(f, ", \"round_to\": %d, \"macs_goal\": ", p->round_to);
	if (p->macs_goal >= 0)
		fprintf(f, "%lld", (long long)p->macs_goal);
	else
		fprintf(f, "null");
	fprintf(f, ", \"within_tolerance\": %s", p->macs_goal < 0 ? "null" :
		p->within_tol ? "true" : "false");
	fprintf(f, ",\n   \"macs_before\": %lld, \"macs_after\": %lld, "
		"\"params_before\": %lld, \"params_after\": %lld, \"macs_kept\": ",
		(long long)p->macs_before, (long long)p->macs_after,
		(long long)p->params_before, (long long)p->params_after);
	ratio_or_null(f, p->macs_after, p->macs_before);
	fprintf(f, ", \"seconds\": %.6f, \"groups_pruned\": %d,\n   \"groups\": [",
		p->seconds, p->groups_pruned);
	for (i = 0; i < p->n_groups; i++) {
		fprintf(f, "%s\n    ", i ? "," : "");
		write_group(f, &p->groups[i]);
	}
	fprintf(f, "],\n   \"values\": {");
	for (i = 0; i < p->n_kv; i++) {
		fprintf(f, "%s", i ? ", " : "");
		cli_json_str(f, p->kv[i].key);
		fprintf(f, ": %.9g", p->kv[i].value);
	}
	fprintf(f, "}}");
}

/* Writes the body of the report to f. */
static void report_body(FILE *f, const struct cli_args *a,
			const struct opr_model_stats *before,
			const struct opr_model_stats *after,
			const struct opr_report *rep)
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
	ratio_or_null(f, after->params, before->params);
	fprintf(f, ",\n \"macs_kept\": ");
	ratio_or_null(f, after->macs, before->macs);
	fprintf(f, ",\n \"params_before\": %lld, \"params_after\": %lld, "
		"\"macs_before\": %lld, \"macs_after\": %lld",
		(long long)before->params, (long long)after->params,
		(long long)before->macs, (long long)after->macs);
	fprintf(f, ",\n \"pass_reports\": [");
	for (i = 0; rep && i < rep->n_passes; i++) {
		fprintf(f, "%s\n  ", i ? "," : "");
		write_pass(f, &rep->passes[i]);
	}
	fprintf(f, "]}\n");
}

int cli_write_report(const struct cli_args *a,
		     const struct opr_model_stats *before,
		     const struct opr_model_stats *after,
		     const struct opr_report *rep, struct opr_err *err)
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
	report_body(f, a, before, after, rep);
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
