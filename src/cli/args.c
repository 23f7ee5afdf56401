/*
 * args.c - the command line: the option table and parsing argv into
 * struct cli_args (the training and pipeline options are args_train.c's,
 * the --help text help.c's).  Every mistake is OPR_EUSAGE with one line that says what
 * is known, so that the user can fix the call without reading the manual.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/args.h"
#include "data/preprocess_meta.h"
#include "passes/fc3sigma.h"

/* Bit masks of enum cli_cmd for the table below. */
#define PR (1u << CLI_PRUNE)
#define FT (1u << CLI_FINETUNE)
#define EV (1u << CLI_EVAL)
#define BE (1u << CLI_BENCH)
#define ALL ((1u << (CLI_VERSION + 1)) - 1)	/* every command */
/* Not a command: the option is parsed by cli_parse_pipe_option(). */
#define PP (1u << 30)

/* The options, the commands each applies to, and whether it takes a value. */
static const struct {
	const char *name;	/* long form */
	int has_value;		/* 1: --name VALUE or --name=VALUE */
	unsigned cmds;		/* bit mask of enum cli_cmd it applies to */
} options[] = {
	{ "--passes", 1, PR },
	{ "--report", 1, PR },
	{ "--external-data", 0, PR },
	{ "--groups", 0, 1u << CLI_INFO },
	{ "--json", 0, 1u << CLI_INFO },
	{ "--json", 1, BE | EV },	/* --json FILE */
	{ "--batch", 1, BE | EV | FT | PR },
	{ "--threads", 1, BE | EV | FT | PR },
	{ "--reps", 1, BE },
	{ "--data", 1, EV | FT | PR },
	{ "--mean", 1, EV | PR | FT },
	{ "--std", 1, EV | PR | FT },
	{ "--limit", 1, EV | FT | PR },
	{ "--ratio", 1, PR },
	{ "--target-flops", 1, PR },
	{ "--round-to", 1, PR },
	{ "--max-group-ratio", 1, PR },
	{ "--mac-aware", 0, PR },
	{ "--exclude", 1, PR },
	{ "--seed", 1, PR | FT },
	{ "--k", 1, PR },
	{ "--fc-variant", 1, PR },
	{ "--sparse-initializers", 0, PR },
	{ "--sparse-constants", 0, PR },
	/* training: finetune, and the pipeline's passes and fine-tuning */
	{ "--epochs", 1, FT | PR },
	{ "--lr", 1, FT | PR },
	{ "--wd", 1, FT | PR },
	{ "--val-split", 1, FT | PR },
	{ "--distill", 0, FT | PR },
	{ "--teacher", 1, FT | PR },
	{ "--temperature", 1, FT | PR },
	{ "--alpha", 1, FT | PR },
	{ "--label-smoothing", 1, FT | PR },
	{ "--ema", 1, FT | PR },
	{ "--bn-recal", 1, FT | PR },
	{ "--log", 1, FT | PR },
	{ "--log-every", 1, FT | PR },
	{ "--test-data", 1, FT | PR },
	{ "--no-augment", 0, FT | PR },
	{ "--crop-pad", 1, FT | PR },
	/* the pipeline only (cli_parse_pipe_option) */
	{ "--finetune-epochs", 1, PR | PP },
	{ "--max-acc-drop", 1, PR | PP },
	{ "--prune-every", 1, PR | PP },
	{ "--gamma-l1", 1, PR | PP },
	{ "--attn-t", 1, PR | PP },
	{ "--norm-p", 1, PR | PP },
	{ "--freeze-at", 1, PR | PP },
	{ "--soft-mask", 1, PR | PP },
	{ "--help", 0, ALL },
	{ "--version", 0, ALL },
};

#define N_OPTIONS ((int)(sizeof(options) / sizeof(options[0])))
_Static_assert(N_OPTIONS <= 64, "cli_parse keeps the options seen in 64 bits");
#define KNOWN_COMMANDS "info, prune, bench, eval, finetune, help, version (or IN.onnx OUT.onnx to prune)"

static const char *const cmd_names[] = {
	[CLI_PRUNE] = "prune", [CLI_INFO] = "info", [CLI_BENCH] = "bench",
	[CLI_EVAL] = "eval", [CLI_FINETUNE] = "finetune",
	[CLI_HELP] = "help", [CLI_VERSION] = "version",
};

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

int cli_option_seen(unsigned long long seen, const char *name)
{
	int o = find_option(name, strlen(name));

	return o >= 0 && (seen & (1ull << o));
}

/* The names of the table, each once ("-h/--help" for --help), into buf. */
static const char *known_options(char *buf, size_t len)
{
	size_t used = 0;
	int i, k;

	buf[0] = '\0';
	for (i = 0; i < N_OPTIONS && used < len; i++) {
		for (k = 0; k < i; k++)
			if (strcmp(options[k].name, options[i].name) == 0)
				break;
		if (k < i)
			continue;	/* --json: info's and bench's */
		used += (size_t)snprintf(buf + used, len - used, "%s%s%s",
					 used ? ", " : "",
					 strcmp(options[i].name, "--help") ?
					 "" : "-h/", options[i].name);
	}
	return buf;
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

int cli_parse_count(const char *name, const char *val, int max, int *out,
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
		rc = cli_parse_count("--limit", val, 1 << 30, &a->limit, err);
	}
	return rc;
}

