/*
 * cli.h - what the files of the command-line front end share: the parsed
 * command line, the commands, and the text/JSON output helpers.
 *
 * Only main() prints the final error line and exits; every other function
 * returns an enum opr_status and fills a struct opr_err.
 */
#ifndef OPR_CLI_H
#define OPR_CLI_H

#include <stdint.h>
#include <stdio.h>

#include "onnx_prune.h"
#include "ir.h"
#include "passes/passes.h"

#define CLI_MAX_PASSES 64	/* entries --passes may list */

/* The commands. */
enum cli_cmd {
	CLI_PRUNE,		/* onnx-prune [prune] IN OUT [options] */
	CLI_INFO,		/* onnx-prune info MODEL [--json] [--groups] */
	CLI_BENCH,		/* onnx-prune bench MODEL [--batch N] ... */
	CLI_EVAL,		/* onnx-prune eval MODEL --data KIND:PATH ... */
	CLI_FINETUNE,		/* onnx-prune finetune IN OUT --data ... */
	CLI_HELP,		/* onnx-prune --help */
	CLI_VERSION		/* onnx-prune --version */
};

/* The parsed command line; strings point into argv. */
struct cli_args {
	enum cli_cmd cmd;		/* what to do */
	const char *in;			/* input model (prune, info) */
	const char *out;		/* output model (prune) */
	int n_passes;			/* entries in passes[] */
	const struct opr_pass *passes[CLI_MAX_PASSES];	/* in run order */
	const char *report;		/* --report FILE, or NULL */
	int external_data;		/* --external-data given */
	int json;			/* --json given (info) */
	int groups;			/* --groups given (info) */
	int batch;			/* --batch N (bench: default 1, eval: 64) */
	int threads;			/* --threads T (bench, eval; 0: one per CPU) */
	int reps;			/* --reps R (bench; default 20) */
	const char *json_out;		/* --json FILE (bench, eval), or NULL */
	const char *data;		/* --data KIND:PATH (eval), or NULL */
	const char *mean;		/* --mean list (eval, prune), or NULL */
	const char *std;		/* --std list (eval, prune), or NULL */
	int limit;			/* --limit N (eval; 0: every image) */
	double ratio;			/* --ratio R (prune), -1 when not given */
	double target_flops;		/* --target-flops F (prune), 0 when not
					   given */
	int round_to;			/* --round-to N (prune), 0 when not given */
	double max_group_ratio;		/* --max-group-ratio R, 0 when not given */
	int mac_aware;			/* --mac-aware given */
	const char *exclude;		/* --exclude NODE,... (prune), or NULL */
	uint64_t seed;			/* --seed S (prune; default 0) */
	double fc_k;			/* --k K (fc3sigma), 0 when not given */
	int fc_variant;			/* --fc-variant (fc3sigma): enum
					   opr_fc_variant, 0 (band) default */
	int sparse_initializers;	/* enum opr_sparse_form: 1 for
					   --sparse-initializers, 2 for
					   --sparse-constants (prune) */
	/* finetune (cmd_finetune.c); -1 / NULL / 0 when not given */
	int epochs;			/* --epochs N (>= 0), -1 when not given */
	double lr;			/* --lr (default 0.01) */
	double wd;			/* --wd (default 5e-4) */
	double val_split;		/* --val-split F in [0, 1) (default 0) */
	int distill;			/* --distill or --teacher given */
	const char *teacher;		/* --teacher T.onnx, or NULL (IN) */
	double temperature;		/* --temperature (default 4) */
	double alpha;			/* --alpha (default 0.9) */
	double label_smoothing;		/* --label-smoothing (default 0) */
	double ema;			/* --ema (default 0: none) */
	int bn_recal;			/* --bn-recal B (0: none) */
	const char *log;		/* --log FILE.jsonl, or NULL */
	int log_every;			/* --log-every N (default 10) */
	const char *test_data;		/* --test-data KIND:PATH, or NULL */
	int no_augment;			/* --no-augment given */
	int crop_pad;			/* --crop-pad (default 4) */
	/* the prune pipeline (cmd_prune.c, prune_train.c) */
	int finetune_epochs;		/* --finetune-epochs N after the passes,
					   -1 when not given */
	double max_acc_drop;		/* --max-acc-drop POINTS (>= 0), -1 when
					   not given */
	long prune_every;		/* --prune-every N (bn_attn; 0: once
					   per epoch) */
	double gamma_l1;		/* --gamma-l1 X (bn_attn; default 1e-4) */
	double attn_t;			/* --attn-t T (bn_attn; default 1) */
	double norm_p;			/* --norm-p P (sfp; default 2) */
	double freeze_at;		/* --freeze-at F (bn_attn, sfp) */
	int soft_mask;			/* --soft-mask weights|scale (bn_attn,
					   sfp; OPR_SOFT_*) */
};

/*
 * Parses argv into *a.  Returns OPR_OK, or OPR_EUSAGE with a one-line
 * message that lists what is known (commands, options or passes).
 */
int cli_parse(int argc, char **argv, struct cli_args *a, struct opr_err *err);

/* Prints the --help text to f. */
void cli_print_help(FILE *f);

/*
 * `onnx-prune info`: imports a->in and prints the per-layer table, or the
 * JSON object with --json, to stdout; with --groups also the channel
 * groups.  Returns an enum opr_status.
 */
int cli_cmd_info(const struct cli_args *a, struct opr_err *err);

