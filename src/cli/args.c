/*
 * args.c - the command line: parsing argv into struct cli_args, and the
 * --help text.  Every mistake is OPR_EUSAGE with one line that says what
 * is known, so that the user can fix the call without reading the manual.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/cli.h"
#include "data/preprocess_meta.h"
#include "passes/fc3sigma.h"

/* The options, the commands each applies to, and whether it takes a value. */
static const struct {
	const char *name;	/* long form */
	int has_value;		/* 1: --name VALUE or --name=VALUE */
	unsigned cmds;		/* bit mask of enum cli_cmd it applies to */
} options[] = {
	{ "--passes", 1, 1u << CLI_PRUNE },
	{ "--report", 1, 1u << CLI_PRUNE },
	{ "--external-data", 0, 1u << CLI_PRUNE },
	{ "--groups", 0, 1u << CLI_INFO },
	{ "--json", 0, 1u << CLI_INFO },
	{ "--json", 1, (1u << CLI_BENCH) | (1u << CLI_EVAL) },	/* --json FILE */
	{ "--batch", 1, (1u << CLI_BENCH) | (1u << CLI_EVAL) | (1u << CLI_FINETUNE) },
	{ "--threads", 1, (1u << CLI_BENCH) | (1u << CLI_EVAL) |
	  (1u << CLI_FINETUNE) },
	{ "--reps", 1, 1u << CLI_BENCH },
	{ "--data", 1, (1u << CLI_EVAL) | (1u << CLI_FINETUNE) },
	{ "--mean", 1, (1u << CLI_EVAL) | (1u << CLI_PRUNE) | (1u << CLI_FINETUNE) },
	{ "--std", 1, (1u << CLI_EVAL) | (1u << CLI_PRUNE) | (1u << CLI_FINETUNE) },
	{ "--limit", 1, (1u << CLI_EVAL) | (1u << CLI_FINETUNE) },
	{ "--ratio", 1, 1u << CLI_PRUNE },
	{ "--target-flops", 1, 1u << CLI_PRUNE },
	{ "--round-to", 1, 1u << CLI_PRUNE },
	{ "--exclude", 1, 1u << CLI_PRUNE },
	{ "--seed", 1, (1u << CLI_PRUNE) | (1u << CLI_FINETUNE) },
	{ "--k", 1, 1u << CLI_PRUNE },
	{ "--fc-variant", 1, 1u << CLI_PRUNE },
	{ "--sparse-initializers", 0, 1u << CLI_PRUNE },
	{ "--sparse-constants", 0, 1u << CLI_PRUNE },
	{ "--epochs", 1, 1u << CLI_FINETUNE },
	{ "--lr", 1, 1u << CLI_FINETUNE },
	{ "--wd", 1, 1u << CLI_FINETUNE },
	{ "--val-split", 1, 1u << CLI_FINETUNE },
	{ "--distill", 0, 1u << CLI_FINETUNE },
	{ "--teacher", 1, 1u << CLI_FINETUNE },
	{ "--temperature", 1, 1u << CLI_FINETUNE },
	{ "--alpha", 1, 1u << CLI_FINETUNE },
	{ "--bn-recal", 1, 1u << CLI_FINETUNE },
	{ "--log", 1, 1u << CLI_FINETUNE },
	{ "--log-every", 1, 1u << CLI_FINETUNE },
	{ "--test-data", 1, 1u << CLI_FINETUNE },
	{ "--no-augment", 0, 1u << CLI_FINETUNE },
	{ "--help", 0, ~0u },
	{ "--version", 0, ~0u },
};

#define N_OPTIONS ((int)(sizeof(options) / sizeof(options[0])))
#define KNOWN_OPTIONS "--passes, --report, --external-data, --ratio, " \
	"--target-flops, --round-to, --exclude, --seed, --groups, --json, " \
	"--batch, --threads, --reps, --data, --mean, --std, --limit, " \
	"--k, --fc-variant, --sparse-initializers, --sparse-constants, " \
	"--epochs, --lr, --wd, --val-split, --distill, --teacher, " \
	"--temperature, --alpha, --bn-recal, --log, --log-every, " \
	"--test-data, --no-augment, " \
	"-h/--help, --version"
#define KNOWN_COMMANDS "info, prune, bench, eval, finetune, help, version (or IN.onnx OUT.onnx to prune)"
#define TRY_HELP " (see onnx-prune --help)"

