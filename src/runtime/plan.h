/*
 * plan.h - the steps of opr_rt_new() that plan.c and runtime.c share.
 */
#ifndef OPR_RT_PLAN_H
#define OPR_RT_PLAN_H

#include "runtime/runtime.h"

/*
 * Gives every value its kind (constant, input, static, activation), every
 * live node its runtime op and zeroed param, and marks the static nodes.
 * Fails with OPR_EUNSUPPORTED naming the first node whose op the runtime
 * lacks, or OPR_EINVAL when a value is read before it is computed.
 */
int opr_rt_classify(struct opr_rt *rt, struct opr_err *err);

/*
 * Computes each activation's lifetime, packs the activations into one
 * workspace (a slot is reused once its value is dead), adds the per-thread
 * scratch and allocates it all once (untouched: opr_rt_new pre-faults it).  Needs the capacities of a planning
 * opr_rt_prepare().  Returns OPR_OK or OPR_ENOMEM.
 */
int opr_rt_plan_memory(struct opr_rt *rt, struct opr_err *err);

/*
 * Computes every shape for batch n and evaluates the static nodes.  While
 * rt->planning it records capacities and allocates static buffers; after
 * that it allocates nothing and fails if n needs more than was planned.
 */
int opr_rt_prepare(struct opr_rt *rt, int n, struct opr_err *err);

#endif
