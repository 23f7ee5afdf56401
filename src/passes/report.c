/*
 * report.c - the per-pass report the pruning passes fill (see report.h).
 */
#include <stdlib.h>
#include <string.h>

#include "ir.h"
#include "passes/deps.h"
#include "passes/fc3sigma_internal.h"
#include "passes/report.h"

static char *dup_str(const char *s)
{
	size_t n = strlen(s ? s : "") + 1;
	char *p = malloc(n);

	if (p)
		memcpy(p, s ? s : "", n);
	return p;
}

struct opr_report_pass *opr_report_add_pass(struct opr_report *r,
					    const char *name)
{
	struct opr_report_pass *p;

	p = realloc(r->passes, ((size_t)r->n_passes + 1) * sizeof(*p));
	if (!p)
		return NULL;
	r->passes = p;
	p = &p[r->n_passes];
	memset(p, 0, sizeof(*p));
	if (!(p->name = dup_str(name)))
		return NULL;
	p->ratio = p->target_flops = -1;
	p->macs_goal = -1;
	p->nonzero_params_after = -1;
	r->n_passes++;
	return p;
}

static void free_groups(struct opr_report_pass *p)
{
	int i;

	for (i = 0; i < p->n_groups; i++) {
		free(p->groups[i].node);
		free(p->groups[i].kept_idx);
	}
	free(p->groups);
	p->groups = NULL;
	p->n_groups = 0;
}

static int cmp_int(const void *pa, const void *pb)
{
	int a = *(const int *)pa, b = *(const int *)pb;

	return (a > b) - (a < b);
}

/* Smallest index of class c's members that have key k; -1 when none. */
static int key_index(const struct opr_deps *d, int c,
		     const struct opr_deps_key *k)
{
	const struct opr_deps_class *cl = &d->classes[c];
	int i, best = -1;

	for (i = 0; i < cl->n; i++) {
		const struct opr_deps_member *m = &d->members[cl->first + i];

		if (m->node == k->node && m->role == k->role && m->dir == k->dir &&
		    m->port == k->port && (best < 0 || m->index < best))
			best = m->index;
	}
	return best;
}

/* Name of the node or graph value key k names. */
static const char *key_name(const struct opr_graph *g,
			    const struct opr_deps_key *k)
{
	if (k->node >= 0)
		return g->nodes[k->node].name;
	if (k->role == OPR_ROLE_GRAPH_IN && k->port < g->n_inputs)
		return g->values[g->inputs[k->port]].name;
	if (k->role == OPR_ROLE_GRAPH_OUT && k->port < g->n_outputs)
		return g->values[g->outputs[k->port]].name;
	return "";
}

/* Fills rg for group gi. */
static int one_group(struct opr_report_group *rg, const struct opr_graph *g,
		     const struct opr_deps *d, int gi,
		     const unsigned char *remove, const unsigned char *skip)
{
	const struct opr_deps_group *gr = &d->groups[gi];
	const struct opr_deps_key *k = &d->keys[gr->first_key];
	int c;

	rg->id = gi;
	rg->role = k->role;
	rg->before = gr->n_classes;
	rg->node = dup_str(key_name(g, k));
	rg->kept_idx = malloc(((size_t)gr->n_classes + 1) * sizeof(int));
	if (!rg->node || !rg->kept_idx)
		return OPR_ENOMEM;
	for (c = gr->first_class; c < gr->first_class + gr->n_classes; c++)
		if (!remove || !remove[c])
			rg->kept_idx[rg->kept++] = key_index(d, c, k);
	qsort(rg->kept_idx, (size_t)rg->kept, sizeof(int), cmp_int);
	rg->status = gr->frozen ? OPR_REP_FROZEN :
		     skip && skip[gi] ? OPR_REP_EXCLUDED :
		     rg->kept < rg->before ? OPR_REP_PRUNED : OPR_REP_KEPT;
	return OPR_OK;
}

int opr_report_groups(struct opr_report_pass *p, const struct opr_graph *g,
		      const struct opr_deps *d, const unsigned char *remove,
		      const unsigned char *skip, struct opr_err *err)
{
	int i;

	free_groups(p);
	p->groups = calloc((size_t)d->n_groups + 1, sizeof(*p->groups));
	if (!p->groups)
		return opr_errf(err, OPR_ENOMEM, "out of memory in the report");
	p->groups_pruned = 0;
	for (i = 0; i < d->n_groups; i++) {
		p->n_groups++;
		if (one_group(&p->groups[i], g, d, i, remove, skip))
			return opr_errf(err, OPR_ENOMEM, "out of memory in the "
					"report");
		p->groups_pruned += p->groups[i].status == OPR_REP_PRUNED;
	}
	return OPR_OK;
}

int opr_report_set(struct opr_report_pass *p, const char *key, double value,
		   struct opr_err *err)
{
	struct opr_report_kv *kv;
	int i;

	for (i = 0; i < p->n_kv; i++)
		if (strcmp(p->kv[i].key, key) == 0) {
			p->kv[i].value = value;
			return OPR_OK;
		}
	kv = realloc(p->kv, ((size_t)p->n_kv + 1) * sizeof(*kv));
	if (!kv)
		return opr_errf(err, OPR_ENOMEM, "out of memory in the report");
	p->kv = kv;
	if (!(kv[p->n_kv].key = dup_str(key)))
		return opr_errf(err, OPR_ENOMEM, "out of memory in the report");
	kv[p->n_kv++].value = value;
	return OPR_OK;
}

int opr_report_add_sel(struct opr_report_pass *p,
		       const struct opr_report_sel *s, struct opr_err *err)
{
	struct opr_report_sel *n;

	n = realloc(p->sel, ((size_t)p->n_sel + 1) * sizeof(*n));
	if (!n)
		return opr_errf(err, OPR_ENOMEM, "out of memory in the report");
	p->sel = n;
	n[p->n_sel++] = *s;
	return OPR_OK;
}

void opr_report_clear(struct opr_report *r)
{
	int i, k;

	if (!r)
		return;
	for (i = 0; i < r->n_passes; i++) {
		struct opr_report_pass *p = &r->passes[i];

		free(p->name);
		free_groups(p);
		for (k = 0; k < p->n_kv; k++)
			free(p->kv[k].key);
		free(p->kv);
		free(p->sel);
	}
	free(r->passes);
	r->passes = NULL;
	r->n_passes = 0;
}

int64_t opr_nonzero_params(const struct opr_graph *g)
{
	return fc_nonzero_params(g);
}