static const char *const cmd_names[] = {
	[CLI_PRUNE] = "prune", [CLI_INFO] = "info", [CLI_BENCH] = "bench",
	[CLI_EVAL] = "eval", [CLI_FINETUNE] = "finetune",
	[CLI_HELP] = "help", [CLI_VERSION] = "version",
};

void cli_print_help(FILE *f)
{
	char names[1024];
	const struct opr_pass *p;
	int i, n;

	fprintf(f,
		"onnx-prune %s - prune channels of an ONNX model and write ONNX back\n"
		"\n"
		"Usage:\n"
		"  onnx-prune IN.onnx OUT.onnx [--passes a,b] [--report R.json] [--external-data]\n"
		"             [--ratio R | --target-flops F] [--round-to N] [--exclude NODE,...]\n"
		"             [--seed S]\n"
		"  onnx-prune prune IN.onnx OUT.onnx [options]   (the same, spelt out)\n"
		"  onnx-prune info MODEL.onnx [--json] [--groups]\n"
		"  onnx-prune bench MODEL.onnx [--batch N] [--threads T] [--reps R] [--json F]\n"
		"  onnx-prune eval MODEL.onnx --data KIND:PATH [--mean M] [--std S] [--batch N]\n"
		"             [--threads T] [--limit N] [--json F|-]\n"
		"  onnx-prune finetune IN.onnx OUT.onnx --data KIND:PATH --epochs N [--lr 0.01]\n"
		"             [--batch 128] [--wd 5e-4] [--val-split F] [--seed S] [--threads T]\n"
		"             [--distill | --teacher T.onnx] [--temperature 4] [--alpha 0.9]\n"
		"             [--bn-recal B] [--log F.jsonl] [--log-every N] [--test-data KIND:PATH]\n"
		"             [--no-augment] [--limit N] [--mean M] [--std S]\n"
		"  onnx-prune --help | --version\n"
		"\n"
		"Commands:\n"
		"  prune     import IN, run the passes in order (the graph is verified\n"
		"            after each), export OUT; the default command\n"
		"  info      per-layer table: node, op, output shape, params, MACs, and\n"
		"            totals; --json prints one JSON object instead; --groups\n"
		"            adds the channel groups (what must be pruned together)\n"
		"  bench     time forward passes of the runtime on synthetic input:\n"
		"            median ms per batch, images/s, GFLOP/s, peak RSS\n"
		"  eval      run MODEL on the test split of a data set: top-1, top-5,\n"
		"            mean cross-entropy loss, images/s (a progress bar on a\n"
		"            terminal)\n"
		"  finetune  SGD on the training split of --data (Nesterov 0.9, cosine\n"
		"            from --lr to 0 per step, crop (pad 4) + flip), optionally\n"
		"            after BN recalibration and with distillation; a line per\n"
		"            epoch, Ctrl-C writes the model so far (exit 0)\n"
		"  help      this text\n"
		"  version   the version\n"
		"\n"
		"Options:\n"
		"  --passes a,b       passes to run, in this order (default: none, which\n"
		"                     re-writes the model after import and folding)\n"
		"  --report FILE      write params and MACs before and after as JSON, and\n"
		"                     per pass the channels every group kept\n"
		"  --external-data    store initializers >= 1 KiB in OUT.data beside OUT\n"
		"  --ratio R          (pruning passes) remove round(R n) of the n channels\n"
		"                     of every prunable group, 0 <= R < 1; one always stays\n"
		"  --target-flops F   (pruning passes) remove the channels of lowest score,\n"
		"                     ranked across groups (scores divided by their group's\n"
		"                     mean), until the MACs are at most F times the input\n"
		"                     model's, within 0.5 %%, 0 < F <= 1\n"
		"  --round-to N       (pruning passes) a group of N channels or more keeps\n"
		"                     a multiple of N (rounded up: it keeps more)\n"
		"  --exclude N1,N2    (pruning passes) leave alone the groups that touch\n"
		"                     these nodes (by node name)\n"
		"  --seed S           seed of random choices (default 0)\n"
		"  --k K              (fc3sigma) threshold in standard deviations, K > 0\n"
		"                     (default 1; larger K zeroes more)\n"
		"  --fc-variant V     (fc3sigma) band: zero w with |w - mean| < K sigma\n"
		"                     (the default); sensitivity: zero w with\n"
		"                     |w| <= K std (Distiller's sensitivity pruner)\n"
		"  --sparse-initializers  write initializers that are mostly zero as ONNX\n"
		"                     sparse initializers: floats whose non-zeros plus\n"
		"                     int64 indices take less room (float32: over 2/3 zero)\n"
		"  --sparse-constants the same as Constant nodes with a sparse_value,\n"
		"                     which onnx.checker's full check accepts too\n"
		"  --json             (info) machine-readable output\n"
		"  --groups           (info) channel groups: members, channel count,\n"
		"                     share of MACs, why a group is frozen\n"
		"  --json FILE        (bench) also write the results as JSON to FILE\n"
		"  --batch N          (bench) images per forward pass (default 1)\n"
		"  --threads T        (bench) runtime threads (default: one per CPU)\n"
		"  --reps R           (bench) timed passes, median reported (default 20)\n"
		"  --data KIND:PATH   (eval) data set: cifar10:DIR|FILE, cifar100:DIR|FILE,\n"
		"                     idx:DIR, mnist:DIR, fashion-mnist:DIR, png:DIR\n"
		"  --mean M           (eval, prune) per-channel mean of pixels in [0, 1],\n"
		"                     comma-separated (one value: every channel); prune\n"
		"                     stores it in OUT, eval reads it from MODEL when\n"
		"                     not given (default 0)\n"
		"  --std S            (eval, prune) per-channel std, as --mean (default 1)\n"
		"  --batch N          (eval) images per forward pass (default 64)\n"
		"  --threads T        (eval) runtime threads (default: one per CPU)\n"
		"  --limit N          (eval) only the first N test images\n"
		"  --json FILE|-      (eval) also write the results as JSON (- : stdout,\n"
		"                     instead of the text)\n"
		"  --epochs N         (finetune) epochs over the training split; 0 with\n"
		"                     --bn-recal: recalibration only\n"
		"  --lr LR            (finetune) base learning rate (default 0.01)\n"
		"  --batch N          (finetune) images per step (default 128)\n"
		"  --wd WD            (finetune) weight decay (default 5e-4)\n"
		"  --val-split F      (finetune) hold out F of the training images and\n"
		"                     report their loss and top-1 every epoch\n"
		"  --seed S           (finetune) order, augmentation and split (default 0)\n"
		"  --distill          (finetune) distil from IN itself (the unpruned\n"
		"                     model when IN is the model being pruned); loss\n"
		"                     (1 - alpha) CE + alpha T^2 KL\n"
		"  --teacher T.onnx   (finetune) distil from T.onnx instead (implies\n"
		"                     --distill)\n"
		"  --temperature T    (finetune) distillation temperature (default 4)\n"
		"  --alpha A          (finetune) distillation weight in [0, 1] (default 0.9)\n"
		"  --bn-recal B       (finetune) first re-estimate BN statistics from B\n"
		"                     training batches (cumulative average)\n"
		"  --log FILE         (finetune) JSON-lines log of steps and epochs\n"
		"  --log-every N      (finetune) a step record every N steps (default 10)\n"
		"  --test-data K:P    (finetune) report top-1 on this test split before\n"
		"                     and after\n"
		"  --no-augment       (finetune) no random crop and flip\n"
		"  --limit N          (finetune) train on the first N training images\n"
		"  -h, --help         this text\n"
		"  --version          print the version\n"
		"\n"
		"Passes:\n", OPR_VERSION);
	p = opr_pass_table(&n);
	for (i = 0; i < n; i++)
		fprintf(f, "  %-18s %s\n", p[i].name, p[i].help);
	if (n == 0)
		fprintf(f, "  %s\n", opr_pass_names(names, sizeof(names)));
	fprintf(f,
		"\n"
		"Criteria: a channel group (info --groups) holds channels that go\n"
		"together; a channel's score adds up over its members:\n"
		"  l1, l2     the L1 / L2 norms of its filters (the weight rows of every\n"
		"             Conv, Gemm or MatMul that produces it; bias left out)\n"
		"  fpgm       per filter, the sum of its L2 distances to the other filters\n"
		"             of its layer (far from the geometric median = important)\n"
		"  bn_scale   the |gamma| of its BatchNormalizations (a group without one\n"
		"             is scored as l1)\n"
		"  random     uniform from --seed\n"
		"A padded channel (option-A shortcut) adds 0; a group without filters\n"
		"is scored by its consumers' weight columns.  The lowest scores go.\n"
		"\n"
		"Counting: params are the elements of float initializers read by\n"
		"Conv, ConvTranspose, Gemm, MatMul, BatchNormalization and PRelu; MACs\n"
		"are those of Conv, ConvTranspose, Gemm and MatMul for one sample.\n"
		"\n"
		"Exit codes:\n"
		"  0  ok\n"
		"  1  usage: bad command line\n"
		"  2  bad input: the model, the data or the output path\n"
		"  3  internal error or out of memory\n"
		"  4  a quality gate refused the result\n");
}

