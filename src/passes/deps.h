/*
 * deps.h - channel dependency analysis (issue 4): which channels of the
 * model must be removed together, and which may not be removed at all.
 *
 * Slots.  Every activation with a channel axis gets one slot per channel:
 * slot (value, c).  Usually the channel axis is axis 1 and the value has
 * dims[1] slots; after a Reshape that splits axis 1 (channel shuffle:
 * [N,48,H,W] -> [N,2,24,H,W]) the channel index runs over the dims that
 * came from it (view k = 2, 48 slots), and one of them is the "free" dim
 * whose size pruning may change: the slots that differ only in the fixed
 * dims are coupled, so that every removal keeps the shape rectangular and
 * the surviving channels in order.
 *
 * Classes.  Each op couples slots by its channel rule (enum opr_chan_rule in
 * the op table): pass-through ops join output channel c with input channel
 * c, Concat/Split/Slice/Pad join them at an offset, Flatten/Reshape join
 * input channel c with output features [c*S, (c+1)*S), Transpose permutes,
 * depthwise Conv joins input c with outputs [c*m, (c+1)*m), producers (Conv,
 * Gemm, MatMul with a constant weight) join nothing.  A class is a
 * connected component of slots (union-find): the channels that must be
 * removed together, exactly, index by index.  Each class lists its members:
 * (node, role, port, index) records, what the surgery edits when the class
 * goes (weight rows of a producer, weight columns of the next, BN entries,
 * Concat/Split/Slice/Pad bounds, Gemm columns of a flattened channel...).
 *
 * Groups.  Classes whose members name the same (node, role, port) set are
 * one group: the 16 filters of a conv and their consumers, the 64 channels
 * of a residual chain.  A group is frozen when its members touch a graph
 * input or output, the classifier's output or a blocker (an op without a
 * channel rule, or one whose rule does not hold for its shapes: never
 * guessed element-wise).  Grouped convs add a constraint, not a freeze:
 * every group of the conv must lose the same number of channels.
 *
 * All of it is read-only over the graph: run after opr_import_file() (every
 * shape static but the batch) or opr_infer_shapes().
 */
#ifndef OPR_DEPS_H
#define OPR_DEPS_H

#include <stddef.h>
#include <stdint.h>

#include "onnx_prune.h"

struct opr_graph;

/* What a member of a class is: what the surgery edits for that channel. */
enum opr_deps_role {
	OPR_ROLE_OUT = 0,	/* output channel of a producer: weight row (or
				   Gemm/MatMul column) and bias entry */
	OPR_ROLE_IN,		/* input channel of a producer: weight column
				   (Conv: [:, c]; depthwise: the group goes) */
	OPR_ROLE_PARAM,		/* per-channel entry of a constant input `port`
				   of a pass-through node (BN scale/bias/mean/
				   var, PRelu slope, a constant operand) */
	OPR_ROLE_PASS,		/* channel of output `port` of a pass-through
				   node (activation, pool, Add, ...) */
	OPR_ROLE_MAP_IN,	/* channel of input `port` of a mapped node
				   (Concat, Split, Slice, Pad, Reshape,
				   Flatten, Transpose) */
	OPR_ROLE_MAP_OUT,	/* channel of output `port` of a mapped node */
	OPR_ROLE_PADDED,	/* a constant channel that Pad adds: it belongs
				   to no producer; removing it shrinks pads */
	OPR_ROLE_BLOCK,		/* channel of a value a blocker reads (dir 0)
				   or writes (dir 1) */
	OPR_ROLE_GRAPH_IN,	/* channel of graph input g->inputs[port] */
	OPR_ROLE_GRAPH_OUT,	/* channel of graph output g->outputs[port] */
	OPR_ROLE_CLASSIFIER,	/* output channel of a producer whose output
				   reaches a graph output with no producer in
				   between */
	OPR_ROLE_COUNT
};

/* One (node, role, channel) fact of a class. */
struct opr_deps_member {
	int node;	/* node index, -1 for GRAPH_IN / GRAPH_OUT */
	int role;	/* enum opr_deps_role */
	int dir;	/* 0: port is an input of node, 1: an output */
	int port;	/* input or output position on node (see dir); for
			   GRAPH_IN/GRAPH_OUT the position in g->inputs /
			   g->outputs */
	int value;	/* the tensor the index refers to: the activation at
			   that port, or for PARAM the constant input */
	int axis;	/* axis of value that index runs along (1 for
			   activations, the aligned axis for PARAM) */
	int index;	/* channel index, as the node sees it (for a Conv
			   reading a split view: its input channel) */
	int cls;	/* class it belongs to */
};

