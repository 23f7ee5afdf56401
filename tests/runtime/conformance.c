/*
 * conformance.c - runs ONNX's backend node tests on the runtime.
 *
 * Usage: conformance DIR [CASE...] [-t THREADS] [-v]
 *
 * DIR holds one folder per case (test_NAME/model.onnx and
 * test_NAME/test_data_set_0/input_K.pb, output_K.pb: serialized
 * TensorProto).  Each case is imported with opr_import_file(), its inputs
 * are read, the outputs computed by the runtime are compared with the
 * expected ones (|got - want| <= 1e-5 + 1e-3 |want|; integers and bools
 * exactly).  One line per case (PASS, FAIL: why, SKIP (why)) and a summary
 * "N passed, M failed, K skipped"; the exit status is 1 when a case failed.
 *
 * A case is skipped only when one of its ops is not in the runtime's list
 * or a graph input or output is not a tensor.  Inputs that are not float,
 * and the roi/scales/sizes of Resize, are bound as constants before the
 * runtime is planned: the runtime requires shape-defining inputs to be
 * known when it plans, as they are in exported models after folding.
 */
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "onnx.pb-c.h"
#include "ir.h"
#include "runtime/runtime.h"

#define RTOL 1e-3
#define ATOL 1e-5
#define MAX_IO 16

/* A tensor read from a .pb file. */
struct tensor {
	int dtype;
	int rank;
	int64_t dims[OPR_MAX_RANK];
	int64_t numel;
	void *data;		/* malloc'd, numel * element size bytes */
	size_t nbytes;
};

static void *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	unsigned char *buf = NULL;
	long n;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 &&
	    fseek(f, 0, SEEK_SET) == 0 && (buf = malloc((size_t)n + 1)) &&
	    fread(buf, 1, (size_t)n, f) == (size_t)n) {
		*len = (size_t)n;
	} else {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	return buf;
}

/* Copies the typed repeated fields of tp into t->data. */
static int copy_fields(const Onnx__TensorProto *tp, struct tensor *t)
{
	int64_t i;

	for (i = 0; i < t->numel; i++) {
		unsigned char *p = (unsigned char *)t->data;

		switch (t->dtype) {
		case OPR_DT_FLOAT:
			if ((size_t)t->numel != tp->n_float_data)
				return -1;
			((float *)p)[i] = tp->float_data[i];
			break;
		case OPR_DT_DOUBLE:
			if ((size_t)t->numel != tp->n_double_data)
				return -1;
			((double *)p)[i] = tp->double_data[i];
			break;
		case OPR_DT_INT64:
			if ((size_t)t->numel != tp->n_int64_data)
				return -1;
			((int64_t *)p)[i] = tp->int64_data[i];
			break;
		case OPR_DT_UINT32:
		case OPR_DT_UINT64:
			if ((size_t)t->numel != tp->n_uint64_data)
				return -1;
			if (t->dtype == OPR_DT_UINT32)
				((uint32_t *)p)[i] = (uint32_t)tp->uint64_data[i];
			else
				((uint64_t *)p)[i] = tp->uint64_data[i];
			break;
		default: {
			size_t es = opr_dtype_size(t->dtype);
			int32_t v;

			if ((size_t)t->numel != tp->n_int32_data)
				return -1;
			v = tp->int32_data[i];
			memcpy(p + (size_t)i * es, &v, es);	/* little endian */
			break;
		}
		}
	}
	return 0;
}

