/*
 * tgeom.c - the training engine's reading of the window geometry of Conv,
 * MaxPool and AveragePool: src/ir/window.c computes it (as for the
 * runtime), errors name the node.
 */
#include "train/tr_internal.h"

int tr_geom_read(struct opr_train *t, const struct tr_node *tn,
		 const struct tr_val *x, const int64_t *kernel, int is_pool,
		 struct opr_window *gm, struct opr_err *err)
{
	char why[160];
	int rc = opr_window_read(tn->n, x->rank, x->dims + 2, kernel, is_pool,
				 gm, why, sizeof(why));

	return rc ? tr_errf(t, tn, err, rc, "%s", why) : OPR_OK;
}
