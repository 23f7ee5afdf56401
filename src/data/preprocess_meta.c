/*
 * preprocess_meta.c - per-channel mean/std of a model's input: parsed from
 * --mean / --std, read from and written to the model's metadata_props
 * (onnx_prune.mean, onnx_prune.std).  See preprocess_meta.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ir.h"
#include "data/preprocess_meta.h"

const char *opr_meta_get(const struct opr_graph *g, const char *key)
{
	const char *v = NULL;
	int i;

	for (i = 0; i < g->n_meta; i++)
		if (g->meta[i].key && strcmp(g->meta[i].key, key) == 0)
			v = g->meta[i].value ? g->meta[i].value : "";
	return v;
}

int opr_meta_set(struct opr_graph *g, const char *key, const char *value,
		 struct opr_err *err)
{
	struct opr_kv *meta;
	char *v = opr_arena_strdup(&g->arena, value);
	int i, found = 0;

	if (!v)
		return opr_errf(err, OPR_ENOMEM, "out of memory");
	for (i = 0; i < g->n_meta; i++) {
		if (g->meta[i].key && strcmp(g->meta[i].key, key) == 0) {
			g->meta[i].value = v;
			found = 1;
		}
	}
	if (found)
		return OPR_OK;
	/* The array lives in the arena: copy it into one with room for more. */
	meta = opr_arena_alloc(&g->arena, (size_t)(g->n_meta + 1) * sizeof(*meta));
	if (!meta)
		return opr_errf(err, OPR_ENOMEM, "out of memory");
	if (g->n_meta > 0)
		memcpy(meta, g->meta, (size_t)g->n_meta * sizeof(*meta));
	meta[g->n_meta].key = opr_arena_strdup(&g->arena, key);
	meta[g->n_meta].value = v;
	if (!meta[g->n_meta].key)
		return opr_errf(err, OPR_ENOMEM, "out of memory");
	g->meta = meta;
	g->n_meta++;
	return OPR_OK;
}

char *opr_pre_format(const float *list, int n, char *buf, size_t len)
{
	size_t used = 0;
	char one[48];
	int i, prec;

	if (len == 0)
		return buf;
	buf[0] = '\0';
	for (i = 0; i < n; i++) {
		/* Fewest digits that read back as the same float (<= 9). */
		for (prec = 1; prec < 9; prec++) {
			snprintf(one, sizeof(one), "%.*g", prec, (double)list[i]);
			if (strtof(one, NULL) == list[i])
				break;
		}
		snprintf(one, sizeof(one), "%s%.*g", i ? "," : "", prec,
			 (double)list[i]);
		if (used + strlen(one) + 1 > len)
			break;
		memcpy(buf + used, one, strlen(one) + 1);
		used += strlen(one);
	}
	return buf;
}

/*
 * Parses list s into out[0..OPR_PRE_MAX_CH-1] (one value repeated) for c
 * channels (0: unknown).  what names the source in messages ("--mean",
 * "m.onnx: metadata onnx_prune.mean"); code is the status of a bad list;
 * positive asks for values > 0.
 */
static int parse_list(const char *s, const char *what, int code, int c,
		      int positive, float *out, int *n, struct opr_err *err)
{
	char msg[OPR_ERR_MSG];
	int i;

	if (opr_parse_floats(s, out, OPR_PRE_MAX_CH, n, err) != OPR_OK) {
		snprintf(msg, sizeof(msg), "%s", err ? err->msg : "");
		return opr_errf(err, code, "%s: %s", what, msg);
	}
	if (c > 0 && *n != 1 && *n != c)
		return opr_errf(err, code, "%s '%s' has %d values, but the model "
				"input has %d channel%s (give 1 or %d)", what, s,
				*n, c, c == 1 ? "" : "s", c);
	for (i = 0; positive && i < *n; i++)
		if (!(out[i] > 0.0f))
			return opr_errf(err, code, "%s '%s': std values must be "
					"> 0", what, s);
	return OPR_OK;
}

/* Resolves one list (mean: positive 0, std: positive 1) into dst[0..c-1]. */
static int resolve_one(const struct opr_graph *g, const char *flag,
		       const char *opt, const char *key, int positive, int c,
		       float *dst, int *src, struct opr_err *err)
{
	float v[OPR_PRE_MAX_CH];
	char what[512];
	const char *meta = opr_meta_get(g, key);
	int n, rc, i;

	if (flag) {
		rc = parse_list(flag, opt, OPR_EUSAGE, c, positive, v, &n, err);
		*src = OPR_PRE_FLAG;
	} else if (meta) {
		snprintf(what, sizeof(what), "%s: metadata %s",
			 g->path ? g->path : "model", key);
		rc = parse_list(meta, what, OPR_EINVAL, c, positive, v, &n, err);
		*src = OPR_PRE_META;
	} else {
		for (i = 0; i < c; i++)
			dst[i] = positive ? 1.0f : 0.0f;
		*src = OPR_PRE_DEFAULT;
		return OPR_OK;
	}
	if (rc != OPR_OK)
		return rc;
	for (i = 0; i < c; i++)
		dst[i] = v[i];
	return OPR_OK;
}

int opr_pre_resolve(const struct opr_graph *g, const char *mean,
		    const char *std, int c, struct opr_preprocess *p,
		    struct opr_err *err)
{
	int rc;

	memset(p, 0, sizeof(*p));
	if (c < 1 || c > OPR_PRE_MAX_CH)
		return opr_errf(err, OPR_EUNSUPPORTED, "%s: the model input has "
				"%d channels; mean/std handle 1 to %d",
				g->path ? g->path : "model", c, OPR_PRE_MAX_CH);
	p->c = c;
	rc = resolve_one(g, mean, "--mean", OPR_META_MEAN, 0, c, p->mean,
			 &p->mean_src, err);
	if (rc == OPR_OK)
		rc = resolve_one(g, std, "--std", OPR_META_STD, 1, c, p->std,
				 &p->std_src, err);
	return rc;
}

int opr_pre_input_channels(const struct opr_graph *g)
{
	const struct opr_value *v = NULL;
	int i, n = 0;

	for (i = 0; i < g->n_inputs; i++) {
		if (!g->values[g->inputs[i]].is_initializer) {
			v = &g->values[g->inputs[i]];
			n++;
		}
	}
	if (n != 1 || v->rank != 4 || v->dims[1] < 1 || v->dims[1] > OPR_PRE_MAX_CH)
		return 0;
	return (int)v->dims[1];
}

int opr_pre_store(struct opr_graph *g, const char *mean, const char *std,
		  int c, struct opr_err *err)
{
	float v[OPR_PRE_MAX_CH];
	char buf[OPR_PRE_MAX_CH * 20];
	int n, rc;

	if (c < 0 || c > OPR_PRE_MAX_CH)
		c = 0;
	if (mean) {
		rc = parse_list(mean, "--mean", OPR_EUSAGE, c, 0, v, &n, err);
		if (rc == OPR_OK)
			rc = opr_meta_set(g, OPR_META_MEAN,
					  opr_pre_format(v, n, buf, sizeof(buf)), err);
		if (rc != OPR_OK)
			return rc;
	}
	if (std) {
		rc = parse_list(std, "--std", OPR_EUSAGE, c, 1, v, &n, err);
		if (rc == OPR_OK)
			rc = opr_meta_set(g, OPR_META_STD,
					  opr_pre_format(v, n, buf, sizeof(buf)), err);
		if (rc != OPR_OK)
			return rc;
	}
	return OPR_OK;
}
