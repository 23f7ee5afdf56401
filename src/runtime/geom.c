/*
 * geom.c - the runtime's reading of the window geometry of Conv, MaxPool
 * and AveragePool: src/ir/window.c computes it, errors name the node.
 */
#include "runtime/runtime.h"

int opr_rt_geom_read(struct opr_rt *rt, const struct rt_node *rn, int xr,
		 const int64_t *xs, const int64_t *kernel, int is_pool,
		 struct opr_window *gm, struct opr_err *err)
{
	char why[160];
	int rc = opr_window_read(rn->n, xr, xs, kernel, is_pool, gm, why,
				 sizeof(why));

	return rc ? opr_rt_errf(rt, rn, err, rc, "%s", why) : OPR_OK;
}
