/*
 * import.c - the importer's entry points: file or buffer -> validated IR.
 *
 * Steps: read the bytes, unpack the ModelProto (protobuf-c checks the wire
 * format only), check the model-level fields (opsets, domains, functions),
 * convert the graph, free the proto, then sort, turn Constant nodes into
 * initializers, fold constant subgraphs, infer shapes and verify.  The proto
 * never outlives this file (style.md §1).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "importer/import_internal.h"

#define MAX_MODEL_BYTES ((size_t)2 << 30)	/* protobuf's own 2 GiB limit */

/* 1 for the default ONNX domain's spellings. */
static int is_default_domain(const char *d)
{
	return !d || !*d || strcmp(d, "ai.onnx") == 0;
}

static int import_opsets(struct import_ctx *c, const Onnx__ModelProto *m)
{
	struct opr_graph *g = c->g;
	size_t i;

	g->opsets = opr_arena_alloc(&g->arena, (m->n_opset_import + 1) * sizeof(*g->opsets));
	if (!g->opsets)
		return opr_errf(c->err, OPR_ENOMEM, "%s: out of memory", c->src);
	for (i = 0; i < m->n_opset_import; i++) {
		const Onnx__OperatorSetIdProto *o = m->opset_import[i];
		const char *d = o->domain ? o->domain : "";

		if (!o->has_version || o->version < 1 ||
		    (is_default_domain(d) && o->version > OPR_MAX_OPSET))
			return opr_errf(c->err, OPR_EUNSUPPORTED,
					"%s: unknown opset version %" PRId64 " for domain '%s'"
					" (onnx-prune knows the default domain up to %d)",
					c->src, o->has_version ? o->version : 0, d,
					OPR_MAX_OPSET);
		g->opsets[i].domain = opr_graph_strdup(g, d);
		g->opsets[i].version = o->version;
		g->n_opsets++;
	}
	return OPR_OK;
}

/* Every node's domain must be imported by the model (ONNX IR rule). */
static int check_node_domains(struct import_ctx *c)
{
	struct opr_graph *g = c->g;
	char buf[300];
	int i, k, found;

	for (i = 0; i < g->n_nodes; i++) {
		const char *d = g->nodes[i].domain;

		for (k = 0, found = 0; k < g->n_opsets && !found; k++)
			found = is_default_domain(d) ?
				is_default_domain(g->opsets[k].domain) :
				strcmp(d, g->opsets[k].domain) == 0;
		if (!found)
			return opr_errf(c->err, OPR_EUNSUPPORTED,
					"%s: %s uses domain '%s', which the model does "
					"not import (unknown domain)", c->src,
					opr_node_desc(g, i, buf, sizeof(buf)),
					is_default_domain(d) ? "ai.onnx" : d);
	}
	return OPR_OK;
}

static int import_model_fields(struct import_ctx *c, const Onnx__ModelProto *m)
{
	struct opr_graph *g = c->g;
	size_t i;

	if (m->n_functions)
		return opr_errf(c->err, OPR_EUNSUPPORTED,
				"%s: model-local functions ('%s') are not supported",
				c->src, m->functions[0]->name ? m->functions[0]->name : "?");
	if (m->n_training_info)
		return opr_errf(c->err, OPR_EUNSUPPORTED,
				"%s: training_info is not supported", c->src);
	if (!m->graph)
		return opr_errf(c->err, OPR_EPARSE, "%s: not an ONNX model (no graph)",
				c->src);
	g->ir_version = m->has_ir_version ? m->ir_version : 0;
	if (g->ir_version < 3)
		return opr_errf(c->err, OPR_EUNSUPPORTED,
				"%s: IR version %" PRId64 " is not supported (need 3 or "
				"later)", c->src, g->ir_version);
	g->producer_name = opr_graph_strdup(g, m->producer_name);
	g->producer_version = opr_graph_strdup(g, m->producer_version);
	g->model_domain = opr_graph_strdup(g, m->domain);
	g->has_model_version = m->has_model_version;
	g->model_version = m->model_version;
	g->doc_string = opr_graph_strdup(g, m->doc_string);
	g->meta = opr_arena_alloc(&g->arena, (m->n_metadata_props + 1) * sizeof(*g->meta));
	if (!g->meta)
		return opr_errf(c->err, OPR_ENOMEM, "%s: out of memory", c->src);
	for (i = 0; i < m->n_metadata_props; i++) {
		g->meta[i].key = opr_graph_strdup(g, m->metadata_props[i]->key ?
						  m->metadata_props[i]->key : "");
		g->meta[i].value = opr_graph_strdup(g, m->metadata_props[i]->value ?
						    m->metadata_props[i]->value : "");
		g->n_meta++;
	}
	return import_opsets(c, m);
}