/* Index of option name (up to len chars), or -1. */
static int find_option(const char *name, size_t len)
{
	int i;

	if (len == 2 && strncmp(name, "-h", 2) == 0)
		return find_option("--help", 6);
	for (i = 0; i < N_OPTIONS; i++)
		if (strlen(options[i].name) == len &&
		    strncmp(options[i].name, name, len) == 0)
			return i;
	return -1;
}

/*
 * The command the first positional argument names (skipping the values of
 * options), so that --json knows whether it takes a FILE; CLI_PRUNE when
 * none does.
 */
static enum cli_cmd command_hint(int argc, char **argv)
{
	int i, o, c;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0)
			break;
		if (argv[i][0] == '-' && argv[i][1]) {
			o = find_option(argv[i], strcspn(argv[i], "="));
			if (o >= 0 && options[o].has_value && !strchr(argv[i], '=') &&
			    strcmp(options[o].name, "--json") != 0)
				i++;
			continue;
		}
		for (c = 0; c <= CLI_VERSION; c++)
			if (strcmp(argv[i], cmd_names[c]) == 0)
				return (enum cli_cmd)c;
		break;
	}
	return CLI_PRUNE;
}

/* Parses a positive int option value into *out (at most max). */
static int parse_count(const char *name, const char *val, int max, int *out,
		       struct opr_err *err)
{
	char *end;
	long v = strtol(val, &end, 10);

