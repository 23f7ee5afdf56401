/*
 * registry.c - the table of passes that --passes can name (see passes.h).
 *
 * Add a pass by adding a line to the table; keep it sorted by name.  The
 * last entry is a NULL sentinel so that the table is valid C while empty.
 */
#include <stdio.h>
#include <string.h>

#include "passes/fc3sigma.h"
#include "passes/passes.h"
#include "passes/prune_pass.h"
#include "passes/soft_prune.h"

static const struct opr_pass table[] = {
	{ "bn_attn", "prune by softmax(filter L2 / T) x BN |gamma| (group: mean); "
	  "with --data: soft masks re-selected while training",
	  opr_pass_bn_attn, OPR_PASS_BUDGET | OPR_PASS_TRAINS },
	{ "bn_scale", "prune channels of least BatchNormalization |gamma|",
	  opr_pass_bn_scale, OPR_PASS_BUDGET },
	{ "fc3sigma", "zero FC weights within K sigma; drop all-zero rows/cols",
	  opr_pass_fc3sigma, OPR_PASS_EXCLUDE },
	{ "fpgm", "prune filters nearest their layer's geometric median",
	  opr_pass_fpgm, OPR_PASS_BUDGET },
	{ "l1", "prune channels of least filter L1 norm", opr_pass_l1,
	  OPR_PASS_BUDGET },
	{ "l2", "prune channels of least filter L2 norm", opr_pass_l2,
	  OPR_PASS_BUDGET },
	{ "random", "prune channels at random (--seed)", opr_pass_random,
	  OPR_PASS_BUDGET },
	{ "sfp", "soft filter pruning (needs --data): channels of least Lp "
	  "norm of all their filters, soft-masked each epoch",
	  opr_pass_sfp, OPR_PASS_BUDGET | OPR_PASS_DATA },
	{ NULL, NULL, NULL, 0 }
};

const struct opr_pass *opr_pass_table(int *n)
{
	*n = (int)(sizeof(table) / sizeof(table[0])) - 1;
	return table;
}

const struct opr_pass *opr_pass_find(const char *name)
{
	int i, n;

	if (!name)
		return NULL;
	opr_pass_table(&n);
	for (i = 0; i < n; i++)
		if (strcmp(table[i].name, name) == 0)
			return &table[i];
	return NULL;
}

const char *opr_pass_names(char *buf, size_t len)
{
	size_t used = 0;
	int i, n;

	if (len == 0)
		return buf;
	buf[0] = '\0';
	opr_pass_table(&n);
	if (n == 0) {
		snprintf(buf, len, "(none yet)");
		return buf;
	}
	for (i = 0; i < n && used < len; i++) {
		int w = snprintf(buf + used, len - used, "%s%s",
				 i ? ", " : "", table[i].name);

		if (w < 0)
			break;
		used += (size_t)w;
	}
	return buf;
}
