/*
 * pipeline.h - the state of one `onnx-prune IN OUT` run, shared by the
 * driver (cmd_prune.c), the data, evaluation and training stages
 * (prune_train.c) and the report and summary (prune_report.c).
 *
 * The run: import IN; with evaluation data (--test-data, else --data),
 * score IN on its test split; run the passes (those that train get the
 * training split of --data and the recipe); with --finetune-epochs,
 * score the pruned model and fine-tune it, fc3sigma's zeros held by hard
 * masks; score the result; apply the --max-acc-drop gate; write OUT
 * (unless the gate refused it), the --report and the summary.
 */
#ifndef OPR_CLI_PIPELINE_H
#define OPR_CLI_PIPELINE_H

#include <stdio.h>

#include "cli/cli.h"
#include "cli/ft_setup.h"
#include "passes/report.h"

struct opr_fc3sigma_result;

/* The outcome of --max-acc-drop. */
enum cli_gate {
	CLI_GATE_NONE = 0,	/* not asked for */
	CLI_GATE_PASSED,	/* the drop is within POINTS */
	CLI_GATE_REFUSED	/* more than POINTS: no OUT, exit 4 */
};

/* A model's score on the test split; n == 0: not measured. */
struct cli_score {
	long n;			/* images evaluated */
	long top1;		/* of those, ranked first */
	double acc;		/* top-1 % */
	double loss;		/* mean cross-entropy */
};

/* One run of the pipeline. */
struct cli_pipe {
	const struct cli_args *a;	/* the command line */
	struct opr_report rep;		/* what the passes recorded */
	struct opr_model_stats before;	/* IN as imported */
	struct opr_model_stats after;	/* after the passes */
	int64_t nonzero_before;		/* non-zero params of IN */
	int64_t nonzero_after;		/* of the final model */
	long long in_bytes;		/* size of the IN file */
	long long out_bytes;		/* size of OUT, -1: not written */
	long long data_bytes;		/* size of OUT.data, -1: none */
	/* data and evaluation (prune_train.c) */
	int threads;			/* --threads, or one per core */
	struct opr_preprocess pre;	/* --mean/--std, else IN's metadata */
	const char *test_spec;		/* --test-data, else --data, or NULL */
	struct opr_dataset *test;	/* its test split, or NULL */
	struct opr_dataset *train;	/* --data's training split, opened
					   when something trains, or NULL */
	struct opr_graph *teacher;	/* --distill: IN (a second copy) or
					   --teacher; else NULL */
	struct cli_score orig;		/* IN */
	struct cli_score pruned;	/* after the passes, before
					   fine-tuning (only when it runs) */
	struct cli_score final;		/* the model written */
	int hooked;			/* 1: the Ctrl-C handler is installed */
	/* the passes' training (OPR_PASS_TRAINS / OPR_PASS_DATA) */
	struct opr_ft_opts pass_ft;	/* the recipe, --epochs epochs */
	struct cli_ft_hooks pass_hooks;	/* its progress and epoch lines */
	/* fc3sigma's fixed masks */
	int n_fc;			/* entries of fc */
	struct opr_fc3sigma_result **fc;	/* every fc3sigma result */
	int n_masks;			/* entries of masks */
	struct opr_ft_mask *masks;	/* for opr_finetune (keep buffers
					   malloc'd, owned here) */
	/* fine-tuning (--finetune-epochs) */
	int finetuned;			/* 1: it ran */
	struct opr_ft_result ft;	/* what it did */
	struct cli_ft_hooks ft_hooks;	/* its epoch records */
	/* the gate */
	int gate;			/* enum cli_gate */
	double drop;			/* orig - final top-1, points (NAN:
					   not measured) */
};

/* Sets up p for a (zeroed, nothing owned, sizes -1, scores empty). */
void cli_pipe_init(struct cli_pipe *p, const struct cli_args *a);

/* Frees what p owns. */
void cli_pipe_free(struct cli_pipe *p);

/*
 * prune_train.c: resolves the preprocessing of g (IN as imported), opens
 * the test split of p->test_spec and, when something trains, the training
 * split of --data, imports the teacher for --distill, and fills
 * p->pass_ft for the passes that train.  Data errors name the file.
 */
int cli_pipe_open(struct cli_pipe *p, const struct opr_graph *g,
		  struct opr_err *err);

/*
 * Scores g on p->test into *s and prints "what  top-1 ..." on stdout; a
 * no-op without test data.  For p->final after fine-tuning whose last
 * epoch scored the same weights (cli_ft_last_is_final()), that score.
 */
int cli_pipe_score(struct cli_pipe *p, const struct opr_graph *g,
		   const char *what, struct cli_score *s, struct opr_err *err);

/*
 * Takes the fc3sigma result r (may be NULL: nothing) into p, and rebuilds
 * p->masks for g as it is now (p->pass_ft uses them too).  OPR_ENOMEM.
 */
int cli_pipe_add_fc(struct cli_pipe *p, struct opr_fc3sigma_result *r,
		    const struct opr_graph *g, struct opr_err *err);

/*
 * Fine-tunes g for --finetune-epochs on p->train with the recipe, the
 * masks and the teacher; per-epoch test scores when p->test is set.
 */
int cli_pipe_finetune(struct cli_pipe *p, struct opr_graph *g,
		      struct opr_err *err);

/*
 * prune_report.c: writes the --report JSON of p through a temporary file
 * renamed into place.  OPR_OK or OPR_EIO naming the file.
 */
int cli_write_report(const struct cli_pipe *p, struct opr_err *err);

/* prune_report.c: the before -> after table (MACs, params, top-1) to f. */
void cli_print_summary(FILE *f, const struct cli_pipe *p);

#endif