	if (end == val || *end || v < 1 || v > max)
		return opr_errf(err, OPR_EUSAGE, "%s '%s': want an integer in "
				"1..%d", name, val, max);
	*out = (int)v;
	return OPR_OK;
}

/*
 * The options of eval (--data, --mean, --std, --limit) into a; a --mean or
 * --std list is checked here, its count against the model later.
 */
static int parse_eval_option(const char *name, const char *val,
			     struct cli_args *a, struct opr_err *err)
{
	float v[OPR_PRE_MAX_CH];
	int n, rc = OPR_OK;

	if (strcmp(name, "--data") == 0) {
		if (!strchr(val, ':') || *val == ':' || !strchr(val, ':')[1])
			return opr_errf(err, OPR_EUSAGE, "--data '%s': want KIND:PATH "
					"(KIND: cifar10, cifar100, idx, mnist, "
					"fashion-mnist, png)", val);
		a->data = val;
	} else if (strcmp(name, "--mean") == 0 || strcmp(name, "--std") == 0) {
		rc = opr_parse_floats(val, v, OPR_PRE_MAX_CH, &n, err);
		if (rc != OPR_OK) {
			char msg[OPR_ERR_MSG];

			snprintf(msg, sizeof(msg), "%s", err ? err->msg : "");
			return opr_errf(err, rc, "%s: %s", name, msg);
		}
		*(name[2] == 'm' ? &a->mean : &a->std) = val;
	} else if (strcmp(name, "--limit") == 0) {
		rc = parse_count("--limit", val, 1 << 30, &a->limit, err);
	}
	return rc;
}

/* A finite number into *out; OPR_EUSAGE naming the option otherwise. */
static int parse_real(const char *name, const char *val, const char *want,
		      double *out, struct opr_err *err)
{
	char *end;
	double v = strtod(val, &end);

	if (end == val || *end || !isfinite(v))
		return opr_errf(err, OPR_EUSAGE, "%s '%s': want %s", name, val,
				want);
	*out = v;
	return OPR_OK;
}

/* --exclude: node names separated by commas, none empty. */
static int parse_exclude(const char *val, struct cli_args *a,
			 struct opr_err *err)
{
	if (!*val || *val == ',' || val[strlen(val) - 1] == ',' ||
	    strstr(val, ",,"))
		return opr_errf(err, OPR_EUSAGE, "--exclude '%s': want node "
				"names separated by commas, none empty", val);
	a->exclude = val;
	return OPR_OK;
}

