/*
 * args_train.c - the command-line options of training, shared by
 * `finetune` and the prune pipeline (--epochs, --lr, ... --crop-pad),
 * those of the pipeline alone (--finetune-epochs, --max-acc-drop and the
 * options of bn_attn and sfp), and the checks of what they need.  The
 * option table and the general parsing are args.c's.
 */
#include <stdio.h>
#include <string.h>

#include "cli/args.h"
#include "passes/passes.h"
#include "train/finetune.h"

void cli_train_defaults(struct cli_args *a)
{
	struct opr_ft_opts d;

	opr_ft_defaults(&d);
	a->epochs = -1;
	a->lr = d.lr;
	a->wd = d.weight_decay;
	a->temperature = d.temperature;
	a->alpha = d.alpha;
	a->log_every = d.log_every;
	a->crop_pad = d.pad;
	a->finetune_epochs = -1;
	a->max_acc_drop = -1;
	a->gamma_l1 = 1e-4;	/* the passes' defaults (passes.h) */
	a->attn_t = 1.0;
	a->norm_p = 2.0;
	a->freeze_at = -1;	/* the pass's own (passes.h) */
}

int cli_train_batch(void)
{
	struct opr_ft_opts d;

	opr_ft_defaults(&d);
	return d.batch;
}

/* As cli_parse_count(), but "0" is allowed too. */
static int parse_count0(const char *name, const char *val, int max, int *out,
			struct opr_err *err)
{
	if (strcmp(val, "0") == 0) {
		*out = 0;
		return OPR_OK;
	}
	return cli_parse_count(name, val, max, out, err);
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
	if ((rc = cli_parse_real(name, val, want, &v, err)))
		return rc;
	if (!(v >= lo && (hi_open ? v < hi : v <= hi)))
		return opr_errf(err, OPR_EUSAGE, "%s '%s': want %s", name, val,
				want);
	*out = v;
	return OPR_OK;
}

int cli_parse_train_option(const char *name, const char *val,
			   struct cli_args *a, struct opr_err *err)
{
	if (strcmp(name, "--epochs") == 0)
		return parse_count0(name, val, 1000000, &a->epochs, err);
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
	if (strcmp(name, "--label-smoothing") == 0)
		return parse_range(name, val, 0.0, 1.0, 1, &a->label_smoothing,
				   err);
	if (strcmp(name, "--ema") == 0)
		return parse_range(name, val, 0.0, 1.0, 1, &a->ema, err);
	if (strcmp(name, "--bn-recal") == 0)
		return cli_parse_count(name, val, 1 << 30, &a->bn_recal, err);
	if (strcmp(name, "--log-every") == 0)
		return cli_parse_count(name, val, 1 << 30, &a->log_every, err);
	if (strcmp(name, "--crop-pad") == 0)
		return parse_count0(name, val, 64, &a->crop_pad, err);
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

int cli_check_finetune(const struct cli_args *a, struct opr_err *err)
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

int cli_parse_pipe_option(const char *name, const char *val,
			  struct cli_args *a, struct opr_err *err)
{
	int n = 0, rc;

