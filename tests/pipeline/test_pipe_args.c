/*
 * test_pipe_args.c - the flag logic of the prune pipeline's options
 * (src/cli/args.c) against a fake pass registry that holds a pass flagged
 * OPR_PASS_DATA ("sfp") and one flagged OPR_PASS_TRAINS ("bn_attn"), so
 * that the checks are tested whatever passes are registered.  The fake
 * opr_pass_table / opr_pass_find / opr_pass_names below take the place of
 * src/passes/registry.c, which is then not linked from the library.
 */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"

static int fake_run(struct opr_graph *g, const struct opr_pass_opts *o,
		    struct opr_err *err)
{
	(void)g;
	(void)o;
	(void)err;
	return OPR_OK;
}

static const struct opr_pass fake[] = {
	{ "bn_attn", "fake: trains when given data", fake_run,
	  OPR_PASS_BUDGET | OPR_PASS_TRAINS },
	{ "fc3sigma", "fake", fake_run, OPR_PASS_EXCLUDE },
	{ "l1", "fake", fake_run, OPR_PASS_BUDGET },
	{ "sfp", "fake: needs data", fake_run, OPR_PASS_BUDGET | OPR_PASS_DATA },
};

#define N_FAKE ((int)(sizeof(fake) / sizeof(fake[0])))

const struct opr_pass *opr_pass_table(int *n)
{
	*n = N_FAKE;
	return fake;
}

const struct opr_pass *opr_pass_find(const char *name)
{
	int i;

	for (i = 0; name && i < N_FAKE; i++)
		if (strcmp(fake[i].name, name) == 0)
			return &fake[i];
	return NULL;
}

const char *opr_pass_names(char *buf, size_t len)
{
	snprintf(buf, len, "bn_attn, fc3sigma, l1, sfp");
	return buf;
}

static int fails;

/*
 * Parses the space-separated words of line (after "onnx-prune in.onnx
 * out.onnx") into *a; want is the status, msg a piece of the message
 * (NULL: none checked).
 */
static void check(const char *line, int want, const char *msg,
		  struct cli_args *a)
{
	char buf[512], *argv[40], *w;
	struct opr_err err = { 0 };
	int argc = 0, rc;

	snprintf(buf, sizeof(buf), "onnx-prune in.onnx out.onnx %s", line);
	for (w = strtok(buf, " "); w && argc < 39; w = strtok(NULL, " "))
		argv[argc++] = w;
	argv[argc] = NULL;
	rc = cli_parse(argc, argv, a, &err);
	if (rc != want || (msg && !strstr(err.msg, msg))) {
		printf("FAIL: '%s': status %d (want %d), message '%s' (want '%s')\n",
		       line, rc, want, err.msg, msg ? msg : "");
		fails++;
	}
}

