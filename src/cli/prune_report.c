/*
 * prune_report.c - the --report JSON of `onnx-prune IN OUT` and the
 * summary table printed at the end of the run:
 *
 *   {"input", "output", "passes": [names],
 *    "before": {"params", "nonzero_params", "macs", "unknown_macs"},
 *    "after": {...}, "params_kept", "macs_kept",
 *    "params_before", "params_after", "nonzero_params_before",
 *    "nonzero_params_after", "macs_before", "macs_after",
 *    "input_bytes", "output_bytes", "output_data_bytes",
 *    "eval_data", "eval_images", "accuracy_before", "accuracy_pruned",
 *    "accuracy_after", "loss_before", "loss_pruned", "loss_after",
 *    "accuracy_drop", "max_acc_drop", "gate",
 *    "recipe": {"seed", "lr", "batch", "weight_decay", "momentum",
 *        "nesterov", "crop_pad", "flip", "label_smoothing", "distill",
 *        "temperature", "alpha", "ema"},
 *    "pass_training": {"epochs", "epoch_log": [...]},
 *    "finetune": {"epochs", "epochs_done", "steps", "seconds",
 *        "images_per_s", "first_loss", "last_loss", "train_images",
 *        "val_images", "bn_recal_batches", "accuracy_recal", "fixed_masks",
 *        "distill", "interrupted", "epoch_log": [{"epoch", "images",
 *        "loss", "accuracy", "val_loss", "val_accuracy", "test_loss",
 *        "test_accuracy", "images_per_s", "seconds"}]},
 *    "pass_reports": [{"pass", "ratio", "target_flops", "round_to",
 *        "macs_goal", "within_tolerance", "macs_before", "macs_after",
 *        "params_before", "params_after", "nonzero_params_after",
 *        "macs_kept", "seconds", "groups_pruned", "groups": [{"id", "node",
 *        "role", "status", "channels", "kept", "kept_indices"}],
 *        "selections": [{"step", "epoch", "removed", "changed", "regrown",
 *        "held", "macs"}], "values": {...}}]}
 *
 * params count every stored weight, nonzero_params the non-zero ones.
 * Budget fields a pass did not use, numbers not measured (no data, no
 * fine-tuning, OUT not written) and the objects of stages that did not
 * run are null; "gate" is "passed", "refused" or null (no
 * --max-acc-drop).  The file is written through a temporary file renamed
 * into place.
 */
#include <math.h>
#include <string.h>

#include "cli/pipeline.h"
#include "passes/deps.h"

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

/* Writes x, or null when x is not finite. */
static void real_or_null(FILE *f, double x)
{
	if (isfinite(x))
		fprintf(f, "%.6g", x);
	else
		fprintf(f, "null");
}

/* A JSON member "prefix value" whose value may be missing (NAN). */
struct cli_num {
	const char *prefix;	/* separator and key, e.g. ", \"loss\": " */
	double value;		/* NAN: null */
};

/* Writes the n members of num. */
static void write_nums(FILE *f, const struct cli_num *num, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		fprintf(f, "%s", num[i].prefix);
		real_or_null(f, num[i].value);
	}
}

/* Writes n, or null when n < 0. */
static void int_or_null(FILE *f, long long n)
{
	if (n >= 0)
		fprintf(f, "%lld", n);
	else
		fprintf(f, "null");
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
		"\"params_before\": %lld, \"params_after\": %lld, "
		"\"nonzero_params_after\": ", (long long)p->macs_before,
		(long long)p->macs_after, (long long)p->params_before,
		(long long)p->params_after);
	int_or_null(f, p->nonzero_params_after);
	fprintf(f, ", \"macs_kept\": ");
	ratio_or_null(f, p->macs_after, p->macs_before);
	fprintf(f, ", \"seconds\": %.6f, \"groups_pruned\": %d,\n   \"groups\": [",
		p->seconds, p->groups_pruned);
	for (i = 0; i < p->n_groups; i++) {
		fprintf(f, "%s\n    ", i ? "," : "");
		write_group(f, &p->groups[i]);
	}
	fprintf(f, "],\n   \"selections\": [");
	for (i = 0; i < p->n_sel; i++)
		fprintf(f, "%s\n    {\"step\": %ld, \"epoch\": %d, \"removed\": "
			"%d, \"changed\": %d, \"regrown\": %d, \"held\": %s, "
			"\"macs\": %lld}",
			i ? "," : "", p->sel[i].step, p->sel[i].epoch,
			p->sel[i].removed, p->sel[i].changed, p->sel[i].regrown,
			p->sel[i].held ? "true" : "false",
			(long long)p->sel[i].macs);
	fprintf(f, "],\n   \"values\": {");
	for (i = 0; i < p->n_kv; i++) {
		fprintf(f, "%s", i ? ", " : "");
		cli_json_str(f, p->kv[i].key);
		fprintf(f, ": %.9g", p->kv[i].value);
	}
	fprintf(f, "}}");
}

