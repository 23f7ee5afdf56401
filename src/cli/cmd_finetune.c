/*
 * cmd_finetune.c - `onnx-prune finetune IN.onnx OUT.onnx --data KIND:PATH
 * --epochs N [options]`: fine-tunes IN on the training split of --data
 * with src/train/finetune.h and writes OUT.
 *
 * Preprocessing (mean, std) comes from --mean/--std, else IN's metadata,
 * as for eval; given ones are stored in OUT.  --distill distils from IN as
 * it was read (a second copy, untouched by training), --teacher T.onnx from
 * T.  With --test-data, top-1 on that test split is printed before,
 * after every epoch (also in the log) and after (the last epoch's score
 * when one ran: the same weights).  One line per epoch goes to stdout
 * (the progress bar, on a terminal only, to stderr).  Ctrl-C stops after the current step; the
 * model trained so far is written and the exit code is 0 (a note on stderr
 * says so); a second Ctrl-C kills the process.  OUT is written through a
 * temporary file renamed into place and may not be IN.
 */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/ft_setup.h"
#include "data/preprocess_meta.h"
#include "train/finetune.h"
#include "train/interrupt.h"

/* Prints the score s on the test set as "what  top-1 ...". */
static void print_top1(const char *what, const struct cli_args *a,
		       const struct cli_eval_sum *s)
{
	printf("%-7s top-1 %.2f %% (%ld/%ld)  loss %.4f  on %s\n", what,
	       100.0 * (double)s->top1 / (double)s->n, s->top1, s->n, s->loss,
	       a->test_data);
	fflush(stdout);
}

/* Top-1 of g on the test set at h's batch and threads, printed. */
static int score(const char *what, const struct opr_graph *g,
		 const struct cli_ft_hooks *h, struct opr_err *err)
{
	struct cli_eval_sum s;
	int rc;

	memset(&s, 0, sizeof(s));
	if ((rc = cli_eval_graph(g, h->a->in, h->test, h->pre, h->eval_batch,
				 h->threads, 0, &s, err)))
		return rc;
	print_top1(what, h->a, &s);
	return OPR_OK;
}

/* Prints what the run did. */
static void print_result(const struct cli_args *a,
			 const struct opr_ft_result *r)
{
	printf("trained %ld steps, %d epoch%s on %d images (%d held out)",
	       r->steps, r->epochs_done, r->epochs_done == 1 ? "" : "s",
	       r->n_train, r->n_val);
	if (r->recal_batches)
		printf(", BN recalibrated on %d batches", r->recal_batches);
	if (r->ema_steps)
		printf(", weights averaged (EMA %g) over the last %ld steps",
		       a->ema, r->ema_steps);
	printf(", %.1f s\n", r->seconds);
	if (r->interrupted)
		fprintf(stderr, "onnx-prune: interrupted: writing the model "
			"trained so far to %s\n", a->out);
}

int cli_cmd_finetune(const struct cli_args *a, struct opr_err *err)
{
	struct opr_graph *g = NULL, *teacher = NULL;
	struct opr_dataset *train = NULL, *test = NULL;
	struct cli_ft_hooks hooks;
	struct opr_preprocess pre;
	struct opr_ft_result res;
	struct opr_ft_opts o;
	struct cli_eval_sum in;
	int rc, hooked = 0;

	memset(&in, 0, sizeof(in));
	memset(&hooks, 0, sizeof(hooks));
	if ((rc = cli_check_ft_paths(a, err)))
		return rc;
	if ((rc = opr_import_file(a->in, &g, err)))
		return rc;
	if ((rc = cli_eval_input(g, &in, err)) ||
	    (rc = opr_pre_resolve(g, a->mean, a->std, in.c, &pre, err)))
		goto out;
	if ((a->mean || a->std) &&
	    (rc = opr_pre_store(g, a->mean, a->std, in.c, err)))
		goto out;
	cli_warn_defaults(a->in, &pre);
	if ((rc = cli_open_data(a->data, OPR_SPLIT_TRAIN, a->in, in.c, in.h,
				in.w, &train, err)))
		goto out;
	if (a->test_data &&
	    (rc = cli_open_data(a->test_data, OPR_SPLIT_TEST, a->in, in.c,
				in.h, in.w, &test, err)))
		goto out;
	if (a->distill &&
	    (rc = opr_import_file(a->teacher ? a->teacher : a->in, &teacher,
				  err)))
		goto out;
	cli_ft_opts(a, &pre, cli_threads(a), teacher, &hooks, &o);
	hooks.test = test;
	if (test && (rc = score("before", g, &hooks, err)))
		goto out;
	if ((rc = opr_interrupt_install(err)))
		goto out;
	hooked = 1;
	rc = opr_finetune(g, train, &o, &res, err);
	if (rc != OPR_OK)
		goto out;
	print_result(a, &res);
	if ((rc = opr_export_file(g, a->out, NULL, err)))
		goto out;
	if (cli_ft_last_is_final(&hooks, &res))
		print_top1("after", a, &hooks.last);
	else if (test && !res.interrupted)
		rc = score("after", g, &hooks, err);
out:
	if (hooked)
		opr_interrupt_restore();
	cli_ft_hooks_free(&hooks);
	opr_dataset_free(train);
	opr_dataset_free(test);
	opr_graph_free(teacher);
	opr_graph_free(g);
	return rc;
}
