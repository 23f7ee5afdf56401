/*
 * ft_setup.h - training set-up shared by `finetune` (cmd_finetune.c) and
 * the prune pipeline (cmd_prune.c): see ft_setup.c.
 */
#ifndef OPR_CLI_FT_SETUP_H
#define OPR_CLI_FT_SETUP_H

#include "cli/cli.h"
#include "cli/train_progress.h"
#include "data/preprocess_meta.h"
#include "train/finetune.h"

struct cli_args;
struct opr_dataset;

/* The hooks' state: the progress bar, the test split and its scores. */
struct cli_ft_hooks {
	const struct cli_args *a;
	const struct opr_preprocess *pre;
	int threads;
	struct cli_train_progress tp;	/* the terminal bar */
	const struct opr_dataset *test;	/* evaluated after every epoch when
					   not NULL (the caller sets it) */
	int eval_batch;			/* images per forward pass of those
					   evaluations (default 128) */
	struct cli_eval_sum last;	/* the last evaluation (n == 0: none) */
	double recal_loss, recal_acc;	/* the test split after BN
					   recalibration (NAN: not measured) */
	int n_epochs;			/* entries of epochs */
	struct opr_trainlog_stat *epochs;	/* every epoch record (malloc'd;
						   free with
						   cli_ft_hooks_free()); one
						   that finds no memory is
						   dropped */
};

/*
 * Checks the paths of a run that may train, before any work: IN and
 * --teacher readable, OUT writable and not IN, --log (unless "-")
 * writable and neither model.  OPR_OK or OPR_EIO naming the path.
 */
int cli_check_ft_paths(const struct cli_args *a, struct opr_err *err);

/*
 * Fills o from a's training options (--epochs, --batch, --lr, --wd,
 * --seed, --limit, --val-split, --temperature, --alpha, --label-smoothing,
 * --ema, --bn-recal, --log, --log-every, --no-augment, --crop-pad), pre's
 * mean and std (pre must outlive o), threads and teacher (NULL: no
 * distillation), and sets both hooks to h's: the progress bar and epoch
 * line (cli_ft_log_hook) and the per-epoch test evaluation
 * (cli_ft_test_hook, active once h->test is set).  h is reset
 * (it must own nothing yet).
 */
void cli_ft_opts(const struct cli_args *a, const struct opr_preprocess *pre,
		 int threads, const struct opr_graph *teacher,
		 struct cli_ft_hooks *h, struct opr_ft_opts *o);

/* Frees what h owns; h may be all zero (before cli_ft_opts()). */
void cli_ft_hooks_free(struct cli_ft_hooks *h);

/*
 * trainlog hook: the bar on stderr, one line per epoch on stdout, and the
 * epoch's numbers appended to h->epochs.
 */
void cli_ft_log_hook(void *ctx, const struct opr_trainlog_stat *st);

/*
 * 1 when h->last scores the model as run r left it: test data, at least
 * one epoch, not interrupted (the last epoch's evaluation saw the final
 * weights), so that it need not be evaluated again.
 */
int cli_ft_last_is_final(const struct cli_ft_hooks *h,
			 const struct opr_ft_result *r);

/*
 * opr_ft_hook: after every epoch, top-1 and loss of the graph on h->test
 * (when set) into the epoch's log record and line; at the start, after
 * BN recalibration (--bn-recal), a "recal" line with the same.  Other
 * calls do nothing.
 */
int cli_ft_test_hook(void *ctx, struct opr_ft_run *run, int when,
		     struct opr_err *err);

#endif
