/*
 * cmd_prune.c - `onnx-prune IN OUT [--passes a,b] [--data KIND:PATH]
 * [--finetune-epochs N] [--max-acc-drop POINTS] [--report R.json]`: the
 * prune pipeline (pipeline.h).  Import, score IN on the test data, run the
 * passes in order with shape inference and verification after each (the
 * MACs, params and non-zero params after each go into its report entry),
 * fine-tune, score the result, apply the quality gate, export, and write
 * the report (prune_report.c) and the summary table.  The budget options
 * (--ratio, --target-flops, --round-to, --exclude, --seed) and the
 * training of the passes that train go to the passes in struct
 * opr_pass_opts; --target-flops is relative to the model as imported,
 * whatever passes ran before.  --mean / --std are stored in OUT's
 * metadata_props (src/data/preprocess_meta.c).
 *
 * Every path is checked before the model is read, so that a bad output
 * path costs nothing and leaves nothing behind.  The model and the report
 * are written through a temporary file that is renamed into place.  When
 * the gate refuses the model (top-1 more than --max-acc-drop points below
 * IN's), OUT is not written (an existing OUT is left as it was), the
 * report says "gate": "refused", and the status is OPR_EGATE (exit 4).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "cli/pipeline.h"
#include "data/preprocess_meta.h"
#include "passes/fc3sigma.h"

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

/* Wall-clock seconds (monotonic). */
static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

/*
 * After pass p ran (its entries in rep start at first), fills in what the
 * pass did not record: an entry when it recorded none (MACs and params
 * before it from *prev), and the non-zero params after it in its last
 * entry.  *prev becomes the stats after it.  OPR_OK or OPR_ENOMEM.
 */
static int account_pass(struct opr_graph *g, const struct opr_pass *pass,
			int first, double seconds, struct opr_report *rep,
			struct opr_model_stats *prev, struct opr_err *err)
{
	struct opr_model_stats st;
	struct opr_report_pass *e;
	int rc;

	if ((rc = opr_model_stats(g, &st, err)))
		return rc;
	if (rep->n_passes == first) {
		if (!(e = opr_report_add_pass(rep, pass->name))) {
			opr_stats_free(&st);
			return opr_errf(err, OPR_ENOMEM, "out of memory");
		}
		e->macs_before = prev->macs;
		e->params_before = prev->params;
		e->macs_after = st.macs;
		e->params_after = st.params;
		e->seconds = seconds;
	}
	e = &rep->passes[rep->n_passes - 1];
	if (e->nonzero_params_after < 0)
		e->nonzero_params_after = opr_nonzero_params(g);
	opr_stats_free(prev);
	*prev = st;
	return e->nonzero_params_after < 0 ?
	       opr_errf(err, OPR_ENOMEM, "out of memory") : OPR_OK;
}

/* Runs pass p over g with options po; fc3sigma's result goes to pp. */
static int run_pass(struct opr_graph *g, const struct opr_pass *p,
		    struct opr_pass_opts *po, struct cli_pipe *pp,
		    struct opr_err *err)
{
	struct opr_fc3sigma_result *fc = NULL;
	int rc;

	po->fc_result = &fc;
	rc = p->run(g, po, err);
	po->fc_result = NULL;
	if (rc != OPR_OK) {
		opr_fc3sigma_free(fc);
		return pass_error(p->name, "", rc, err);
	}
	rc = opr_infer_shapes(g, err);
	if (rc == OPR_OK)
		rc = opr_graph_verify(g, err);
	if (rc != OPR_OK) {
		opr_fc3sigma_free(fc);
		return rc == OPR_ENOMEM ? rc :
		       pass_error(p->name, " left an invalid graph",
				  OPR_EINTERNAL, err);
	}
	/* the masks follow the graph: rebuilt after every pass */
	return pp->n_fc || fc ? cli_pipe_add_fc(pp, fc, g, err) : OPR_OK;
}

/*
 * Runs a's passes over g with their options (target MACs relative to the
 * model's before them; the training split and recipe of pp for the passes
 * that train) and report sink pp->rep.  A pass's own error keeps its
 * code; a graph that fails shape inference or verification afterwards is
 * a bug of the pass.
 */
static int run_passes(struct opr_graph *g, struct cli_pipe *pp,
		      struct opr_err *err)
{
	const struct cli_args *a = pp->a;
	struct opr_model_stats prev;
	struct opr_pass_opts po;
	const char **names = NULL;
	char *buf = NULL;
	double t0;
	int i, first, rc;

	memset(&po, 0, sizeof(po));
	memset(&prev, 0, sizeof(prev));
	prev.macs = pp->before.macs;
	prev.params = pp->before.params;
	po.seed = a->seed;
	po.ratio = a->ratio;
	po.target_flops = a->target_flops;
	po.base_macs = pp->before.macs;
	po.round_to = a->round_to;
	po.max_group_ratio = a->max_group_ratio;
	po.mac_aware = a->mac_aware;
	po.report = &pp->rep;
	po.fc_k = a->fc_k;
	po.fc_variant = a->fc_variant;
	po.train = pp->train;
	po.ft = pp->train ? &pp->pass_ft : NULL;
	po.prune_every = a->prune_every;
	po.gamma_l1 = a->gamma_l1;
	po.attn_t = a->attn_t;
	po.norm_p = a->norm_p;
	po.freeze_at = a->freeze_at;
	po.soft_mask = a->soft_mask;
	if ((rc = split_exclude(a, &buf, &names, &po.n_exclude, err)))
		goto out;
	po.exclude = names;
	if ((rc = check_exclude(g, names, po.n_exclude, err)))
		goto out;
	for (i = 0; i < a->n_passes; i++) {
		first = pp->rep.n_passes;
		t0 = now();
		if ((rc = run_pass(g, a->passes[i], &po, pp, err)) ||
		    (rc = account_pass(g, a->passes[i], first, now() - t0,
				       &pp->rep, &prev, err)))
			goto out;
	}
out:
	opr_stats_free(&prev);
	free(names);
	free(buf);
	return rc;
}