	if (strcmp(name, "--finetune-epochs") == 0)
		return parse_count0(name, val, 1000000, &a->finetune_epochs, err);
	if (strcmp(name, "--max-acc-drop") == 0)
		return parse_range(name, val, 0.0, 100.0, 0, &a->max_acc_drop, err);
	if (strcmp(name, "--gamma-l1") == 0)
		return parse_range(name, val, 0.0, 10.0, 0, &a->gamma_l1, err);
	if (strcmp(name, "--attn-t") == 0)
		return parse_range(name, val, 1e-6, 1e6, 0, &a->attn_t, err);
	if (strcmp(name, "--norm-p") == 0)
		return parse_range(name, val, 1.0, 100.0, 0, &a->norm_p, err);
	if (strcmp(name, "--freeze-at") == 0)
		return parse_range(name, val, 0.0, 1.0, 0, &a->freeze_at, err);
	if (strcmp(name, "--soft-mask") == 0) {
		a->soft_mask = strcmp(val, "weights") == 0 ? OPR_SOFT_WEIGHTS :
			       strcmp(val, "scale") == 0 ? OPR_SOFT_SCALE : -1;
		return a->soft_mask >= 0 ? OPR_OK : opr_errf(err, OPR_EUSAGE,
			"--soft-mask '%s': want 'weights' or 'scale'", val);
	}
	rc = parse_count0(name, val, 1 << 30, &n, err);	/* --prune-every */
	a->prune_every = n;
	return rc;
}

/* Index of the first pass of a with a flag of mask, or -1. */
static int pass_with(const struct cli_args *a, unsigned mask)
{
	int i;

	for (i = 0; i < a->n_passes; i++)
		if (a->passes[i]->flags & mask)
			return i;
	return -1;
}

/* The registered passes that train (OPR_PASS_DATA / _TRAINS) into buf. */
static const char *training_passes(char *buf, size_t len)
{
	const struct opr_pass *t;
	size_t used = 0;
	int i, n;

	t = opr_pass_table(&n);
	snprintf(buf, len, "none registered");
	for (i = 0; i < n && used + strlen(t[i].name) + 3 < len; i++)
		if (t[i].flags & (OPR_PASS_DATA | OPR_PASS_TRAINS))
			used += (size_t)snprintf(buf + used, len - used, "%s%s",
						 used ? ", " : "", t[i].name);
	return buf;
}

/* Options that only set up training, and pass options with their pass. */
static const char *const train_only[] = { "--epochs", "--lr", "--wd",
	"--val-split", "--distill", "--teacher", "--temperature", "--alpha",
	"--label-smoothing", "--ema", "--bn-recal", "--log", "--log-every",
	"--no-augment", "--crop-pad", "--limit" };
static const struct { const char *opt, *pass, *pass2; } pass_option[] = {
	{ "--prune-every", "bn_attn", NULL }, { "--gamma-l1", "bn_attn", NULL },
	{ "--attn-t", "bn_attn", NULL }, { "--norm-p", "sfp", NULL },
	{ "--freeze-at", "bn_attn", "sfp" }, { "--soft-mask", "bn_attn", "sfp" },
};

#define SEEN(name) cli_option_seen(seen, name)

/*
 * What the pipeline needs: a pass flagged OPR_PASS_DATA needs --data and
 * --epochs; --finetune-epochs needs --data; --max-acc-drop needs data to
 * evaluate on; training options need something that trains; a pass
 * option needs its pass.
 */
int cli_check_pipeline(const struct cli_args *a, unsigned long long seen,
		       struct opr_err *err)
{
	char known[512];
	int i, k, trains;

	if ((i = pass_with(a, OPR_PASS_DATA)) >= 0 && (!a->data || a->epochs < 1))
		return opr_errf(err, OPR_EUSAGE, "pass '%s' prunes while "
				"training: it needs --data KIND:PATH and --epochs "
				"N" TRY_HELP, a->passes[i]->name);
	if (a->finetune_epochs >= 0 && !a->data)
		return opr_errf(err, OPR_EUSAGE, "--finetune-epochs needs --data "
				"KIND:PATH (the training images)" TRY_HELP);
	if (a->finetune_epochs == 0 && a->bn_recal == 0)
		return opr_errf(err, OPR_EUSAGE, "--finetune-epochs 0 needs "
				"--bn-recal B (nothing to do otherwise)");
	if (a->max_acc_drop >= 0 && !a->data && !a->test_data)
		return opr_errf(err, OPR_EUSAGE, "--max-acc-drop needs data to "
				"evaluate on: --data KIND:PATH or --test-data "
				"KIND:PATH" TRY_HELP);
	k = pass_with(a, OPR_PASS_DATA | OPR_PASS_TRAINS);
	if (SEEN("--epochs") && k < 0)
		return opr_errf(err, OPR_EUSAGE, "--epochs is the training of "
				"the passes that prune while training (%s), and "
				"--passes names none; to fine-tune after pruning "
				"give --finetune-epochs N",
				training_passes(known, sizeof(known)));
	trains = a->finetune_epochs >= 0 || (k >= 0 && a->data);
	for (i = 0; !trains && i < (int)(sizeof(train_only) /
				       sizeof(train_only[0])); i++) {
		if (!SEEN(train_only[i]))
			continue;
		if (!a->data)
			return opr_errf(err, OPR_EUSAGE, "%s does not apply "
					"without training, which needs --data "
					"KIND:PATH (the training images)" TRY_HELP,
					train_only[i]);
		return opr_errf(err, OPR_EUSAGE, "%s does not apply without "
				"training: give --finetune-epochs N or a pass "
				"that trains (%s)", train_only[i],
				training_passes(known, sizeof(known)));
	}
	for (i = 0; i < (int)(sizeof(pass_option) / sizeof(pass_option[0]));
	     i++) {
		for (k = 0; k < a->n_passes; k++)
			if (strcmp(a->passes[k]->name, pass_option[i].pass) == 0 ||
			    (pass_option[i].pass2 && strcmp(a->passes[k]->name,
						pass_option[i].pass2) == 0))
				break;
		if (SEEN(pass_option[i].opt) && k == a->n_passes)
			return opr_errf(err, OPR_EUSAGE, "%s: no pass in --passes "
					"reads it (it is %s's%s%s%s)",
					pass_option[i].opt, pass_option[i].pass,
					pass_option[i].pass2 ? " and " : "",
					pass_option[i].pass2 ?
					pass_option[i].pass2 : "",
					pass_option[i].pass2 ? "'s" : "");
	}
	return OPR_OK;
}
