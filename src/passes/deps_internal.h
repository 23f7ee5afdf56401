/*
 * deps_internal.h - what deps.c (slots, union-find, members), deps_rules.c
 * and deps_maps.c (one coupling function per channel rule of the op table)
 * and deps_groups.c (classes and groups) share while an analysis runs.  Not
 * used outside src/passes/deps*.c.
 */
#ifndef OPR_DEPS_INTERNAL_H
#define OPR_DEPS_INTERNAL_H

#include "ir.h"
#include "passes/deps.h"

/* The state of one opr_deps_analyze() call. */
struct deps_build {
	const struct opr_graph *g;	/* the graph analysed */
	struct opr_deps *d;		/* result under construction: views
					   and node_why are filled first */
	int *parent;			/* union-find over slots */
	struct opr_deps_member *m;	/* members so far; cls holds the slot
					   until the classes are known */
	int n_m, cap_m;			/* used and allocated entries of m */
	int *n_cons;			/* consumers of each value */
	int64_t opset;			/* default-domain opset of g */
};

/* Value v of the graph analysed (v >= 0). */
static inline const struct opr_value *deps_val(const struct deps_build *b,
					       int v)
{
	return &b->g->values[v];
}

/* Value at input k of node, or -1. */
static inline int deps_in(const struct deps_build *b, int node, int k)
{
	const struct opr_node *n = &b->g->nodes[node];

	return k < n->n_in ? n->in[k] : -1;
}

/* Value at output k of node, or -1. */
static inline int deps_out(const struct deps_build *b, int node, int k)
{
	const struct opr_node *n = &b->g->nodes[node];

	return k < n->n_out ? n->out[k] : -1;
}

/* 1 when v is an initializer that only one node reads. */
static inline int deps_own_const(const struct deps_build *b, int v)
{
	return v >= 0 && b->g->values[v].is_initializer && b->n_cons[v] == 1;
}

/* 1 when v is absent or an initializer that only one node reads. */
static inline int deps_own_const_opt(const struct deps_build *b, int v)
{
	return v < 0 || deps_own_const(b, v);
}

/* 1 when value v exists and is not an initializer (an activation). */
int deps_act(const struct deps_build *b, int v);

/* The channel view of value v, or NULL when it has no channel slots. */
const struct opr_deps_view *deps_view(const struct deps_build *b, int v);

/* 1 when v and w have views with the same channel dims and free dim. */
int deps_same_view(const struct deps_build *b, int v, int w);

/*
 * Channels of v as an op that reads axis 1 sees them: dims[1] when v's view
 * is the plain axis 1, or a split view whose free dim is dim 1 (all slots of
 * one axis-1 channel are then coupled); -1 otherwise.
 */
int deps_chan_n(const struct deps_build *b, int v);

/* A slot of axis-1 channel c of v (deps_chan_n(v) > c). */
int deps_chan_slot(const struct deps_build *b, int v, int c);

/* Couples slots s and t. */
void deps_union(struct deps_build *b, int s, int t);

/*
 * Records a member of the class of slot: node, role (enum opr_deps_role),
 * dir/port, and the value, axis and index it names.  Returns OPR_OK or
 * OPR_ENOMEM.
 */
int deps_add(struct deps_build *b, int node, int role, int dir, int port,
	     int value, int axis, int index, int slot);

/*
 * Makes node a blocker: every slot of every activation it reads or writes
 * gets a BLOCK member, and why (a static string) is kept for the report.
 * Returns OPR_OK or OPR_ENOMEM.
 */
int deps_block(struct deps_build *b, int node, const char *why);

/*
 * Couples every slot of v with the same slot of w (equal views) and gives
 * w's slots `role` members of node at output port.  Returns OPR_OK or
 * OPR_ENOMEM.
 */
int deps_couple_flat(struct deps_build *b, int node, int role, int port,
		     int v, int w);

/* ---- deps_maps.c ---- */

/*
 * The mapped rules: Concat, Split, Slice, Pad, Reshape (Flatten, Squeeze,
 * Unsqueeze), Transpose.  Each couples node's slots (or makes it a
 * blocker) and returns OPR_OK or OPR_ENOMEM.
 */
int deps_couple_concat(struct deps_build *b, int node);
int deps_couple_split(struct deps_build *b, int node);
int deps_couple_slice(struct deps_build *b, int node);
int deps_couple_pad(struct deps_build *b, int node);
int deps_couple_reshape(struct deps_build *b, int node);
int deps_couple_transpose(struct deps_build *b, int node);

/*
 * Sets the views of node's outputs that differ from the default (axis 1):
 * split channel views made by Reshape/Transpose and carried through
 * shape-keeping ops.  Called for every node in order, before slots exist.
 */
void deps_rule_view(struct deps_build *b, int node);

/* ---- deps_rules.c ---- */

/*
 * Applies node's channel rule: couples slots and records members, or makes
 * node a blocker when the rule does not hold.  Returns OPR_OK or OPR_ENOMEM.
 */
int deps_rule_couple(struct deps_build *b, int node);

#endif
