/*
 * tgeom.c - window geometry of Conv, MaxPool and AveragePool for the
 * training engine: kernel_shape, strides, dilations, pads, auto_pad and
 * ceil_mode to an output size per spatial axis, by the same rules as the
 * runtime's geom.c (ONNX; with ceil_mode the last window starts inside
 * the input or its begin padding).  1-D runs as 2-D with H = 1.
 */
#include <string.h>

#include "train/tr_internal.h"

/* Reads an INTS attribute that must have exactly want entries when present. */
static int ints_n(struct opr_train *t, const struct tr_node *tn,
		  const char *name, int64_t *out, int want, struct opr_err *err)
{
	int cnt, rc = tr_attr_ints(t, tn, name, out, 4, &cnt, err);

	if (rc < 0 || rc > 1)
		return rc;
	if (rc == 1 && cnt != want)
		return tr_errf(t, tn, err, OPR_ESHAPE, "attribute '%s' has %d "
			       "values, want %d", name, cnt, want);
	return OPR_OK;
}

/* Output size and pads of one axis. */
static int axis_geom(struct opr_train *t, const struct tr_node *tn,
		     const char *ap, int ceil_mode, int64_t in, int64_t k,
		     int64_t s, int64_t d, int64_t *pb, int64_t *pe,
		     int64_t *out, struct opr_err *err)
{
	int64_t ek = (k - 1) * d + 1, span;

	if (!strcmp(ap, "SAME_UPPER") || !strcmp(ap, "SAME_LOWER")) {
		int64_t total;

		*out = (in + s - 1) / s;
		total = (*out - 1) * s + ek - in;
		if (total < 0)
			total = 0;
		*pb = !strcmp(ap, "SAME_UPPER") ? total / 2 : total - total / 2;
		*pe = total - *pb;
		return OPR_OK;
	}
	if (!strcmp(ap, "VALID"))
		*pb = *pe = 0;
	else if (strcmp(ap, "NOTSET"))
		return tr_errf(t, tn, err, OPR_ESHAPE, "auto_pad '%s'", ap);
	span = in + *pb + *pe - ek;
	if (span < 0)
		return tr_errf(t, tn, err, OPR_ESHAPE, "window of %lld is larger "
			       "than the padded input of %lld", (long long)ek,
			       (long long)(in + *pb + *pe));
	*out = (ceil_mode ? (span + s - 1) / s : span / s) + 1;
	if (ceil_mode && (*out - 1) * s >= in + *pb)
		(*out)--;
	return OPR_OK;
}

/* The STRING attribute auto_pad, or "NOTSET". */
static const char *auto_pad(const struct tr_node *tn)
{
	const struct opr_attr *a = opr_node_attr(tn->n, "auto_pad");

	return a && a->type == OPR_AT_STRING && a->s ? a->s : "NOTSET";
}

int tr_geom_read(struct opr_train *t, const struct tr_node *tn,
		 const struct tr_val *x, const int64_t *kernel, int is_pool,
		 struct tr_geom *gm, struct opr_err *err)
{
	int64_t k[2] = { 1, 1 }, s[2] = { 1, 1 }, d[2] = { 1, 1 };
	int64_t pads[4] = { 0, 0, 0, 0 };
	const char *ap = auto_pad(tn);
	int ns = x->rank - 2, ceil_mode = 0, i, rc, cnt;

	if (ns < 1 || ns > 2)
		return tr_errf(t, tn, err, OPR_EUNSUPPORTED, "%d spatial axes; "
			       "training handles 1 and 2", ns);
	rc = tr_attr_ints(t, tn, "kernel_shape", k, 2, &cnt, err);
	if (rc > 1 || rc < 0)
		return rc;
	if (rc == 1 && cnt != ns)
		return tr_errf(t, tn, err, OPR_ESHAPE, "kernel_shape has %d "
			       "values for %d spatial axes", cnt, ns);
	if (rc == 0 && !kernel)
		return tr_errf(t, tn, err, OPR_ESHAPE, "no kernel_shape");
	if (rc == 0)
		memcpy(k, kernel, (size_t)ns * sizeof(int64_t));
	if ((rc = ints_n(t, tn, "strides", s, ns, err)) ||
	    (rc = ints_n(t, tn, "dilations", d, ns, err)) ||
	    (rc = ints_n(t, tn, "pads", pads, 2 * ns, err)))
		return rc;
	if (is_pool)
		ceil_mode = opr_node_attr_int(tn->n, "ceil_mode", 0) != 0;
	memset(gm, 0, sizeof(*gm));
	gm->ns = ns;
	for (i = 0; i < 2; i++)
		gm->in[i] = gm->k[i] = gm->s[i] = gm->d[i] = gm->out[i] = 1;
	for (i = 0; i < ns; i++) {
		int a = i + 2 - ns;	/* 1-D uses slot 1 (W) */

		if (k[i] < 1 || s[i] < 1 || d[i] < 1 || pads[i] < 0 ||
		    pads[i + ns] < 0)
			return tr_errf(t, tn, err, OPR_ESHAPE, "kernel, stride "
				       "and dilation must be >= 1, pads >= 0");
		gm->in[a] = x->dims[2 + i];
		gm->k[a] = k[i];
		gm->s[a] = s[i];
		gm->d[a] = d[i];
		gm->pb[a] = pads[i];
		gm->pe[a] = pads[i + ns];
		if ((rc = axis_geom(t, tn, ap, ceil_mode, gm->in[a], k[i], s[i],
				    d[i], &gm->pb[a], &gm->pe[a], &gm->out[a],
				    err)))
			return rc;
	}
	return OPR_OK;
}
