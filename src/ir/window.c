/*
 * window.c - window geometry of Conv and pools, and a Conv's channel
 * checks (see window.h).
 */
#include <stdio.h>
#include <string.h>

#include "ir.h"
#include "window.h"

/*
 * Reads INTS attribute name into out, *cnt entries (0: absent): OPR_OK,
 * or OPR_ESHAPE when it is not a list of want ints (want < 0: at most
 * -want).
 */
static int ints_n(const struct opr_node *n, const char *name, int64_t *out,
		  int want, int *cnt, char *why, size_t len)
{
	const struct opr_attr *a = opr_node_attr(n, name);
	int max = want < 0 ? -want : want;

	*cnt = 0;
	if (!a)
		return OPR_OK;
	if (a->type != OPR_AT_INTS || a->n < 0 || a->n > max ||
	    (want >= 0 && a->n != want)) {
		snprintf(why, len, "attribute '%s' has %d values, want %s%d",
			 name, a->type == OPR_AT_INTS ? a->n : -1,
			 want < 0 ? "at most " : "", max);
		return OPR_ESHAPE;
	}
	if (a->n)
		memcpy(out, a->ints, (size_t)a->n * sizeof(int64_t));
	*cnt = a->n;
	return OPR_OK;
}

/* Output size and pads of one axis. */
static int axis_geom(const char *ap, int ceil_mode, int64_t in, int64_t k,
		     int64_t s, int64_t d, int64_t *pb, int64_t *pe,
		     int64_t *out, char *why, size_t len)
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
	else if (strcmp(ap, "NOTSET")) {
		snprintf(why, len, "auto_pad '%s'", ap);
		return OPR_ESHAPE;
	}
	span = in + *pb + *pe - ek;
	if (span < 0) {
		snprintf(why, len, "window of %lld is larger than the padded "
			 "input of %lld", (long long)ek,
			 (long long)(in + *pb + *pe));
		return OPR_ESHAPE;
	}
	*out = (ceil_mode ? (span + s - 1) / s : span / s) + 1;
	if (ceil_mode && (*out - 1) * s >= in + *pb)
		(*out)--;
	return OPR_OK;
}

int opr_window_read(const struct opr_node *n, int xr, const int64_t *xs,
		    const int64_t *kernel, int is_pool, struct opr_window *w,
		    char *why, size_t len)
{
	int64_t k[2] = { 1, 1 }, s[2] = { 1, 1 }, d[2] = { 1, 1 };
	int64_t pads[4] = { 0, 0, 0, 0 };
	const struct opr_attr *apa = opr_node_attr(n, "auto_pad");
	const char *ap = apa && apa->type == OPR_AT_STRING && apa->s ? apa->s :
			 "NOTSET";
	int ns = xr - 2, ceil_mode = 0, i, rc, cnt;

	if (len)
		why[0] = '\0';
	if (ns < 1 || ns > 2) {
		snprintf(why, len, "%d spatial axes; 1 and 2 are handled", ns);
		return OPR_EUNSUPPORTED;
	}
	if ((rc = ints_n(n, "kernel_shape", k, -2, &cnt, why, len)))
		return rc;
	if (cnt && cnt != ns) {
		snprintf(why, len, "kernel_shape has %d values for %d spatial "
			 "axes", cnt, ns);
		return OPR_ESHAPE;
	}
	if (!cnt && !kernel) {
		snprintf(why, len, "no kernel_shape");
		return OPR_ESHAPE;
	}
	if (!cnt)
		memcpy(k, kernel, (size_t)ns * sizeof(int64_t));
	if ((rc = ints_n(n, "strides", s, ns, &cnt, why, len)) ||
	    (rc = ints_n(n, "dilations", d, ns, &cnt, why, len)) ||
	    (rc = ints_n(n, "pads", pads, 2 * ns, &cnt, why, len)))
		return rc;
	if (is_pool)
		ceil_mode = opr_node_attr_int(n, "ceil_mode", 0) != 0;
	memset(w, 0, sizeof(*w));
	w->ns = ns;
	for (i = 0; i < 2; i++)
		w->in[i] = w->k[i] = w->s[i] = w->d[i] = w->out[i] = 1;
	for (i = 0; i < ns; i++) {
		int a = i + 2 - ns;	/* 1-D uses slot 1 (W) */

		if (k[i] < 1 || s[i] < 1 || d[i] < 1 || pads[i] < 0 ||
		    pads[i + ns] < 0) {
			snprintf(why, len, "kernel, stride and dilation must be "
				 ">= 1, pads >= 0");
			return OPR_ESHAPE;
		}
		w->in[a] = xs[i];
		w->k[a] = k[i];
		w->s[a] = s[i];
		w->d[a] = d[i];
		w->pb[a] = pads[i];
		w->pe[a] = pads[i + ns];
		if ((rc = axis_geom(ap, ceil_mode, xs[i], k[i], s[i], d[i],
				    &w->pb[a], &w->pe[a], &w->out[a], why, len)))
			return rc;
	}
	return OPR_OK;
}

int opr_conv_read(const struct opr_node *n, int xr, const int64_t *xd,
		  const int64_t *wd, int bias_dtype, int64_t bias_n,
		  struct opr_window *w, int64_t *group, char *why, size_t len)
{
	int64_t c = xd[1], m = wd[0], g;
	int rc;

	if ((rc = opr_window_read(n, xr, xd + 2, wd + 2, 0, w, why, len)))
		return rc;
	g = *group = opr_node_attr_int(n, "group", 1);
	if (g < 1 || c % g || m % g || wd[1] != c / g) {
		snprintf(why, len, "%lld input channels, weight [%lld, %lld, "
			 "...], group %lld", (long long)c, (long long)wd[0],
			 (long long)wd[1], (long long)g);
		return OPR_ESHAPE;
	}
	if (w->k[0] != (w->ns == 2 ? wd[2] : 1) || w->k[1] != wd[xr - 1]) {
		snprintf(why, len, "kernel_shape does not match the weight");
		return OPR_ESHAPE;
	}
	if (bias_n >= 0 && (bias_dtype != OPR_DT_FLOAT || bias_n != m)) {
		snprintf(why, len, "bias has %lld values for %lld output "
			 "channels", (long long)bias_n, (long long)m);
		return OPR_ESHAPE;
	}
	return OPR_OK;
}