/* Reads a serialized TensorProto; returns 0 or -1 with why set. */
static int read_pb(const char *path, struct tensor *t, char *why, size_t wl)
{
	Onnx__TensorProto *tp;
	size_t len, es;
	void *buf = read_file(path, &len);
	int rc = -1;
	size_t i;

	memset(t, 0, sizeof(*t));
	if (!buf) {
		snprintf(why, wl, "cannot read %.300s", path);
		return -1;
	}
	tp = onnx__tensor_proto__unpack(NULL, len, buf);
	free(buf);
	if (!tp) {
		snprintf(why, wl, "%.300s is no TensorProto", path);
		return -1;
	}
	t->dtype = tp->data_type;
	es = opr_dtype_size(t->dtype);
	t->rank = (int)tp->n_dims;
	t->numel = 1;
	if (!es || tp->n_dims > OPR_MAX_RANK) {
		snprintf(why, wl, "%.300s: type %d or rank %zu not handled", path,
			 t->dtype, tp->n_dims);
		goto out;
	}
	for (i = 0; i < tp->n_dims; i++) {
		t->dims[i] = tp->dims[i];
		t->numel *= tp->dims[i];
	}
	t->nbytes = (size_t)t->numel * es;
	t->data = malloc(t->nbytes + 1);
	if (!t->data)
		goto out;
	if (tp->has_raw_data) {
		if (tp->raw_data.len != t->nbytes) {
			snprintf(why, wl, "%.300s: raw_data has %zu bytes, want %zu",
				 path, tp->raw_data.len, t->nbytes);
			goto out;
		}
		if (t->nbytes)
			memcpy(t->data, tp->raw_data.data, t->nbytes);
	} else if (copy_fields(tp, t)) {
		snprintf(why, wl, "%.300s: element count does not match", path);
		goto out;
	}
	rc = 0;
out:
	onnx__tensor_proto__free_unpacked(tp, NULL);
	return rc;
}

/*
 * Why the case cannot run (ops or types outside the runtime), or NULL.
 * Reads the model with protobuf-c so that a case is classified even when
 * the importer refuses it.
 */
static const char *skip_reason(const char *model, char *buf, size_t bl)
{
	Onnx__ModelProto *m;
	const char *why = NULL;
	size_t len, i;
	void *bytes = read_file(model, &len);

	if (!bytes)
		return NULL;	/* the import will report it */
	m = onnx__model_proto__unpack(NULL, len, bytes);
	free(bytes);
	if (!m || !m->graph) {
		if (m)
			onnx__model_proto__free_unpacked(m, NULL);
		return NULL;
	}
	for (i = 0; i < m->graph->n_node && !why; i++) {
		const Onnx__NodeProto *n = m->graph->node[i];
		enum opr_op op = opr_op_lookup(n->op_type, n->domain);

		if (op != OPR_OP_CONSTANT && !opr_rt_op_for(op)) {
			snprintf(buf, bl, "op %s not in the runtime's list", n->op_type);
			why = buf;
		}
	}
	for (i = 0; i < m->graph->n_input + m->graph->n_output && !why; i++) {
		const Onnx__ValueInfoProto *vi = i < m->graph->n_input ?
			m->graph->input[i] : m->graph->output[i - m->graph->n_input];

		if (vi->type && vi->type->value_case !=
		    ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE) {
			snprintf(buf, bl, "'%s' is not a tensor (optional/sequence "
				 "types)", vi->name);
			why = buf;
		}
	}
	onnx__model_proto__free_unpacked(m, NULL);
	return why;
}

/* 1 when graph value v feeds a Resize at input 1 or later. */
static int resize_param(const struct opr_graph *g, int v)
{
	int i, k;

	for (i = 0; i < g->n_nodes; i++)
		for (k = 1; k < g->nodes[i].n_in; k++)
			if (g->nodes[i].op == OPR_OP_RESIZE && g->nodes[i].in[k] == v)
				return 1;
	return 0;
}

