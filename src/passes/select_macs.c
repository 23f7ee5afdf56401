/*
 * select_macs.c - the exact MAC count of a selection (struct opr_macs, see
 * select.h): every Conv, ConvTranspose, Gemm and MatMul that a class has
 * an OUT or IN member on keeps count of its output and input channels;
 * its MACs are its original count scaled by the kept output channels and
 * the kept input channels per group, in integers, as stats.c counts them
 * (Conv: N_out*H*W*(C_in/group)*k*k; depthwise: the group count follows
 * C_in, so only N_out scales).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ir.h"
#include "passes/deps.h"
#include "passes/select.h"

/* One producer whose channels the classes touch. */
struct mnode {
	int64_t macs;		/* original MACs */
	int64_t cout, cin;	/* original output and input channels */
	int64_t grp;		/* Conv group (1 otherwise) */
	int dw;			/* 1: depthwise (group = C_in > 1) */
	int64_t kout, kin;	/* channels kept now */
	int64_t cur;		/* MACs now */
};

struct opr_macs {
	int64_t base;		/* MACs with nothing removed */
	int64_t total;		/* MACs now */
	int n_nodes;		/* entries of nodes[] */
	struct mnode *nodes;
	int *first;		/* per class: its touches first[c] .. first[c+1] */
	int *touch;		/* 2 * mnode + is_out */
	unsigned char *on;	/* per class: removed now */
};

/* Channel counts of producer n from its weight; 0 when it has none. */
static int producer_dims(const struct opr_graph *g, const struct opr_node *n,
			 struct mnode *p)
{
	const struct opr_value *w;
	int tb;

	if (n->n_in < 2 || n->in[1] < 0)
		return 0;
	w = &g->values[n->in[1]];
	if (w->rank < 2 || w->dims[0] <= 0 || w->dims[1] <= 0)
		return 0;
	p->grp = 1;
	switch (n->op) {
	case OPR_OP_CONV:
		p->grp = opr_node_attr_int(n, "group", 1);
		if (p->grp < 1)
			return 0;
		p->cout = w->dims[0];
		p->cin = w->dims[1] * p->grp;
		p->dw = p->grp > 1 && p->grp == p->cin;
		return 1;
	case OPR_OP_CONVTRANSPOSE:
		p->cin = w->dims[0];
		p->cout = w->dims[1];
		return 1;
	case OPR_OP_GEMM:
	case OPR_OP_MATMUL:
		if (w->rank != 2)
			return 0;
		tb = n->op == OPR_OP_GEMM && opr_node_attr_int(n, "transB", 0);
		p->cin = w->dims[tb ? 1 : 0];
		p->cout = w->dims[tb ? 0 : 1];
		return 1;
	default:
		return 0;
	}
}

/* MACs of p with its kept channels. */
static int64_t node_macs(const struct mnode *p)
{
	int64_t ci = p->dw ? 1 : p->cin / p->grp, ki = p->dw ? 1 : p->kin / p->grp;
	int64_t den = p->cout * ci;

	if (p->kout == p->cout && p->kin == p->cin)
		return p->macs;
	if (den > 0 && p->macs % den == 0)
		return p->macs / den * p->kout * ki;
	return llround((double)p->macs * ((double)p->kout / (double)p->cout) *
		       ((double)ki / (double)ci));
}

/*
 * Counts the touches (OUT or IN members on a producer of m) of every class,
 * and fills m->first and m->touch when they are allocated.
 */
static int class_touches(const struct opr_deps *d, const int *idx,
			 struct opr_macs *m)
{
	int c, i, n = 0;

	for (c = 0; c < d->n_classes; c++) {
		const struct opr_deps_class *cl = &d->classes[c];

		if (m->first)
			m->first[c] = n;
		for (i = 0; i < cl->n; i++) {
			const struct opr_deps_member *mb = &d->members[cl->first + i];

			if ((mb->role != OPR_ROLE_OUT && mb->role != OPR_ROLE_IN) ||
			    mb->node < 0 || idx[mb->node] < 0)
				continue;
			if (m->touch)
				m->touch[n] = 2 * idx[mb->node] +
					      (mb->role == OPR_ROLE_OUT);
			n++;
		}
	}
	if (m->first)
		m->first[d->n_classes] = n;
	return n;
}

/* The producers with known MACs > 0 into m->nodes, idx[node] = entry. */
static int collect_nodes(const struct opr_graph *g,
			 const struct opr_model_stats *st, int *idx,
			 struct opr_macs *m)
{
	int i;

	m->nodes = calloc((size_t)g->n_nodes + 1, sizeof(*m->nodes));
	if (!m->nodes)
		return -1;
	for (i = 0; i < g->n_nodes; i++) {
		struct mnode *p = &m->nodes[m->n_nodes];

		idx[i] = -1;
		if (g->nodes[i].dead || st->layers[i].macs <= 0 ||
		    !producer_dims(g, &g->nodes[i], p))
			continue;
		p->macs = p->cur = st->layers[i].macs;
		p->kout = p->cout;
		p->kin = p->cin;
		idx[i] = m->n_nodes++;
	}
	return 0;
}

int opr_macs_new(const struct opr_graph *g, const struct opr_deps *d,
		 struct opr_macs **out, struct opr_err *err)
{
	struct opr_model_stats st;
	struct opr_macs *m;
	int *idx = NULL, n, rc;

	*out = NULL;
	memset(&st, 0, sizeof(st));
	if ((rc = opr_model_stats(g, &st, err)))
		return rc;
	m = calloc(1, sizeof(*m));
	idx = malloc(((size_t)g->n_nodes + 1) * sizeof(int));
	if (!m || !idx || collect_nodes(g, &st, idx, m))
		goto oom;
	m->base = m->total = st.macs;
	n = class_touches(d, idx, m);
	m->first = malloc(((size_t)d->n_classes + 1) * sizeof(int));
	m->touch = malloc(((size_t)n + 1) * sizeof(int));
	m->on = calloc((size_t)d->n_classes + 1, 1);
	if (!m->first || !m->touch || !m->on)
		goto oom;
	class_touches(d, idx, m);
	free(idx);
	opr_stats_free(&st);
	*out = m;
	return OPR_OK;
oom:
	free(idx);
	opr_macs_free(m);
	opr_stats_free(&st);
	return opr_errf(err, OPR_ENOMEM, "out of memory counting MACs");
}

void opr_macs_free(struct opr_macs *m)
{
	if (!m)
		return;
	free(m->nodes);
	free(m->first);
	free(m->touch);
	free(m->on);
	free(m);
}

void opr_macs_set(struct opr_macs *m, int cls, int on)
{
	int i;

	on = !!on;
	if (m->on[cls] == on)
		return;
	m->on[cls] = (unsigned char)on;
	for (i = m->first[cls]; i < m->first[cls + 1]; i++) {
		struct mnode *p = &m->nodes[m->touch[i] / 2];
		int64_t now;

		if (m->touch[i] & 1)
			p->kout += on ? -1 : 1;
		else
			p->kin += on ? -1 : 1;
		now = node_macs(p);
		m->total += now - p->cur;
		p->cur = now;
	}
}

int64_t opr_macs_total(const struct opr_macs *m)
{
	return m->total;
}

int64_t opr_macs_base(const struct opr_macs *m)
{
	return m->base;
}