struct opr_deps;

/*
 * info_groups.c: prints the channel groups of d (opr_deps_analyze() of g)
 * as text, or as the `,\n "groups": [...]` member of the --json object.
 * idx is scratch for d->n_members + 1 ints.
 */
void cli_print_groups(const struct opr_graph *g, const struct opr_deps *d,
		      int *idx);
void cli_json_groups(const struct opr_graph *g, const struct opr_deps *d,
		     int *idx);

/*
 * `onnx-prune IN OUT`: imports, runs the passes (verifying after each),
 * exports and writes the --report.  Creates no output on failure.
 */
int cli_cmd_prune(const struct cli_args *a, struct opr_err *err);

/*
 * `onnx-prune bench MODEL`: plans the runtime for a->batch, runs warm-up
 * passes on synthetic input, times a->reps passes and prints the median
 * ms per batch, images/s, GFLOP/s and peak RSS (and writes them to
 * a->json_out).  Returns an enum opr_status.
 */
int cli_cmd_bench(const struct cli_args *a, struct opr_err *err);

/*
 * `onnx-prune eval MODEL --data KIND:PATH`: runs the model on the test
 * split and prints top-1, top-5, mean loss and images/s (and writes them
 * to a->json_out, "-" for stdout).  Returns an enum opr_status.
 */
int cli_cmd_eval(const struct cli_args *a, struct opr_err *err);

/*
 * `onnx-prune finetune IN OUT --data KIND:PATH --epochs N ...`: fine-tunes
 * IN on the training split (src/train/finetune.h), prints a line per epoch
 * and, with --test-data, the top-1 before and after, and writes OUT through
 * a temporary file.  Ctrl-C stops after the current step and writes the
 * model trained so far (exit 0).  Returns an enum opr_status.
 */
int cli_cmd_finetune(const struct cli_args *a, struct opr_err *err);

struct opr_dataset;
struct opr_preprocess;

/*
 * cmd_eval.c, shared with finetune: opens split (enum opr_split) of the
 * data set spec for the model model (a name for messages) with input
 * c x h x w (PNG folders at h x w) and checks that the images fit.  On
 * success *ds owns the set.
 */
int cli_open_data(const char *spec, int split, const char *model, int c,
		  int h, int w, struct opr_dataset **ds, struct opr_err *err);

/* What cli_eval_graph() measured. */
struct cli_eval_sum {
	long n;			/* images evaluated */
	long top1;		/* images ranked first */
	double loss;		/* mean cross-entropy */
	int c, h, w;		/* the model's input */
};

/*
 * cmd_eval.c, shared with finetune and prune: one warning line on stderr
 * when the mean or std of pre fell back to the default (model names the
 * model whose metadata lacked it).
 */
void cli_warn_defaults(const char *model, const struct opr_preprocess *pre);

/*
 * cmd_eval.c, shared with finetune: the model's image input (static C, H,
 * W) into s->c, s->h, s->w; OPR_EUNSUPPORTED / OPR_ESHAPE otherwise.
 */
int cli_eval_input(const struct opr_graph *g, struct cli_eval_sum *s,
		   struct opr_err *err);

/*
 * cmd_eval.c, shared with finetune: runs g (named model in messages) with
 * the runtime on the first limit (0: all) images of ds, normalised with
 * pre, in batches of batch on threads threads, into *s.
 */
int cli_eval_graph(const struct opr_graph *g, const char *model,
		   const struct opr_dataset *ds, const struct opr_preprocess *pre,
		   int batch, int threads, long limit, struct cli_eval_sum *s,
		   struct opr_err *err);

/*
 * Checks that path names an existing regular file that can be read;
 * otherwise OPR_EIO naming it.
 */
int cli_check_input(const char *path, struct opr_err *err);

/* out.c: --threads, or one per online core, clamped to [1, 256] as
   opr_rt_new() caps it. */
int cli_threads(const struct cli_args *a);

/*
 * Checks that an output may be written at path: not the file other (same
 * name or same inode; NULL: no such check), not a directory, and its parent
 * is a writable directory.  what ("output", "report") and other_what
 * ("input model") go into the message.  Returns OPR_OK or OPR_EIO naming
 * path.
 */
int cli_check_output(const char *path, const char *what, const char *other,
		     const char *other_what, struct opr_err *err);

/* Writes the body of a file to f; arg is what cli_write_atomic() got. */
typedef void (*cli_body_fn)(FILE *f, const void *arg);

/*
 * Writes path through a temporary file in the same directory (mode as a
 * plain fopen() gives), filled by body(f, arg) and renamed into place:
 * readers never see a half-written file, and on any error (OPR_EIO naming
 * path and what: "JSON output", "report") nothing is left behind.
 */
int cli_write_atomic(const char *path, const char *what, cli_body_fn body,
		     const void *arg, struct opr_err *err);

/* Writes s to f as a JSON string; invalid UTF-8 bytes become U+FFFD. */
void cli_json_str(FILE *f, const char *s);

/* Writes v's shape as a JSON array (null for an unknown dim) or null. */
void cli_json_shape(FILE *f, const struct opr_value *v);

/*
 * Formats v's shape as "[N,16,28,28]" into buf (symbolic dims by name, "?"
 * for other unknown ones, "?" alone for an unknown rank).  Returns buf.
 */
const char *cli_shape_str(const struct opr_value *v, char *buf, size_t len);

#endif