/* Compares got with want; returns 0 or -1 with why. */
static int compare(const struct opr_rt_info *oi, const void *got,
		   const struct tensor *want, char *why, size_t wl)
{
	int64_t i;
	int j;

	if (oi->dtype != want->dtype) {
		snprintf(why, wl, "output '%s' is %s, want %s", oi->name,
			 opr_dtype_name(oi->dtype), opr_dtype_name(want->dtype));
		return -1;
	}
	if (oi->rank != want->rank)
		goto shape;
	for (j = 0; j < oi->rank; j++)
		if (oi->dims[j] != want->dims[j])
			goto shape;
	for (i = 0; i < want->numel; i++) {
		if (want->dtype == OPR_DT_FLOAT || want->dtype == OPR_DT_DOUBLE) {
			double a = opr_rt_load_f(got, want->dtype, i);
			double b = opr_rt_load_f(want->data, want->dtype, i);

			if (isnan(a) && isnan(b))
				continue;
			if (a == b)	/* equal infinities */
				continue;
			if (!(fabs(a - b) <= ATOL + RTOL * fabs(b))) {
				snprintf(why, wl, "output '%s'[%lld] = %.7g, want %.7g",
					 oi->name, (long long)i, a, b);
				return -1;
			}
		} else if (opr_rt_load_i(got, want->dtype, i) !=
			   opr_rt_load_i(want->data, want->dtype, i)) {
			snprintf(why, wl, "output '%s'[%lld] = %lld, want %lld",
				 oi->name, (long long)i,
				 (long long)opr_rt_load_i(got, want->dtype, i),
				 (long long)opr_rt_load_i(want->data, want->dtype, i));
			return -1;
		}
	}
	return 0;
shape:
	snprintf(why, wl, "output '%s' has rank %d dims [%lld, %lld, ...], want "
		 "rank %d [%lld, %lld, ...]", oi->name, oi->rank,
		 (long long)oi->dims[0], (long long)oi->dims[1], want->rank,
		 (long long)want->dims[0], (long long)want->dims[1]);
	return -1;
}

/* Reads DIR/test_data_set_0/{input,output}_K.pb; returns the count. */
static int read_set(const char *dir, const char *kind, struct tensor *t,
		    char *why, size_t wl)
{
	char path[4096];
	int k;

	for (k = 0; k < MAX_IO; k++) {
		FILE *f;

		snprintf(path, sizeof(path), "%.4000s/test_data_set_0/%s_%d.pb", dir,
			 kind, k);
		if (!(f = fopen(path, "rb")))
			break;
		fclose(f);
		if (read_pb(path, &t[k], why, wl))
			return -1;
	}
	return k;
}

/* Binds the constant-like inputs into g; fills the runtime's input list. */
static int bind_inputs(struct opr_graph *g, struct tensor *in, int n_in,
		       const char **names, const void **ptrs, int *n_rt,
		       char *why, size_t wl)
{
	int i, k = 0, j;

	*n_rt = 0;
	for (i = 0; i < g->n_inputs; i++) {
		struct opr_value *v = &g->values[g->inputs[i]];

		if (v->data)
			continue;
		if (k >= n_in) {
			snprintf(why, wl, "input '%s' has no .pb file", v->name);
			return -1;
		}
		v->rank = in[k].rank;
		for (j = 0; j < in[k].rank; j++)
			v->dims[j] = in[k].dims[j];
		if (in[k].dtype != OPR_DT_FLOAT || resize_param(g, g->inputs[i])) {
			v->data = opr_arena_memdup(&g->arena, in[k].data,
						   in[k].nbytes + 1);
			v->nbytes = in[k].nbytes;
			v->dtype = in[k].dtype;
			v->is_initializer = 1;
		} else {
			names[*n_rt] = v->name;
			ptrs[(*n_rt)++] = in[k].data;
		}
		k++;
	}
	return 0;
}