#define EXPECT(cond) do { if (!(cond)) { \
	printf("FAIL: line %d: %s\n", __LINE__, #cond); fails++; } } while (0)

/*
 * A training option whose value is in [0, 1) and defaults to 0, stored at
 * offset off of struct cli_args: its default, the value good (want), 1
 * refused, and refused without training.
 */
static void check_unit_option(const char *opt, const char *good, double want,
			      size_t off)
{
	char line[200];
	struct cli_args a;

#define FIELD (*(const double *)((const char *)&a + off))
	check("--passes sfp --ratio 0.5 --data idx:d --epochs 1", OPR_OK, NULL,
	      &a);
	EXPECT(FIELD == 0);
	snprintf(line, sizeof(line), "--passes sfp --ratio 0.5 --data idx:d "
		 "--epochs 1 %s %s", opt, good);
	check(line, OPR_OK, NULL, &a);
	EXPECT(FIELD == want);
	snprintf(line, sizeof(line), "--passes sfp --ratio 0.5 --data idx:d "
		 "--epochs 1 %s 1", opt);
	check(line, OPR_EUSAGE, opt, &a);
	snprintf(line, sizeof(line), "--passes l1 --ratio 0.5 --data idx:d "
		 "%s %s", opt, good);
	check(line, OPR_EUSAGE, "does not apply without training", &a);
#undef FIELD
}

int main(void)
{
	const char *need = "pass 'sfp' prunes while training: it needs --data "
			   "KIND:PATH and --epochs N";
	struct cli_args a;

	/* OPR_PASS_DATA: --data and --epochs, both */
	check("--passes sfp --ratio 0.5", OPR_EUSAGE, need, &a);
	check("--passes l1,sfp --target-flops 0.5", OPR_EUSAGE, need, &a);
	check("--passes sfp --ratio 0.5 --data idx:d", OPR_EUSAGE, need, &a);
	check("--passes sfp --ratio 0.5 --epochs 2", OPR_EUSAGE, need, &a);
	check("--passes sfp --ratio 0.5 --data idx:d --epochs 0", OPR_EUSAGE,
	      need, &a);
	check("--passes sfp --ratio 0.5 --data idx:d --epochs 2", OPR_OK, NULL,
	      &a);
	EXPECT(a.epochs == 2 && a.norm_p == 2.0 && a.batch == 128);
	check("--passes sfp --ratio 0.5 --data idx:d --epochs 1 --norm-p 1",
	      OPR_OK, NULL, &a);
	EXPECT(a.norm_p == 1.0 && a.soft_mask == OPR_SOFT_DEFAULT);
	check("--passes sfp --ratio 0.5 --data idx:d --epochs 1 --soft-mask "
	      "scale", OPR_OK, NULL, &a);
	EXPECT(a.soft_mask == OPR_SOFT_SCALE);
	check("--passes bn_attn --ratio 0.5 --data idx:d --epochs 1 "
	      "--soft-mask weights", OPR_OK, NULL, &a);
	EXPECT(a.soft_mask == OPR_SOFT_WEIGHTS);
	check("--passes bn_attn --ratio 0.5 --data idx:d --epochs 1 "
	      "--soft-mask gamma", OPR_EUSAGE,
	      "--soft-mask 'gamma': want 'weights' or 'scale'", &a);
	check("--passes l1 --ratio 0.5 --soft-mask scale", OPR_EUSAGE,
	      "--soft-mask: no pass in --passes reads it (it is bn_attn's and "
	      "sfp's)", &a);
	/* OPR_PASS_TRAINS: data optional */
	check("--passes bn_attn --ratio 0.5", OPR_OK, NULL, &a);
	EXPECT(a.finetune_epochs == -1 && a.max_acc_drop < 0 &&
	       a.gamma_l1 == 1e-4 && a.attn_t == 1.0 && a.prune_every == 0);
	check("--passes bn_attn,fc3sigma --target-flops 0.5 --data idx:d "
	      "--epochs 3 --prune-every 100 --gamma-l1 0 --attn-t 2 --lr 0.1 "
	      "--finetune-epochs 2 --max-acc-drop 1.5 --distill",
	      OPR_OK, NULL, &a);
	EXPECT(a.epochs == 3 && a.prune_every == 100 && a.gamma_l1 == 0 &&
	       a.attn_t == 2.0 && a.lr == 0.1 && a.finetune_epochs == 2 &&
	       a.max_acc_drop == 1.5 && a.distill && a.n_passes == 2);
	check("--passes bn_attn --ratio 0.5 --epochs 1", OPR_EUSAGE,
	      "--epochs does not apply without training, which needs --data", &a);
	/* pass options need their pass, --epochs a pass that trains */
	check("--passes l1 --ratio 0.5 --prune-every 5", OPR_EUSAGE,
	      "--prune-every: no pass in --passes reads it (it is bn_attn's)",
	      &a);
	check("--passes bn_attn --ratio 0.5 --norm-p 3", OPR_EUSAGE,
	      "--norm-p: no pass in --passes reads it (it is sfp's)", &a);
	check("--passes l1 --ratio 0.5 --data idx:d --epochs 1", OPR_EUSAGE,
	      "prune while training (bn_attn, sfp)", &a);
	check("--passes l1 --ratio 0.5 --data idx:d --lr 0.1", OPR_EUSAGE,
	      "--lr does not apply without training: give --finetune-epochs", &a);
	/* --crop-pad: default 4, 0 allowed, bounded, a training option */
	check("--passes sfp --ratio 0.5 --data idx:d --epochs 1", OPR_OK, NULL,
	      &a);
	EXPECT(a.crop_pad == 4);
	check("--passes sfp --ratio 0.5 --data idx:d --epochs 1 --crop-pad 2",
	      OPR_OK, NULL, &a);
	EXPECT(a.crop_pad == 2);
	check("--passes sfp --ratio 0.5 --data idx:d --epochs 1 --crop-pad 0",
	      OPR_OK, NULL, &a);
	EXPECT(a.crop_pad == 0);
	check("--passes sfp --ratio 0.5 --data idx:d --epochs 1 --crop-pad 65",
	      OPR_EUSAGE, "--crop-pad", &a);
	check("--passes l1 --ratio 0.5 --data idx:d --crop-pad 2", OPR_EUSAGE,
	      "--crop-pad does not apply without training", &a);
	/* --label-smoothing, --ema: default 0, in [0, 1), training options */
	check_unit_option("--label-smoothing", "0.1", 0.1,
			  offsetof(struct cli_args, label_smoothing));
	check_unit_option("--ema", "0.998", 0.998,
			  offsetof(struct cli_args, ema));
	/* --mac-aware: with --target-flops only */
	check("--passes l1 --target-flops 0.5 --mac-aware", OPR_OK, NULL, &a);
	EXPECT(a.mac_aware == 1);
	check("--passes l1 --ratio 0.5 --mac-aware", OPR_EUSAGE,
	      "--mac-aware ranks channels across groups: it needs "
	      "--target-flops F", &a);
	/* fine-tuning and the gate */
	check("--passes l1 --ratio 0.5 --finetune-epochs 1", OPR_EUSAGE,
	      "--finetune-epochs needs --data", &a);
	check("--passes l1 --ratio 0.5 --max-acc-drop 1", OPR_EUSAGE,
	      "--max-acc-drop needs data", &a);
	check("--passes l1 --ratio 0.5 --max-acc-drop 1 --test-data idx:t",
	      OPR_OK, NULL, &a);
	check("--passes l1 --ratio 0.5 --data idx:d --finetune-epochs 0 "
	      "--bn-recal 4", OPR_OK, NULL, &a);
	EXPECT(a.finetune_epochs == 0 && a.bn_recal == 4);
	check("--max-acc-drop 101 --data idx:d", OPR_EUSAGE, "--max-acc-drop",
	      &a);
	if (fails) {
		printf("%d check(s) failed\n", fails);
		return 1;
	}
	printf("all checks passed\n");
	return 0;
}