/* --seed: a decimal integer in [0, 2^64). */
static int parse_seed(const char *val, struct cli_args *a, struct opr_err *err)
{
	unsigned long long v;
	char *end;

	errno = 0;
	v = strtoull(val, &end, 10);
	if (!*val || *val == '-' || *val == '+' || *end || errno == ERANGE ||
	    end == val)
		return opr_errf(err, OPR_EUSAGE, "--seed '%s': want an integer in "
				"0..18446744073709551615", val);
	a->seed = (uint64_t)v;
	return OPR_OK;
}

/* The budget options of the pruning passes into a. */
static int parse_prune_option(const char *name, const char *val,
			      struct cli_args *a, struct opr_err *err)
{
	double v = 0;
	int rc;

	if (strcmp(name, "--ratio") == 0) {
		if ((rc = parse_real(name, val, "a fraction in [0, 1)", &v, err)))
			return rc;
		if (!(v >= 0 && v < 1))
			return opr_errf(err, OPR_EUSAGE, "--ratio '%s': want a "
					"fraction in [0, 1)", val);
		a->ratio = v;
	} else if (strcmp(name, "--target-flops") == 0) {
		if ((rc = parse_real(name, val, "a fraction in (0, 1]", &v, err)))
			return rc;
		if (!(v > 0 && v <= 1))
			return opr_errf(err, OPR_EUSAGE, "--target-flops '%s': want "
					"a fraction of the MACs in (0, 1]", val);
		a->target_flops = v;
	} else if (strcmp(name, "--round-to") == 0) {
		return parse_count(name, val, 65536, &a->round_to, err);
	} else if (strcmp(name, "--exclude") == 0) {
		return parse_exclude(val, a, err);
	} else if (strcmp(name, "--seed") == 0) {
		return parse_seed(val, a, err);
	}
	return OPR_OK;
}

/*
 * The budget options against the passes: --ratio and --target-flops are
 * exclusive, a pruning pass needs one of them, and the options need a
 * pass that reads them.
 */
static int check_budget(const struct cli_args *a, struct opr_err *err)
{
	const char *given = a->ratio >= 0 ? "--ratio" :
			    a->target_flops > 0 ? "--target-flops" :
			    a->round_to ? "--round-to" :
			    a->exclude ? "--exclude" : NULL;
	const struct opr_pass *needs = NULL;
	char known[1024], *p = known;
	int i, n;
	const struct opr_pass *t = opr_pass_table(&n);

	for (i = 0; i < a->n_passes && !needs; i++)
		if (a->passes[i]->flags & OPR_PASS_BUDGET)
			needs = a->passes[i];
	if (a->ratio >= 0 && a->target_flops > 0)
		return opr_errf(err, OPR_EUSAGE, "--ratio and --target-flops do "
				"not go together: give one" TRY_HELP);
	if (needs && a->ratio < 0 && a->target_flops <= 0)
		return opr_errf(err, OPR_EUSAGE, "pass '%s' needs --ratio R or "
				"--target-flops F" TRY_HELP, needs->name);
	if (!given || needs)
		return OPR_OK;
	/* only --exclude given: a pass such as fc3sigma may read it alone */
	for (i = 0; i < a->n_passes; i++)
		if ((a->passes[i]->flags & OPR_PASS_EXCLUDE) && a->ratio < 0 &&
		    a->target_flops <= 0 && !a->round_to)
			return OPR_OK;
	known[0] = '\0';
	for (i = 0; i < n; i++)
		if ((t[i].flags & OPR_PASS_BUDGET) &&
		    p + strlen(t[i].name) + 3 < known + sizeof(known))
			p += sprintf(p, "%s%s", p == known ? "" : ", ", t[i].name);
	return opr_errf(err, OPR_EUSAGE, "%s: no pass in --passes reads it "
			"(pruning passes: %s)", given, known);
}

/* 1 for the options of fc3sigma and of the sparse export. */
static int is_fc_option(const char *name)
{
	return strcmp(name, "--k") == 0 || strcmp(name, "--fc-variant") == 0 ||
	       strncmp(name, "--sparse-", 9) == 0;
}