/* Checks every path the command reads or writes, before any work. */
static int check_paths(const struct cli_args *a, struct opr_err *err)
{
	int rc;

	if ((rc = cli_check_ft_paths(a, err)) || !a->report)
		return rc;
	if ((rc = cli_check_output(a->report, "report", a->in, "input model",
				   err)))
		return rc;
	return cli_check_output(a->report, "report", a->out, "output model",
				err);
}

/* Size of the file at path in bytes, or -1. */
static long long file_size(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 ? (long long)st.st_size : -1;
}

/* Import, score IN, run the passes, fine-tune, score the result. */
static int transform(struct cli_pipe *p, struct opr_graph **gp,
		     struct opr_err *err)
{
	const struct cli_args *a = p->a;
	struct opr_graph *g;
	int rc;

	if ((rc = opr_import_file(a->in, gp, err)))
		return rc;
	g = *gp;
	if ((rc = opr_graph_verify(g, err)))
		return pass_error("import", " left an invalid graph",
				  rc == OPR_ENOMEM ? rc : OPR_EINTERNAL, err);
	/* --mean / --std go into OUT's metadata_props for later commands. */
	if ((a->mean || a->std) &&
	    (rc = opr_pre_store(g, a->mean, a->std, opr_pre_input_channels(g),
				err)))
		return rc;
	if ((rc = opr_model_stats(g, &p->before, err)))
		return rc;
	if ((p->nonzero_before = opr_nonzero_params(g)) < 0)
		return opr_errf(err, OPR_ENOMEM, "out of memory");
	if ((rc = cli_pipe_open(p, g, err)) ||
	    (rc = cli_pipe_score(p, g, "original", &p->orig, err)) ||
	    (rc = run_passes(g, p, err)) ||
	    (rc = opr_model_stats(g, &p->after, err)))
		return rc;
	if (a->finetune_epochs >= 0 &&
	    ((rc = cli_pipe_score(p, g, "pruned", &p->pruned, err)) ||
	     (rc = cli_pipe_finetune(p, g, err))))
		return rc;
	if ((rc = cli_pipe_score(p, g, "final", &p->final, err)))
		return rc;
	p->nonzero_after = opr_nonzero_params(g);
	return p->nonzero_after < 0 ?
	       opr_errf(err, OPR_ENOMEM, "out of memory") : OPR_OK;
}

/* The gate: OPR_EGATE naming both accuracies when it refuses. */
static int gate(struct cli_pipe *p, struct opr_err *err)
{
	const struct cli_args *a = p->a;

	if (p->orig.n && p->final.n)
		p->drop = p->orig.acc - p->final.acc;
	if (a->max_acc_drop < 0)
		return OPR_OK;
	p->gate = p->drop > a->max_acc_drop ? CLI_GATE_REFUSED :
		  CLI_GATE_PASSED;
	if (p->gate == CLI_GATE_PASSED)
		return OPR_OK;
	return opr_errf(err, OPR_EGATE, "quality gate: top-1 %.2f %% after "
			"pruning is %.2f points below the original's %.2f %% "
			"(--max-acc-drop %g); %s not written", p->final.acc,
			p->drop, p->orig.acc, a->max_acc_drop, a->out);
}

int cli_cmd_prune(const struct cli_args *a, struct opr_err *err)
{
	struct opr_export_opts eo;
	struct opr_graph *g = NULL;
	struct cli_pipe p;
	struct opr_err gerr;
	char *data = NULL;
	int rc, grc;

	cli_pipe_init(&p, a);
	memset(&eo, 0, sizeof(eo));
	memset(&gerr, 0, sizeof(gerr));
	eo.external_data = a->external_data;
	eo.external_min = 1024;
	eo.sparse_initializers = a->sparse_initializers;
	if ((rc = check_paths(a, err)))
		goto out;
	p.in_bytes = file_size(a->in);
	if ((rc = transform(&p, &g, err)))
		goto out;
	grc = gate(&p, &gerr);
	if (grc == OPR_OK) {
		if ((rc = opr_export_file(g, a->out, &eo, err)))
			goto out;
		p.out_bytes = file_size(a->out);
		if (a->external_data && (data = malloc(strlen(a->out) + 6))) {
			sprintf(data, "%s.data", a->out);
			p.data_bytes = file_size(data);
		}
	}
	if (a->report && (rc = cli_write_report(&p, err)))
		goto out;
	cli_print_summary(stdout, &p);
	if (grc != OPR_OK)
		*err = gerr;
	rc = grc;
out:
	free(data);
	cli_pipe_free(&p);
	opr_graph_free(g);
	return rc;
}