/* Runs one case; returns 0 pass, 1 fail, 2 skip.  why says more. */
static int run_case(const char *dir, int threads, char *why, size_t wl)
{
	struct tensor in[MAX_IO], out[MAX_IO];
	const char *names[MAX_IO], *onames[MAX_IO];
	const void *ptrs[MAX_IO];
	void *got[MAX_IO] = { 0 };
	struct opr_rt_info oi[MAX_IO];
	struct opr_graph *g = NULL;
	struct opr_rt *rt = NULL;
	struct opr_err err;
	char model[4096], sbuf[256];
	const char *skip;
	int n_in = 0, n_out = 0, n_rt, i, rc = 1;

	memset(in, 0, sizeof(in));
	memset(out, 0, sizeof(out));
	snprintf(model, sizeof(model), "%.4000s/model.onnx", dir);
	if ((skip = skip_reason(model, sbuf, sizeof(sbuf)))) {
		snprintf(why, wl, "%s", skip);
		return 2;
	}
	if ((n_in = read_set(dir, "input", in, why, wl)) < 0 ||
	    (n_out = read_set(dir, "output", out, why, wl)) < 0)
		goto out;
	if (opr_import_file(model, &g, &err)) {
		snprintf(why, wl, "import: %s", err.msg);
		goto out;
	}
	if (bind_inputs(g, in, n_in, names, ptrs, &n_rt, why, wl))
		goto out;
	if (n_out != g->n_outputs) {
		snprintf(why, wl, "%d expected outputs for %d graph outputs", n_out,
			 g->n_outputs);
		goto out;
	}
	if (opr_rt_new(g, 1, threads, &rt, &err)) {
		snprintf(why, wl, "plan: %s", err.msg);
		goto out;
	}
	for (i = 0; i < n_out; i++) {
		if (opr_rt_output_info(rt, i, 1, &oi[i], &err)) {
			snprintf(why, wl, "%s", err.msg);
			goto out;
		}
		onames[i] = oi[i].name;
		got[i] = malloc(oi[i].nbytes + 1);
		if (!got[i])
			goto out;
	}
	if (opr_rt_run_named(rt, 1, n_rt, names, ptrs, n_out, onames, got, &err)) {
		snprintf(why, wl, "run: %s", err.msg);
		goto out;
	}
	for (i = 0; i < n_out; i++)
		if (compare(&oi[i], got[i], &out[i], why, wl))
			goto out;
	rc = 0;
out:
	for (i = 0; i < MAX_IO; i++) {
		free(in[i].data);
		free(out[i].data);
		free(got[i]);
	}
	opr_rt_free(rt);
	opr_graph_free(g);
	return rc;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The case folders of dir, sorted; *n entries, malloc'd. */
static char **list_cases(const char *dir, int *n)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char **v = NULL;
	int cap = 0;

	*n = 0;
	if (!d)
		return NULL;
	while ((e = readdir(d))) {
		if (strncmp(e->d_name, "test_", 5))
			continue;
		if (*n == cap) {
			char **nv = realloc(v, (size_t)(cap = cap ? 2 * cap : 256) *
					    sizeof(*v));

			if (!nv)
				break;
			v = nv;
		}
		v[(*n)++] = strdup(e->d_name);
	}
	closedir(d);
	if (v)
		qsort(v, (size_t)*n, sizeof(*v), cmp_str);
	return v;
}

int main(int argc, char **argv)
{
	int threads = 2, verbose = 0, n_names = 0, n = 0, i;
	int counts[3] = { 0, 0, 0 };
	const char *dir = NULL, *only[256];
	char **cases, path[4096], why[OPR_ERR_MSG + 256];

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-t") && i + 1 < argc)
			threads = atoi(argv[++i]);
		else if (!strcmp(argv[i], "-v"))
			verbose = 1;
		else if (!dir)
			dir = argv[i];
		else if (n_names < 256)
			only[n_names++] = argv[i];
	}
	if (!dir) {
		fprintf(stderr, "usage: conformance DIR [CASE...] [-t THREADS] [-v]\n");
		return 2;
	}
	cases = list_cases(dir, &n);
	if (!cases || !n) {
		fprintf(stderr, "conformance: no test_* folders in %s\n", dir);
		return 2;
	}
	for (i = 0; i < n; i++) {
		int k, r, want = !n_names;

		for (k = 0; k < n_names; k++)
			want |= !strcmp(only[k], cases[i]);
		if (want) {
			snprintf(path, sizeof(path), "%.3000s/%.1000s", dir, cases[i]);
			why[0] = 0;
			r = run_case(path, threads, why, sizeof(why));
			counts[r]++;
			if (r == 0)
				printf("PASS %s\n", cases[i]);
			else if (r == 1)
				printf("FAIL %s: %s\n", cases[i], why);
			else
				printf("SKIP %s (%s)\n", cases[i], why);
			if (verbose)
				fflush(stdout);
		}
		free(cases[i]);
	}
	free(cases);
	printf("%d passed, %d failed, %d skipped\n", counts[0], counts[1],
	       counts[2]);
	return counts[1] ? 1 : 0;
}