/* How a value's channels are laid out in slots. */
struct opr_deps_view {
	int k;		/* channel dims: dims 1..k form the channel index;
			   0: no channel space (rank < 2, initializer,
			   unknown dims) */
	int free;	/* k > 1: the dim (1..k) whose size may change, the
			   others are fixed; k == 1: 1 */
	int base;	/* first slot */
	int n;		/* slots: product of dims 1..k */
};

/* A channel set that must be removed together. */
struct opr_deps_class {
	int first;	/* its members: d->members[first .. first + n) */
	int n;
	int group;	/* the group it belongs to */
};

/* Why a group is frozen, or a constraint on it. */
enum opr_deps_why {
	OPR_WHY_GRAPH_INPUT = 0,	/* value: a graph input */
	OPR_WHY_GRAPH_OUTPUT,		/* value: a graph output */
	OPR_WHY_CLASSIFIER,		/* node: the producer of the logits */
	OPR_WHY_BLOCKER,		/* node: the blocker; text: why */
	OPR_WHY_GROUPED			/* not a freeze: node is a grouped Conv
					   (n groups) whose groups must all
					   lose the same number of channels */
};

struct opr_deps_reason {
	int kind;		/* enum opr_deps_why */
	int node;		/* node it names, -1 when none */
	int value;		/* value it names, -1 when none */
	int n;			/* OPR_WHY_GROUPED: the conv's group count */
	const char *text;	/* OPR_WHY_BLOCKER: what the rule refused
				   (static string) */
};

/* The (node, role, dir, port) set every class of a group shares. */
struct opr_deps_key {
	int node, role, dir, port;
};

/* Classes with the same members: one prunable (or frozen) unit. */
struct opr_deps_group {
	int first_class;	/* its classes: first_class .. + n_classes */
	int n_classes;		/* its channel count */
	int first_member;	/* members of all its classes, contiguous */
	int n_members;
	int first_key;		/* d->keys[first_key .. + n_keys) */
	int n_keys;
	int first_reason;	/* d->reasons[first_reason .. + n_reasons) */
	int n_reasons;
	int frozen;		/* 1 when a reason other than GROUPED holds */
	int64_t macs;		/* MACs (batch 1) of the layers the group
				   touches, each weighted by the share of its
				   output or input channels in the group:
				   what removing the whole group would save */
};

/* The result of opr_deps_analyze().  Arrays are owned by it. */
struct opr_deps {
	int n_values;			/* = g->n_values */
	struct opr_deps_view *views;	/* per value */
	int n_slots;			/* total slots */
	int *slot_class;		/* class of each slot */
	int n_members;
	struct opr_deps_member *members;	/* sorted by class, then node,
						   role, dir, port, index */
	int n_classes;
	struct opr_deps_class *classes;	/* numbered group by group */
	int n_groups;
	struct opr_deps_group *groups;	/* ordered by their first member node */
	int n_keys;
	struct opr_deps_key *keys;
	int n_reasons;
	struct opr_deps_reason *reasons;
	const char **node_why;		/* per node: why it blocks, or NULL */
	int64_t total_macs;		/* model MACs (batch 1), as `info` */
};

/*
 * Analyses g.  On success *out owns the result (free with opr_deps_free());
 * on failure *out is NULL and err says why: OPR_ENOMEM, OPR_EUNSUPPORTED
 * for a model with more than 2^26 channel slots, or the error of
 * opr_model_stats().  Models it cannot map are not errors: the channels
 * concerned end up in frozen groups.  g is not changed.
 */
int opr_deps_analyze(const struct opr_graph *g, struct opr_deps **out,
		     struct opr_err *err);

/* Frees d.  NULL is a no-op. */
void opr_deps_free(struct opr_deps *d);

/* Short name of a role for listings ("out", "in", "param", ...). */
const char *opr_deps_role_name(int role);

/*
 * Formats reason r as one phrase ("graph output 'logits'", "blocker
 * 'x' (Softmax): softmax over the channel axis", ...) into buf (always
 * NUL-terminated).  Returns buf.
 */
const char *opr_deps_reason_str(const struct opr_graph *g,
				const struct opr_deps_reason *r, char *buf,
				size_t len);

#endif