/* --k, --fc-variant, --sparse-initializers, --sparse-constants into a. */
static int parse_fc_option(const char *name, const char *val,
			   struct cli_args *a, struct opr_err *err)
{
	double v = 0;
	int rc;

	if (strncmp(name, "--sparse-", 9) == 0) {
		v = name[9] == 'i' ? OPR_SPARSE_INITIALIZER : OPR_SPARSE_CONSTANT;
		if (a->sparse_initializers && a->sparse_initializers != (int)v)
			return opr_errf(err, OPR_EUSAGE, "--sparse-initializers "
					"and --sparse-constants do not go "
					"together: give one" TRY_HELP);
		a->sparse_initializers = (int)v;
	} else if (strcmp(name, "--k") == 0) {
		if ((rc = parse_real(name, val, "a number > 0", &v, err)))
			return rc;
		if (!(v > 0))
			return opr_errf(err, OPR_EUSAGE, "--k '%s': want a number "
					"> 0", val);
		a->fc_k = v;
	} else if (opr_fc_variant_parse(val, &a->fc_variant)) {
		return opr_errf(err, OPR_EUSAGE, "--fc-variant '%s': want band "
				"or sensitivity", val);
	}
	return OPR_OK;
}

/* A real option value in [lo, hi] (hi_open: below hi) into *out. */
static int parse_range(const char *name, const char *val, double lo,
		       double hi, int hi_open, double *out, struct opr_err *err)
{
	char want[96];
	double v = 0;
	int rc;

	snprintf(want, sizeof(want), "a number in [%g, %g%s", lo, hi,
		 hi_open ? ")" : "]");
	if ((rc = parse_real(name, val, want, &v, err)))
		return rc;
	if (!(v >= lo && (hi_open ? v < hi : v <= hi)))
		return opr_errf(err, OPR_EUSAGE, "%s '%s': want %s", name, val,
				want);
	*out = v;
	return OPR_OK;
}

/* The options of finetune only into a. */
static int parse_ft_option(const char *name, const char *val,
			   struct cli_args *a, struct opr_err *err)
{
	if (strcmp(name, "--epochs") == 0) {
		if (strcmp(val, "0") == 0) {
			a->epochs = 0;
			return OPR_OK;
		}
		return parse_count(name, val, 1000000, &a->epochs, err);
	}
	if (strcmp(name, "--lr") == 0)
		return parse_range(name, val, 1e-12, 100.0, 0, &a->lr, err);
	if (strcmp(name, "--wd") == 0)
		return parse_range(name, val, 0.0, 1.0, 0, &a->wd, err);
	if (strcmp(name, "--val-split") == 0)
		return parse_range(name, val, 0.0, 1.0, 1, &a->val_split, err);
	if (strcmp(name, "--temperature") == 0)
		return parse_range(name, val, 1e-3, 1000.0, 0, &a->temperature,
				   err);
	if (strcmp(name, "--alpha") == 0)
		return parse_range(name, val, 0.0, 1.0, 0, &a->alpha, err);
	if (strcmp(name, "--bn-recal") == 0)
		return parse_count(name, val, 1 << 30, &a->bn_recal, err);
	if (strcmp(name, "--log-every") == 0)
		return parse_count(name, val, 1 << 30, &a->log_every, err);
	if (strcmp(name, "--distill") == 0) {
		a->distill = 1;
	} else if (strcmp(name, "--no-augment") == 0) {
		a->no_augment = 1;
	} else if (strcmp(name, "--teacher") == 0 || strcmp(name, "--log") == 0) {
		if (!*val)
			return opr_errf(err, OPR_EUSAGE, "%s needs a file name",
					name);
		if (name[2] == 't') {
			a->teacher = val;
			a->distill = 1;
		} else {
			a->log = val;
		}
	} else if (strcmp(name, "--test-data") == 0) {
		const char *c = strchr(val, ':');

		if (!c || c == val || !c[1])
			return opr_errf(err, OPR_EUSAGE, "--test-data '%s': want "
					"KIND:PATH", val);
		a->test_data = val;
	}
	return OPR_OK;
}

/* What finetune needs: --data, and --epochs (0 only with --bn-recal). */
static int check_finetune(const struct cli_args *a, struct opr_err *err)
{
	if (!a->data)
		return opr_errf(err, OPR_EUSAGE, "finetune: --data KIND:PATH is "
				"required" TRY_HELP);
	if (a->epochs < 0)
		return opr_errf(err, OPR_EUSAGE, "finetune: --epochs N is "
				"required" TRY_HELP);
	if (a->epochs == 0 && a->bn_recal == 0)
		return opr_errf(err, OPR_EUSAGE, "finetune: --epochs 0 needs "
				"--bn-recal B (nothing to do otherwise)");
	return OPR_OK;
}

