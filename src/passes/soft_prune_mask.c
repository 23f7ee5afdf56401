/*
 * soft_prune_mask.c - the soft masks of the soft-pruning loop (see
 * soft_prune.h): which trained tensors a selection zeroes where
 * (opr_mask_member_planes(), shared with opr_prune_mask()), as one keep
 * byte per element handed to the training run, and the L1 penalty on the
 * prunable groups' BatchNormalization scales.  Why a selection made while
 * training leaves BatchNormalization alone: see soft_prune.h.
 */
#include <stdlib.h>
#include <string.h>

#include "ir.h"
#include "passes/deps.h"
#include "passes/soft_prune.h"
#include "passes/surgery.h"
#include "train/finetune.h"

/* One trained tensor a selection may zero. */
struct sp_tensor {
	int value;		/* the initializer */
	unsigned char *keep;	/* one byte per element, 0: zeroed */
	int used;		/* the current selection zeroes some of it */
};

struct opr_sp_masks {
	const struct opr_graph *g;
	const struct opr_deps *d;
	int soft;		/* OPR_SOFT_WEIGHTS or OPR_SOFT_SCALE */
	int n;			/* tensors */
	struct sp_tensor *t;
	int *of_value;		/* per value: its entry in t, or -1 */
};

/* 1 when plane pl is of a tensor the training engine trains. */
static int trained(const struct opr_graph *g, const struct opr_mask_plane *pl)
{
	enum opr_op op = g->nodes[pl->node].op;

	if (pl->axis < 0 || g->values[pl->value].dtype != OPR_DT_FLOAT)
		return 0;
	return op == OPR_OP_CONV || op == OPR_OP_CONVTRANSPOSE ||
	       op == OPR_OP_GEMM || op == OPR_OP_MATMUL ||
	       op == OPR_OP_BATCHNORM;
}

/* 1 when group gi of d may lose channels. */
static int prunable(const struct opr_deps *d, const unsigned char *skip,
		    int gi)
{
	return !d->groups[gi].frozen && !(skip && skip[gi]) &&
	       d->groups[gi].n_classes > 1;
}

/* 1 when plane pl is a BatchNormalization parameter. */
static int bn_param(const struct opr_graph *g, const struct opr_mask_plane *pl)
{
	return g->nodes[pl->node].op == OPR_OP_BATCHNORM;
}

/* What a selection zeroes of a class. */
enum zero { ZERO_WEIGHTS, ZERO_SCALE, ZERO_ALL };

/* 1 when plane pl is zeroed under what. */
static int zeroed(const struct opr_graph *g, const struct opr_mask_plane *pl,
		  enum zero what)
{
	if (!trained(g, pl))
		return 0;
	if (what == ZERO_ALL)
		return 1;
	if (what == ZERO_SCALE)
		return bn_param(g, pl) && pl->port == 1;
	return !bn_param(g, pl);
}

/* The planes of member m that what zeroes into pl; their count. */
static int member_planes(const struct opr_graph *g,
			 const struct opr_deps_member *m, enum zero what,
			 struct opr_mask_plane *pl)
{
	int n = opr_mask_member_planes(g, m, pl), i, k = 0;

	for (i = 0; i < n; i++)
		if (zeroed(g, &pl[i], what))
			pl[k++] = pl[i];
	return k;
}

/* Adds the tensors of the planes of the members of group gi to mk. */
static int add_group(struct opr_sp_masks *mk, int gi)
{
	const struct opr_deps_group *gr = &mk->d->groups[gi];
	struct opr_mask_plane pl[OPR_MASK_MAX_PLANES];
	int i, k, n, v;

	for (i = 0; i < gr->n_members; i++) {
		n = member_planes(mk->g, &mk->d->members[gr->first_member + i],
				  ZERO_ALL, pl);
		for (k = 0; k < n; k++) {
			v = pl[k].value;
			if (mk->of_value[v] >= 0)
				continue;
			mk->t[mk->n].value = v;
			mk->t[mk->n].keep = malloc(mk->g->values[v].nbytes /
						   sizeof(float) + 1);
			if (!mk->t[mk->n].keep)
				return -1;
			mk->of_value[v] = mk->n++;
		}
	}
	return 0;
}

int opr_sp_masks_new(const struct opr_graph *g, const struct opr_deps *d,
		     const unsigned char *skip, int soft,
		     struct opr_sp_masks **out, struct opr_err *err)
{
	struct opr_sp_masks *mk;
	int i;

