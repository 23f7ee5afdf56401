/*
 * cmd_prune.c - `onnx-prune IN OUT [--passes a,b] [--report R.json]`:
 * import, run the passes in order with shape inference and verification
 * after each, export, and write the report (prune_report.c).  The budget
 * options (--ratio, --target-flops, --round-to, --exclude, --seed) go to
 * the passes in struct opr_pass_opts; --target-flops is relative to the
 * model as imported, whatever passes ran before.  --mean / --std are
 * stored in OUT's metadata_props (src/data/preprocess_meta.c).
 *
 * Every path is checked before the model is read, so that a bad output
 * path costs nothing and leaves nothing behind.  The model and the report
 * are written through a temporary file that is renamed into place.
 */
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "data/preprocess_meta.h"
#include "passes/report.h"

/* Re-words err as "pass 'name': <old message>" with code. */
static int pass_error(const char *name, const char *what, int code,
		      struct opr_err *err)
{
	char msg[OPR_ERR_MSG];

	snprintf(msg, sizeof(msg), "%s", err->msg);
	return opr_errf(err, code, "pass '%s'%s: %s", name, what, msg);
}

/*
 * Splits a->exclude ("a,b,c") into *names (malloc'd: the array, whose
 * strings live in *buf) and *n.  Returns OPR_OK or OPR_ENOMEM.
 */
static int split_exclude(const struct cli_args *a, char **buf,
			 const char ***names, int *n, struct opr_err *err)
{
	const char **v;
	char *p;
	int k = 1;

	*buf = NULL;
	*names = NULL;
	*n = 0;
	if (!a->exclude)
		return OPR_OK;
	for (p = (char *)a->exclude; *p; p++)
		k += *p == ',';
	*buf = malloc(strlen(a->exclude) + 1);
	*names = v = malloc((size_t)k * sizeof(*v));
	if (!*buf || !v)
		return opr_errf(err, OPR_ENOMEM, "out of memory");
	strcpy(*buf, a->exclude);
	for (p = *buf, k = 0; p; k++) {
		v[k] = p;
		if ((p = strchr(p, ',')))
			*p++ = '\0';
	}
	*n = k;
	return OPR_OK;
}

/* OPR_EUSAGE when a name of --exclude names no node of g. */
static int check_exclude(const struct opr_graph *g, const char **names, int n,
			 struct opr_err *err)
{
	int i, k;

	for (k = 0; k < n; k++) {
		for (i = 0; i < g->n_nodes; i++)
			if (!g->nodes[i].dead && g->nodes[i].name &&
			    strcmp(g->nodes[i].name, names[k]) == 0)
				break;
		if (i == g->n_nodes)
			return opr_errf(err, OPR_EUSAGE, "--exclude: no node named "
					"'%s' in %s", names[k], g->path ? g->path :
					"the model");
	}
	return OPR_OK;
}

/*
 * Runs a's passes over g with their options (target MACs relative to
 * base_macs) and report sink rep.  A pass's own error keeps its code; a
 * graph that fails shape inference or verification afterwards is a bug
 * of the pass.
 */
static int run_passes(struct opr_graph *g, const struct cli_args *a,
		      int64_t base_macs, struct opr_report *rep,
		      struct opr_err *err)
{
	struct opr_pass_opts po;
	const char **names = NULL;
	char *buf = NULL;
	int i, rc;

	memset(&po, 0, sizeof(po));
	po.seed = a->seed;
	po.ratio = a->ratio;
	po.target_flops = a->target_flops;
	po.base_macs = base_macs;
	po.round_to = a->round_to;
	po.report = rep;
	po.fc_k = a->fc_k;
	po.fc_variant = a->fc_variant;
	if ((rc = split_exclude(a, &buf, &names, &po.n_exclude, err)))
		goto out;
	po.exclude = names;
	if ((rc = check_exclude(g, names, po.n_exclude, err)))
		goto out;
	for (i = 0; i < a->n_passes; i++) {
		const struct opr_pass *p = a->passes[i];

		rc = p->run(g, &po, err);
		if (rc != OPR_OK) {
			rc = pass_error(p->name, "", rc, err);
			goto out;
		}
		rc = opr_infer_shapes(g, err);
		if (rc == OPR_OK)
			rc = opr_graph_verify(g, err);
		if (rc == OPR_ENOMEM)
			goto out;
		if (rc != OPR_OK) {
			rc = pass_error(p->name, " left an invalid graph",
					OPR_EINTERNAL, err);
			goto out;
		}
	}
out:
	free(names);
	free(buf);
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
	struct opr_report rep;
	struct opr_graph *g = NULL;
	int rc;

	memset(&rep, 0, sizeof(rep));
	memset(&before, 0, sizeof(before));
	memset(&after, 0, sizeof(after));
	memset(&eo, 0, sizeof(eo));
	eo.external_data = a->external_data;
	eo.external_min = 1024;
	eo.sparse_initializers = a->sparse_initializers;
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
	if ((rc = run_passes(g, a, before.macs, &rep, err)))
		goto out;
	if ((rc = opr_model_stats(g, &after, err)))
		goto out;
	if ((rc = opr_export_file(g, a->out, &eo, err)))
		goto out;
	if (a->report)
		rc = cli_write_report(a, &before, &after, &rep, err);
out:
	opr_report_clear(&rep);
	opr_stats_free(&before);
	opr_stats_free(&after);
	opr_graph_free(g);
	return rc;
}