/* After conversion: order, constants, folding, shapes, final check. */
static int finish_graph(struct import_ctx *c)
{
	int rc;

	if ((rc = check_node_domains(c)) ||
	    (rc = opr_graph_toposort(c->g, c->err)) ||
	    (rc = import_constants(c)) ||
	    (rc = opr_infer_shapes(c->g, c->err)) ||
	    (rc = opr_fold_constants(c->g, c->err)) ||
	    (rc = opr_graph_verify(c->g, c->err)))
		return rc;
	return OPR_OK;
}

/* Prefixes a message that does not name the source yet with it. */
static int name_source(struct import_ctx *c, int rc)
{
	char tmp[OPR_ERR_MSG];
	size_t n = strlen(c->src);

	if (rc == OPR_OK || (strncmp(c->err->msg, c->src, n) == 0 &&
			     c->err->msg[n] == ':'))
		return rc;
	snprintf(tmp, sizeof(tmp), "%s", c->err->msg);
	return opr_errf(c->err, rc, "%s: %s", c->src, tmp);
}

int opr_import_mem(const void *buf, size_t len, const char *name,
		   const char *base_dir, struct opr_graph **out,
		   struct opr_err *err)
{
	struct opr_err local;
	struct import_ctx c = { .src = name ? name : "<memory>",
				.base_dir = base_dir, .err = err ? err : &local };
	Onnx__ModelProto *m;
	const uint16_t probe = 1;
	int rc;

	*out = NULL;
	if (*(const uint8_t *)&probe != 1)
		return opr_errf(c.err, OPR_EINTERNAL, "big-endian hosts are not supported");
	if (len == 0)
		return opr_errf(c.err, OPR_EPARSE, "%s: empty file, not an ONNX model",
				c.src);
	m = onnx__model_proto__unpack(NULL, len, buf);
	if (!m)
		return opr_errf(c.err, OPR_EPARSE,
				"%s: not an ONNX model (%zu bytes that do not parse as "
				"a ModelProto; truncated or not protobuf)", c.src, len);
	c.g = opr_graph_new();
	if (!c.g) {
		rc = opr_errf(c.err, OPR_ENOMEM, "%s: out of memory", c.src);
		goto out_free_proto;
	}
	c.g->path = opr_graph_strdup(c.g, name);
	c.g->dir = opr_graph_strdup(c.g, base_dir);
	rc = import_model_fields(&c, m);
	if (rc == OPR_OK)
		rc = import_graph(&c, m->graph);
out_free_proto:
	onnx__model_proto__free_unpacked(m, NULL);	/* proto never escapes */
	if (rc == OPR_OK)
		rc = finish_graph(&c);
	if (rc != OPR_OK) {
		opr_graph_free(c.g);
		return name_source(&c, rc);
	}
	*out = c.g;
	return OPR_OK;
}

/* Reads the whole regular file at path into a malloc'd buffer. */
static int read_file(const char *path, void **buf, size_t *len,
		     struct opr_err *err)
{
	struct stat st;
	FILE *f = fopen(path, "rb");
	int rc = OPR_OK;

	*buf = NULL;
	if (!f)
		return opr_errf(err, OPR_EIO, "%s: cannot open: %s", path,
				strerror(errno));
	if (fstat(fileno(f), &st) != 0) {
		rc = opr_errf(err, OPR_EIO, "%s: cannot stat: %s", path, strerror(errno));
	} else if (S_ISDIR(st.st_mode)) {
		rc = opr_errf(err, OPR_EIO, "%s: is a directory, not an ONNX file", path);
	} else if (!S_ISREG(st.st_mode)) {
		rc = opr_errf(err, OPR_EIO, "%s: not a regular file", path);
	} else if ((uint64_t)st.st_size > MAX_MODEL_BYTES) {
		rc = opr_errf(err, OPR_EUNSUPPORTED,
			      "%s: %lld bytes; models over 2 GiB need external data",
			      path, (long long)st.st_size);
	} else {
		*len = (size_t)st.st_size;
		*buf = malloc(*len ? *len : 1);
		if (!*buf)
			rc = opr_errf(err, OPR_ENOMEM, "%s: out of memory", path);
		else if (fread(*buf, 1, *len, f) != *len)
			rc = opr_errf(err, OPR_EIO, "%s: read failed: %s", path,
				      strerror(errno));
	}
	fclose(f);
	if (rc) {
		free(*buf);
		*buf = NULL;
	}
	return rc;
}

int opr_import_file(const char *path, struct opr_graph **out, struct opr_err *err)
{
	char dir[4096];
	const char *slash;
	void *buf;
	size_t len = 0;
	int rc;

	*out = NULL;
	if (!path || !*path)
		return opr_errf(err, OPR_EUSAGE, "no model path given");
	rc = read_file(path, &buf, &len, err);
	if (rc)
		return rc;
	slash = strrchr(path, '/');
	if (slash)
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
	else
		snprintf(dir, sizeof(dir), ".");
	if (slash == path)
		snprintf(dir, sizeof(dir), "/");
	rc = opr_import_mem(buf, len, path, dir, out, err);
	free(buf);
	return rc;
}