/* Resolves the comma-separated pass list s into a->passes. */
static int parse_passes(const char *s, struct cli_args *a, struct opr_err *err)
{
	char name[256], known[1024];
	const char *p = s, *e;
	size_t len;

	a->n_passes = 0;
	for (; *p; p = *e ? e + 1 : e) {
		e = strchr(p, ',');
		if (!e)
			e = p + strlen(p);
		len = (size_t)(e - p);
		if (len == 0)
			continue;
		if (len >= sizeof(name))
			len = sizeof(name) - 1;
		memcpy(name, p, len);
		name[len] = '\0';
		if (a->n_passes == CLI_MAX_PASSES)
			return opr_errf(err, OPR_EUSAGE, "more than %d passes in --passes",
					CLI_MAX_PASSES);
		a->passes[a->n_passes] = opr_pass_find(name);
		if (!a->passes[a->n_passes])
			return opr_errf(err, OPR_EUSAGE,
					"unknown pass '%s'; known passes: %s", name,
					opr_pass_names(known, sizeof(known)));
		a->n_passes++;
	}
	return OPR_OK;
}

/*
 * Handles option argv[*i] (with its value, advancing *i); *seen collects
 * the bit of each option given.  Returns OPR_OK or OPR_EUSAGE.
 */
static int parse_option(int argc, char **argv, int *i,
			unsigned long long *seen,
			struct cli_args *a, struct opr_err *err)
{
	const char *arg = argv[*i], *eq = strchr(arg, '='), *val = NULL;
	size_t len = eq ? (size_t)(eq - arg) : strlen(arg);
	int o = find_option(arg, len), rc = OPR_OK;

	/* --json takes a FILE for bench: the entry after info's */
	if (o >= 0 && strcmp(options[o].name, "--json") == 0 &&
	    (command_hint(argc, argv) == CLI_BENCH ||
	     command_hint(argc, argv) == CLI_EVAL))
		o++;

	if (o < 0)
		return opr_errf(err, OPR_EUSAGE, "unknown option '%.*s'; known options: %s",
				(int)len, arg, KNOWN_OPTIONS);
	if (!options[o].has_value && eq)
		return opr_errf(err, OPR_EUSAGE, "option %s takes no value" TRY_HELP,
				options[o].name);
	if (options[o].has_value) {
		if (eq)
			val = eq + 1;
		else if (*i + 1 < argc)
			val = argv[++*i];
		else
			return opr_errf(err, OPR_EUSAGE, "option %s needs a value" TRY_HELP,
					options[o].name);
	}
	*seen |= 1ull << o;
	if (strcmp(options[o].name, "--passes") == 0)
		rc = parse_passes(val, a, err);
	else if (strcmp(options[o].name, "--report") == 0)
		a->report = val;
	else if (strcmp(options[o].name, "--external-data") == 0)
		a->external_data = 1;
	else if (strcmp(options[o].name, "--groups") == 0)
		a->groups = 1;
	else if (strcmp(options[o].name, "--json") == 0 && val)
		a->json_out = val;
	else if (strcmp(options[o].name, "--json") == 0)
		a->json = 1;
	else if (strcmp(options[o].name, "--batch") == 0)
		rc = parse_count("--batch", val, 1 << 20, &a->batch, err);
	else if (strcmp(options[o].name, "--threads") == 0)
		rc = parse_count("--threads", val, 256, &a->threads, err);
	else if (strcmp(options[o].name, "--reps") == 0)
		rc = parse_count("--reps", val, 1000000, &a->reps, err);
	else if (options[o].cmds == (1u << CLI_FINETUNE))
		rc = parse_ft_option(options[o].name, val, a, err);
	else if (strcmp(options[o].name, "--seed") == 0)
		rc = parse_seed(val, a, err);
	else if (is_fc_option(options[o].name))
		rc = parse_fc_option(options[o].name, val, a, err);
	else if (options[o].cmds == (1u << CLI_PRUNE))
		rc = parse_prune_option(options[o].name, val, a, err);
	else
		rc = parse_eval_option(options[o].name, val, a, err);
	if (rc == OPR_OK && a->report && !*a->report)
		rc = opr_errf(err, OPR_EUSAGE, "--report needs a file name");
	return rc;
}

