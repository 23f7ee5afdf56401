/*
 * args.h - internal to the command-line parser: what args.c (the option
 * table, the general options) and args_train.c (the training and
 * pipeline options) share.
 */
#ifndef OPR_CLI_ARGS_H
#define OPR_CLI_ARGS_H

#include "cli/cli.h"

#define TRY_HELP " (see onnx-prune --help)"

/* Parses a positive int option value into *out (at most max); OPR_EUSAGE. */
int cli_parse_count(const char *name, const char *val, int max, int *out,
		    struct opr_err *err);

/* A finite number into *out; OPR_EUSAGE naming the option and want. */
int cli_parse_real(const char *name, const char *val, const char *want,
		   double *out, struct opr_err *err);

/* 1 when option name (a table entry) has its bit in seen. */
int cli_option_seen(unsigned long long seen, const char *name);

/*
 * args_train.c: the defaults of the training and pipeline options (-1 for
 * --epochs, --finetune-epochs and --max-acc-drop: not given); the
 * recipe's come from opr_ft_defaults().
 */
void cli_train_defaults(struct cli_args *a);

/* args_train.c: the default training batch (opr_ft_defaults()'s). */
int cli_train_batch(void);

/* args_train.c: an option of training (in the table for finetune and
   prune alike: --epochs ... --no-augment) into a. */
int cli_parse_train_option(const char *name, const char *val,
			   struct cli_args *a, struct opr_err *err);

/*
 * args_train.c: an option of the prune pipeline alone (marked PP in
 * args.c's option table) into a.
 */
int cli_parse_pipe_option(const char *name, const char *val,
			  struct cli_args *a, struct opr_err *err);

/* args_train.c: what finetune needs: --data, --epochs (0 only with
   --bn-recal).  OPR_EUSAGE otherwise. */
int cli_check_finetune(const struct cli_args *a, struct opr_err *err);

/* args_train.c: what the pipeline's data, training and pass options need
   (seen: the options given, bits of the table).  OPR_EUSAGE otherwise. */
int cli_check_pipeline(const struct cli_args *a, unsigned long long seen,
		       struct opr_err *err);

#endif
