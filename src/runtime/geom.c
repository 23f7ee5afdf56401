/*
 * geom.c - the runtime's reading of the window geometry of Conv, MaxPool
 * and AveragePool: src/ir/window.c computes it, errors name the node; and
 * the prep the two pools share.
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

int opr_rt_pool_prep(struct opr_rt *rt, struct rt_node *rn, int indices,
		     struct opr_err *err)
{
	struct opr_window *gm = rn->param;
	struct rt_val *x = opr_rt_need_in(rt, rn, 0, OPR_DT_FLOAT, err);
	int64_t d[4];
	int rc;

	if (!x)
		return err->code;
	if ((rc = opr_rt_geom_read(rt, rn, x->rank, x->dims + 2, NULL, 1, gm, err)))
		return rc;
	d[0] = x->dims[0];
	d[1] = x->dims[1];
	d[2] = gm->out[2 - gm->ns];
	d[3] = gm->out[1];
	if ((rc = opr_rt_set_out(rt, rn, opr_rt_out(rt, rn, 0), OPR_DT_FLOAT,
				 x->rank, d, err)) || !indices)
		return rc;
	return opr_rt_set_out(rt, rn, opr_rt_out(rt, rn, 1), OPR_DT_INT64,
			      x->rank, d, err);
}