/* 1 when word cannot be a model path: no '/', no '.', and no such file. */
static int looks_like_command(const char *word)
{
	struct stat st;

	return !strchr(word, '/') && !strchr(word, '.') && stat(word, &st) != 0;
}

/* Sets a->cmd, a->in and a->out from the n positional arguments pos[]. */
static int parse_positional(char **pos, int n, struct cli_args *a,
			    struct opr_err *err)
{
	int want, first = 0, i;

	a->cmd = CLI_PRUNE;
	if (n > 0) {
		for (i = 0; i <= CLI_VERSION; i++)
			if (strcmp(pos[0], cmd_names[i]) == 0)
				break;
		if (i <= CLI_VERSION) {
			a->cmd = (enum cli_cmd)i;
			first = 1;
		} else if (looks_like_command(pos[0])) {
			return opr_errf(err, OPR_EUSAGE,
					"unknown command '%s'; known commands: %s",
					pos[0], KNOWN_COMMANDS);
		}
	}
	want = a->cmd == CLI_PRUNE || a->cmd == CLI_FINETUNE ? 2 :
	       a->cmd == CLI_INFO || a->cmd == CLI_BENCH ||
	       a->cmd == CLI_EVAL ? 1 : 0;
	if (n - first > want)
		return opr_errf(err, OPR_EUSAGE, "unexpected argument '%s'" TRY_HELP,
				pos[first + want]);
	if (n - first < want) {
		if (n == 0)
			return opr_errf(err, OPR_EUSAGE,
					"missing command or model; known commands: %s",
					KNOWN_COMMANDS);
		return opr_errf(err, OPR_EUSAGE, "%s: missing %s" TRY_HELP,
				cmd_names[a->cmd], n - first == 0 ?
				"input model" : "output path");
	}
	if (want >= 1)
		a->in = pos[first];
	if (want == 2)
		a->out = pos[first + 1];
	return OPR_OK;
}

int cli_parse(int argc, char **argv, struct cli_args *a, struct opr_err *err)
{
	char *pos[4];
	unsigned long long seen = 0;
	int i, n = 0, rc, opts_done = 0;

	memset(a, 0, sizeof(*a));
	a->ratio = -1;
	a->batch = 1;
	a->epochs = -1;
	a->lr = 0.01;
	a->wd = 5e-4;
	a->temperature = 4.0;
	a->alpha = 0.9;
	a->log_every = 10;
	a->reps = 20;
	for (i = 1; i < argc; i++) {
		if (!opts_done && strcmp(argv[i], "--") == 0) {
			opts_done = 1;
		} else if (!opts_done && argv[i][0] == '-' && argv[i][1]) {
			if ((rc = parse_option(argc, argv, &i, &seen, a, err)))
				return rc;
		} else if (n < 4) {
			pos[n++] = argv[i];
		} else {
			return opr_errf(err, OPR_EUSAGE, "unexpected argument '%s'" TRY_HELP,
					argv[i]);
		}
	}
	if (seen & (1ull << find_option("--help", 6))) {
		a->cmd = CLI_HELP;
		return OPR_OK;
	}
	if (seen & (1ull << find_option("--version", 9))) {
		a->cmd = CLI_VERSION;
		return OPR_OK;
	}
	if ((rc = parse_positional(pos, n, a, err)))
		return rc;
	if (a->cmd == CLI_EVAL && !(seen & (1ull << find_option("--batch", 7))))
		a->batch = 64;	/* eval's default batch */
	if (a->cmd == CLI_FINETUNE && !(seen & (1ull << find_option("--batch", 7))))
		a->batch = 128;	/* finetune's default batch */
	if (a->cmd == CLI_FINETUNE)
		return check_finetune(a, err);
	for (i = 0; i < N_OPTIONS; i++)
		if ((seen & (1ull << i)) && !(options[i].cmds & (1u << a->cmd)))
			return opr_errf(err, OPR_EUSAGE,
					"option %s does not apply to '%s'" TRY_HELP,
					options[i].name, cmd_names[a->cmd]);
	if (a->cmd == CLI_PRUNE)
		return check_budget(a, err);
	return OPR_OK;
}