/* Writes the epoch records e[0..n-1] as a JSON array. */
static void write_epochs(FILE *f, const struct opr_trainlog_stat *e, int n)
{
	int i;

	fprintf(f, "[");
	for (i = 0; i < n; i++) {
		const struct cli_num num[] = {
			{ ", \"loss\": ", e[i].loss },
			{ ", \"accuracy\": ", e[i].acc },
			{ ", \"val_loss\": ", e[i].val_loss },
			{ ", \"val_accuracy\": ", e[i].val_acc },
			{ ", \"test_loss\": ", e[i].test_loss },
			{ ", \"test_accuracy\": ", e[i].test_acc },
			{ ", \"images_per_s\": ", e[i].images_per_s },
			{ ", \"seconds\": ", e[i].elapsed },
		};

		fprintf(f, "%s\n   {\"epoch\": %d, \"images\": %ld", i ? "," : "",
			e[i].epoch, e[i].images);
		write_nums(f, num, (int)(sizeof(num) / sizeof(num[0])));
		fprintf(f, "}");
	}
	fprintf(f, "]");
}

/* Training images per second over the epoch records (NAN: none). */
static double epochs_rate(const struct opr_trainlog_stat *e, int n)
{
	double images = 0, seconds = 0;
	int i;

	for (i = 0; i < n; i++)
		if (e[i].images_per_s > 0) {
			images += (double)e[i].images;
			seconds += (double)e[i].images / e[i].images_per_s;
		}
	return seconds > 0 ? images / seconds : NAN;
}

/* The "finetune" object (null when it did not run). */
static void write_finetune(FILE *f, const struct cli_pipe *p)
{
	const struct opr_ft_result *r = &p->ft;
	const struct cli_args *a = p->a;
	const struct cli_num num[] = {
		{ ", \"images_per_s\": ",
		  epochs_rate(p->ft_hooks.epochs, p->ft_hooks.n_epochs) },
		{ ", \"first_loss\": ", r->first_loss },
		{ ", \"last_loss\": ", r->last_loss },
	};

	if (!p->finetuned) {
		fprintf(f, "null");
		return;
	}
	fprintf(f, "{\"epochs\": %d, \"epochs_done\": %d, \"steps\": %ld, "
		"\"seconds\": %.3f", a->finetune_epochs, r->epochs_done,
		r->steps, r->seconds);
	write_nums(f, num, (int)(sizeof(num) / sizeof(num[0])));
	fprintf(f, ",\n  \"train_images\": %d, \"val_images\": %d, "
		"\"bn_recal_batches\": %d, \"accuracy_recal\": ", r->n_train,
		r->n_val, r->recal_batches);
	real_or_null(f, p->ft_hooks.recal_acc);
	fprintf(f, ", \"loss_recal\": ");
	real_or_null(f, p->ft_hooks.recal_loss);
	fprintf(f, ", \"fixed_masks\": %d, \"distill\": %s, \"teacher\": ",
		p->n_masks, a->distill ? "true" : "false");
	if (a->distill)
		cli_json_str(f, a->teacher ? a->teacher : a->in);
	else
		fprintf(f, "null");
	fprintf(f, ", \"interrupted\": %s,\n  \"epoch_log\": ",
		r->interrupted ? "true" : "false");
	write_epochs(f, p->ft_hooks.epochs, p->ft_hooks.n_epochs);
	fprintf(f, "}");
}

/* The model totals, sizes, scores and gate. */
static void write_totals(FILE *f, const struct cli_pipe *p)
{
	const struct opr_model_stats *s[2] = { &p->before, &p->after };
	const int64_t nz[2] = { p->nonzero_before, p->nonzero_after };
	const char *key[2] = { "before", "after" };
	const char *gate[] = { "null", "\"passed\"", "\"refused\"" };
	const char *size_key[3] = { ",\n \"input_bytes\": ",
		", \"output_bytes\": ", ", \"output_data_bytes\": " };
	const long long size[3] = { p->in_bytes, p->out_bytes, p->data_bytes };
	const struct cli_num score[] = {
		{ ",\n \"accuracy_before\": ", p->orig.acc },
		{ ", \"accuracy_pruned\": ", p->pruned.acc },
		{ ", \"accuracy_after\": ", p->final.acc },
		{ ",\n \"loss_before\": ", p->orig.loss },
		{ ", \"loss_pruned\": ", p->pruned.loss },
		{ ", \"loss_after\": ", p->final.loss },
		{ ",\n \"accuracy_drop\": ", p->drop },
		{ ", \"max_acc_drop\": ",
		  p->a->max_acc_drop >= 0 ? p->a->max_acc_drop : NAN },
	};
	int i;

	for (i = 0; i < 2; i++)
		fprintf(f, ",\n \"%s\": {\"params\": %lld, \"nonzero_params\": "
			"%lld, \"macs\": %lld, \"unknown_macs\": %d}", key[i],
			(long long)s[i]->params, (long long)nz[i],
			(long long)s[i]->macs, s[i]->n_unknown);
	fprintf(f, ",\n \"params_kept\": ");
	ratio_or_null(f, p->after.params, p->before.params);
	fprintf(f, ",\n \"macs_kept\": ");
	ratio_or_null(f, p->after.macs, p->before.macs);
	fprintf(f, ",\n \"params_before\": %lld, \"params_after\": %lld, "
		"\"nonzero_params_before\": %lld, \"nonzero_params_after\": %lld, "
		"\"macs_before\": %lld, \"macs_after\": %lld",
		(long long)p->before.params, (long long)p->after.params,
		(long long)nz[0], (long long)nz[1], (long long)p->before.macs,
		(long long)p->after.macs);
	for (i = 0; i < 3; i++) {
		fprintf(f, "%s", size_key[i]);
		int_or_null(f, size[i]);
	}
	fprintf(f, ",\n \"eval_data\": ");
	if (p->test_spec)
		cli_json_str(f, p->test_spec);
	else
		fprintf(f, "null");
	fprintf(f, ", \"eval_images\": ");
	int_or_null(f, p->test ? p->final.n : -1);
	write_nums(f, score, (int)(sizeof(score) / sizeof(score[0])));
	fprintf(f, ", \"gate\": %s", gate[p->gate]);
}