int cli_parse_real(const char *name, const char *val, const char *want,
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
		if ((rc = cli_parse_real(name, val, "a fraction in [0, 1)", &v, err)))
			return rc;
		if (!(v >= 0 && v < 1))
			return opr_errf(err, OPR_EUSAGE, "--ratio '%s': want a "
					"fraction in [0, 1)", val);
		a->ratio = v;
	} else if (strcmp(name, "--target-flops") == 0) {
		if ((rc = cli_parse_real(name, val, "a fraction in (0, 1]", &v, err)))
			return rc;
		if (!(v > 0 && v <= 1))
			return opr_errf(err, OPR_EUSAGE, "--target-flops '%s': want "
					"a fraction of the MACs in (0, 1]", val);
		a->target_flops = v;
	} else if (strcmp(name, "--round-to") == 0) {
		return cli_parse_count(name, val, 65536, &a->round_to, err);
	} else if (strcmp(name, "--max-group-ratio") == 0) {
		if ((rc = cli_parse_real(name, val, "a fraction in (0, 1]", &v,
					 err)))
			return rc;
		if (!(v > 0 && v <= 1))
			return opr_errf(err, OPR_EUSAGE, "--max-group-ratio '%s': "
					"want a fraction in (0, 1]", val);
		a->max_group_ratio = v;
	} else if (strcmp(name, "--mac-aware") == 0) {
		a->mac_aware = 1;
	} else if (strcmp(name, "--exclude") == 0) {
		return parse_exclude(val, a, err);
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
			    a->max_group_ratio > 0 ? "--max-group-ratio" :
			    a->mac_aware ? "--mac-aware" :
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
	if (a->mac_aware && a->target_flops <= 0)
		return opr_errf(err, OPR_EUSAGE, "--mac-aware ranks channels "
				"across groups: it needs --target-flops F");
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
		if ((rc = cli_parse_real(name, val, "a number > 0", &v, err)))
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
	char known[800];
	int o = find_option(arg, len), rc = OPR_OK;

	/* --json takes a FILE for bench: the entry after info's */
	if (o >= 0 && strcmp(options[o].name, "--json") == 0 &&
	    (command_hint(argc, argv) == CLI_BENCH ||
	     command_hint(argc, argv) == CLI_EVAL))
		o++;

	if (o < 0)
		return opr_errf(err, OPR_EUSAGE, "unknown option '%.*s'; known "
				"options: %s", (int)len, arg,
				known_options(known, sizeof(known)));
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
		rc = cli_parse_count("--batch", val, 1 << 20, &a->batch, err);
	else if (strcmp(options[o].name, "--threads") == 0)
		rc = cli_parse_count("--threads", val, 256, &a->threads, err);
	else if (strcmp(options[o].name, "--reps") == 0)
		rc = cli_parse_count("--reps", val, 1000000, &a->reps, err);
	else if (strcmp(options[o].name, "--seed") == 0)
		rc = parse_seed(val, a, err);
	else if (options[o].cmds == (FT | PR))
		rc = cli_parse_train_option(options[o].name, val, a, err);
	else if (options[o].cmds & PP)
		rc = cli_parse_pipe_option(options[o].name, val, a, err);
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
	a->reps = 20;
	cli_train_defaults(a);
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
	if (cli_option_seen(seen, "--help")) {
		a->cmd = CLI_HELP;
		return OPR_OK;
	}
	if (cli_option_seen(seen, "--version")) {
		a->cmd = CLI_VERSION;
		return OPR_OK;
	}
	if ((rc = parse_positional(pos, n, a, err)))
		return rc;
	if (a->cmd == CLI_EVAL && !cli_option_seen(seen, "--batch"))
		a->batch = 64;	/* eval's default batch */
	if ((a->cmd == CLI_FINETUNE || a->cmd == CLI_PRUNE) &&
	    !cli_option_seen(seen, "--batch"))
		a->batch = cli_train_batch();	/* and eval's in prune */
	for (i = 0; i < N_OPTIONS; i++)
		if ((seen & (1ull << i)) && !(options[i].cmds & (1u << a->cmd)))
			return opr_errf(err, OPR_EUSAGE,
					"option %s does not apply to '%s'" TRY_HELP,
					options[i].name, cmd_names[a->cmd]);
	if (a->cmd == CLI_FINETUNE)
		return cli_check_finetune(a, err);
	if (a->cmd != CLI_PRUNE)
		return OPR_OK;
	if ((rc = check_budget(a, err)))
		return rc;
	return cli_check_pipeline(a, seen, err);
}