	*out = NULL;
	mk = calloc(1, sizeof(*mk));
	if (!mk)
		return opr_errf(err, OPR_ENOMEM, "out of memory for the masks");
	mk->g = g;
	mk->d = d;
	mk->soft = soft;
	mk->t = calloc((size_t)g->n_values + 1, sizeof(*mk->t));
	mk->of_value = malloc(((size_t)g->n_values + 1) * sizeof(int));
	if (!mk->t || !mk->of_value)
		goto oom;
	for (i = 0; i < g->n_values; i++)
		mk->of_value[i] = -1;
	for (i = 0; i < d->n_groups; i++)
		if (prunable(d, skip, i) && add_group(mk, i))
			goto oom;
	*out = mk;
	return OPR_OK;
oom:
	opr_sp_masks_free(mk);
	return opr_errf(err, OPR_ENOMEM, "out of memory for the masks");
}

void opr_sp_masks_free(struct opr_sp_masks *mk)
{
	int i;

	if (!mk)
		return;
	for (i = 0; mk->t && i < mk->n; i++)
		free(mk->t[i].keep);
	free(mk->t);
	free(mk->of_value);
	free(mk);
}

/*
 * What a selection zeroes of class c: everything when final; else the
 * filters, or the BN scales when mk->soft asks for them and c has one.
 */
static enum zero class_zero(const struct opr_sp_masks *mk, int c, int final)
{
	const struct opr_deps_class *cl = &mk->d->classes[c];
	struct opr_mask_plane pl[OPR_MASK_MAX_PLANES];
	int i;

	if (final)
		return ZERO_ALL;
	for (i = 0; mk->soft == OPR_SOFT_SCALE && i < cl->n; i++)
		if (member_planes(mk->g, &mk->d->members[cl->first + i],
				  ZERO_SCALE, pl) > 0)
			return ZERO_SCALE;
	return ZERO_WEIGHTS;
}

/* Clears the keep bytes of the planes of class c. */
static void clear_class(struct opr_sp_masks *mk, int c, int final)
{
	const struct opr_deps_class *cl = &mk->d->classes[c];
	struct opr_mask_plane pl[OPR_MASK_MAX_PLANES];
	enum zero what = class_zero(mk, c, final);
	const struct opr_value *x;
	struct sp_tensor *t;
	int i, k, n;

	for (i = 0; i < cl->n; i++) {
		n = member_planes(mk->g, &mk->d->members[cl->first + i], what,
				  pl);
		for (k = 0; k < n; k++) {
			if (mk->of_value[pl[k].value] < 0)
				continue;
			t = &mk->t[mk->of_value[pl[k].value]];
			x = &mk->g->values[pl[k].value];
			opr_mask_zero_plane(t->keep, x->rank, x->dims, 1,
					    pl[k].axis, pl[k].index);
			t->used = 1;
		}
	}
}

int opr_sp_masks_apply(struct opr_sp_masks *mk, struct opr_ft_run *run,
		       const unsigned char *remove, int final,
		       struct opr_err *err)
{
	int i, c, rc;

	for (i = 0; i < mk->n; i++) {
		memset(mk->t[i].keep, 1, mk->g->values[mk->t[i].value].nbytes /
		       sizeof(float));
		mk->t[i].used = 0;
	}
	for (c = 0; c < mk->d->n_classes; c++)
		if (remove[c])
			clear_class(mk, c, final);
	for (i = 0; i < mk->n; i++)
		if (mk->t[i].used &&
		    (rc = opr_ft_set_mask(run, mk->g->values[mk->t[i].value].name,
					  mk->t[i].keep, final ?
					  OPR_SGD_MASK_HARD : OPR_SGD_MASK_SOFT,
					  err)))
			return rc;
	return OPR_OK;
}

int opr_sp_gamma_l1(struct opr_ft_run *run, const struct opr_graph *g,
		    const struct opr_deps *d, const unsigned char *skip,
		    double l1, struct opr_err *err)
{
	unsigned char *done = calloc((size_t)g->n_values + 1, 1);
	int gi, i, v, rc = OPR_OK;

	if (!done)
		return opr_errf(err, OPR_ENOMEM, "out of memory");
	for (gi = 0; gi < d->n_groups && rc == OPR_OK; gi++) {
		const struct opr_deps_group *gr = &d->groups[gi];

		for (i = 0; prunable(d, skip, gi) && i < gr->n_members &&
		     rc == OPR_OK; i++) {
			const struct opr_deps_member *m =
				&d->members[gr->first_member + i];

			if (m->role != OPR_ROLE_PARAM || m->port != 1 ||
			    m->node < 0 || g->nodes[m->node].op != OPR_OP_BATCHNORM)
				continue;
			v = g->nodes[m->node].in[1];
			if (v < 0 || done[v] || !g->values[v].is_initializer)
				continue;
			done[v] = 1;
			rc = opr_ft_set_l1(run, g->values[v].name, l1, err);
		}
	}
	free(done);
	return rc;
}
