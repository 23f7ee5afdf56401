/*
 * ft_setup.c - what `finetune` and the prune pipeline share about
 * training: the check of the paths, struct opr_ft_opts from the command
 * line,
 * the epoch line on stdout, the per-epoch record the prune report lists,
 * and the per-epoch test evaluation (a hook of the run that scores the
 * graph on the test split and puts the result in the epoch's log record
 * and line).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/ft_setup.h"

int cli_check_ft_paths(const struct cli_args *a, struct opr_err *err)
{
	int rc;

	if ((rc = cli_check_input(a->in, err)) ||
	    (a->teacher && (rc = cli_check_input(a->teacher, err))) ||
	    (rc = cli_check_output(a->out, "output", a->in, "input model",
				   err)))
		return rc;
	if (!a->log || strcmp(a->log, "-") == 0)
		return OPR_OK;
	if ((rc = cli_check_output(a->log, "log", a->in, "input model", err)))
		return rc;
	return cli_check_output(a->log, "log", a->out, "output model", err);
}

void cli_ft_opts(const struct cli_args *a, const struct opr_preprocess *pre,
		 int threads, const struct opr_graph *teacher,
		 struct cli_ft_hooks *h, struct opr_ft_opts *o)
{
	opr_ft_defaults(o);
	o->epochs = a->epochs;
	o->batch = a->batch;
	o->threads = threads;
	o->lr = a->lr;
	o->weight_decay = a->wd;
	o->seed = a->seed;
	o->limit = a->limit;
	o->val_split = a->val_split;
	o->mean = pre->mean;
	o->std = pre->std;
	o->teacher = teacher;
	o->temperature = a->temperature;
	o->alpha = a->alpha;
	o->label_smoothing = a->label_smoothing;
	o->ema = a->ema;
	o->bn_recal = a->bn_recal;
	o->log_path = a->log;
	o->log_every = a->log_every;
	o->pad = a->crop_pad;
	if (a->no_augment)
		o->pad = o->flip = 0;
	memset(h, 0, sizeof(*h));
	h->recal_loss = h->recal_acc = NAN;
	h->a = a;
	h->pre = pre;
	h->threads = threads;
	h->eval_batch = 128;
	cli_train_progress_init(&h->tp, stderr);
	o->hook = cli_ft_log_hook;
	o->hook_ctx = h;
	o->hook_fn = cli_ft_test_hook;
	o->hook_fn_ctx = h;
}

void cli_ft_hooks_free(struct cli_ft_hooks *h)
{
	free(h->epochs);
	h->epochs = NULL;
	h->n_epochs = 0;
}

/* Appends st (an epoch record) to h->epochs; dropped when out of memory. */
static void keep_epoch(struct cli_ft_hooks *h,
		       const struct opr_trainlog_stat *st)
{
	struct opr_trainlog_stat *e;

	e = realloc(h->epochs, ((size_t)h->n_epochs + 1) * sizeof(*e));
	if (!e)
		return;
	h->epochs = e;
	e[h->n_epochs++] = *st;
}

void cli_ft_log_hook(void *ctx, const struct opr_trainlog_stat *st)
{
	struct cli_ft_hooks *h = ctx;

	cli_train_progress_hook(&h->tp, st);
	if (st->kind != OPR_TRAINLOG_EPOCH)
		return;
	keep_epoch(h, st);
	printf("epoch %d/%d  loss %.4f  acc %.2f %%", st->epoch, st->epochs,
	       st->loss, st->acc);
	if (!isnan(st->val_loss))
		printf("  val_loss %.4f  val_acc %.2f %%", st->val_loss,
		       st->val_acc);
	if (!isnan(st->test_acc))
		printf("  test_loss %.4f  test_acc %.2f %%", st->test_loss,
		       st->test_acc);
	printf("  %.0f img/s  %.1f s\n", st->images_per_s, st->elapsed);
	fflush(stdout);
}

int cli_ft_test_hook(void *ctx, struct opr_ft_run *run, int when,
		     struct opr_err *err)
{
	struct cli_ft_hooks *h = ctx;
	struct cli_eval_sum s;
	double acc;
	int rc;

	if (!h->test || !(when == OPR_FT_EPOCH ||
			  (when == OPR_FT_START && h->a->bn_recal > 0)))
		return OPR_OK;
	memset(&s, 0, sizeof(s));
	rc = cli_eval_graph(opr_ft_graph(run), h->a->in, h->test, h->pre,
			    h->eval_batch, h->threads, 0, &s, err);
	if (rc)
		return rc;
	acc = s.n ? 100.0 * (double)s.top1 / (double)s.n : NAN;
	h->last = s;
	if (when == OPR_FT_START) {
		h->recal_acc = acc;
		h->recal_loss = s.loss;
		printf("recal   top-1 %.2f %% (%ld/%ld)  loss %.4f  after BN "
		       "recalibration\n", acc, s.top1, s.n, s.loss);
		fflush(stdout);
		return OPR_OK;
	}
	opr_ft_set_test(run, s.loss, acc);
	return OPR_OK;
}

int cli_ft_last_is_final(const struct cli_ft_hooks *h,
			 const struct opr_ft_result *r)
{
	return h->test && h->last.n > 0 && r->epochs_done >= 1 &&
	       !r->interrupted;
}