/* The "recipe" object: the training options shared by the passes'
 * training and the fine-tuning (null when nothing trains). */
static void write_recipe(FILE *f, const struct cli_pipe *p)
{
	const struct opr_ft_opts *o = &p->pass_ft;

	if (!p->train) {
		fprintf(f, "null");
		return;
	}
	fprintf(f, "{\"seed\": %llu, \"lr\": %.9g, \"batch\": %d, "
		"\"weight_decay\": %.9g, \"momentum\": %.9g, \"nesterov\": %s,"
		"\n  \"crop_pad\": %d, \"flip\": %s, \"label_smoothing\": %.9g, "
		"\"distill\": %s, \"temperature\": %.9g, \"alpha\": %.9g, "
		"\"ema\": %.9g}",
		(unsigned long long)o->seed, o->lr, o->batch, o->weight_decay,
		o->momentum, o->nesterov ? "true" : "false", o->pad,
		o->flip ? "true" : "false", o->label_smoothing,
		o->teacher ? "true" : "false", o->temperature, o->alpha, o->ema);
}

/* Writes the body of the report to f; arg is the struct cli_pipe. */
static void report_body(FILE *f, const void *arg)
{
	const struct cli_pipe *p = arg;
	const struct cli_args *a = p->a;
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
	write_totals(f, p);
	fprintf(f, ",\n \"recipe\": ");
	write_recipe(f, p);
	fprintf(f, ",\n \"pass_training\": ");
	if (p->pass_hooks.n_epochs) {
		fprintf(f, "{\"epochs\": %d, \"epoch_log\": ", p->pass_ft.epochs);
		write_epochs(f, p->pass_hooks.epochs, p->pass_hooks.n_epochs);
		fprintf(f, "}");
	} else {
		fprintf(f, "null");
	}
	fprintf(f, ",\n \"finetune\": ");
	write_finetune(f, p);
	fprintf(f, ",\n \"pass_reports\": [");
	for (i = 0; i < p->rep.n_passes; i++) {
		fprintf(f, "%s\n  ", i ? "," : "");
		write_pass(f, &p->rep.passes[i]);
	}
	fprintf(f, "]}\n");
}

int cli_write_report(const struct cli_pipe *p, struct opr_err *err)
{
	return cli_write_atomic(p->a->report, "report", report_body, p, err);
}

/* One row of the summary: before -> after and after as % of before. */
static void summary_row(FILE *f, const char *what, long long before,
			long long after)
{
	fprintf(f, "  %-16s %14lld -> %14lld", what, before, after);
	if (before > 0)
		fprintf(f, "   %6.2f %%", 100.0 * (double)after / (double)before);
	fprintf(f, "\n");
}

void cli_print_summary(FILE *f, const struct cli_pipe *p)
{
	const struct cli_args *a = p->a;

	fprintf(f, "%-18s %14s    %14s   %8s\n", "summary", "before", "after",
		"kept");
	summary_row(f, "MACs", (long long)p->before.macs,
		    (long long)p->after.macs);
	summary_row(f, "params", (long long)p->before.params,
		    (long long)p->after.params);
	summary_row(f, "non-zero params", (long long)p->nonzero_before,
		    (long long)p->nonzero_after);
	if (p->out_bytes >= 0)
		summary_row(f, "file bytes", p->in_bytes, p->out_bytes);
	if (p->orig.n && p->final.n)
		fprintf(f, "  %-16s %12.2f %% -> %12.2f %%   %+6.2f points\n",
			"top-1", p->orig.acc, p->final.acc,
			p->final.acc - p->orig.acc);
	if (p->orig.n && p->final.n)
		fprintf(f, "  %-16s %14.4f -> %14.4f\n", "loss", p->orig.loss,
			p->final.loss);
	if (p->gate != CLI_GATE_NONE)
		fprintf(f, "  gate: %s (drop %.2f points, --max-acc-drop %g)%s\n",
			p->gate == CLI_GATE_PASSED ? "passed" : "refused",
			p->drop, a->max_acc_drop, p->gate == CLI_GATE_PASSED ?
			"" : "; no model written");
	fflush(f);
}
