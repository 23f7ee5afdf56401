/*
 * fuzz_import.c - libFuzzer target for the importer (style.md §14).
 *
 * One input is one candidate ONNX file.  The body:
 *
 *	import (opr_import_mem) -> verify -> export (opr_export_mem)
 *	-> import the exported bytes again -> export again -> free all
 *
 * and abort()s, printing why, on anything that breaks the contract of
 * include/onnx_prune.h:
 *
 *  - a failing call that leaves err unset, with an empty or multi-line
 *    message, a status outside enum opr_status, or a non-NULL graph;
 *  - an import failure with a status that bad bytes cannot cause
 *    (OPR_EINTERNAL, OPR_EUSAGE, OPR_EGATE, OPR_EIO: no base_dir is given,
 *    so no file is ever read) or a message that does not name the input;
 *  - an imported graph that opr_graph_verify() refuses;
 *  - an imported graph that cannot be exported (only OPR_ENOMEM is allowed);
 *  - exported bytes that do not import again (a model we wrote must load);
 *  - a second export that differs from the first (style.md §13: the round
 *    trip gives stable bytes).
 *
 * Memory errors, leaks and undefined behaviour are ASan/UBSan's job.
 * tests/fuzz/replay.c runs the same body without libFuzzer, over
 * tests/fuzz/regress/, under plain CTest.
 *
 * Build with -DFUZZ_IMPORT_ONLY to stop after verify (while no exporter
 * links).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "onnx_prune.h"
#include "ir.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_NAME "fuzz"		/* name given to the first import */
#define FUZZ_NAME2 "fuzz-reexport"	/* name of the round-trip import */

static void die(const char *stage, int rc, const struct opr_err *err,
		const char *why)
{
	fprintf(stderr, "fuzz_import: %s: %s (rc %d %s, err.code %d, msg \"%.*s\")\n",
		stage, why, rc, opr_status_name(rc), err->code, OPR_ERR_MSG,
		err->msg);
	fflush(stderr);
	abort();
}

/* Puts a sentinel in err so that a failure that leaves it unset shows. */
static void err_poison(struct opr_err *err)
{
	err->code = -12345;
	memset(err->msg, 0, sizeof(err->msg));
}

/*
 * Checks the error contract of a call that returned rc != OPR_OK.
 * graph is what the call left in its out-parameter (NULL when none).
 */
static void check_failure(const char *stage, int rc, const struct opr_err *err,
			  const void *graph)
{
	size_t len = strnlen(err->msg, sizeof(err->msg));

	if (rc <= OPR_OK || rc > OPR_EGATE)
		die(stage, rc, err, "status outside enum opr_status");
	if (err->code != rc)
		die(stage, rc, err, "err.code differs from the returned status");
	if (len == 0)
		die(stage, rc, err, "empty error message");
	if (len == sizeof(err->msg))
		die(stage, rc, err, "error message not NUL-terminated");
	if (memchr(err->msg, '\n', len))
		die(stage, rc, err, "error message spans lines");
	if (graph)
		die(stage, rc, err, "failed but left a graph in *out");
	if (rc == OPR_EINTERNAL)
		die(stage, rc, err, "internal error (a bug by definition)");
}

/* Import-specific rules on top of check_failure(). */
static void check_import_failure(const char *stage, const char *name, int rc,
				 const struct opr_err *err,
				 const struct opr_graph *g)
{
	size_t n = strlen(name);

	check_failure(stage, rc, err, g);
	if (rc == OPR_EUSAGE || rc == OPR_EGATE || rc == OPR_EIO)
		die(stage, rc, err, "status that bytes without base_dir cannot cause");
	if (strncmp(err->msg, name, n) != 0 || err->msg[n] != ':')
		die(stage, rc, err, "message does not start with the input's name");
}

#ifndef FUZZ_IMPORT_ONLY
/* Export, re-import, re-export: the round trip must hold. */
static void round_trip(const struct opr_graph *g)
{
	struct opr_graph *g2 = NULL;
	struct opr_err err;
	void *buf = NULL, *buf2 = NULL;
	size_t len = 0, len2 = 0;
	int rc;

	err_poison(&err);
	rc = opr_export_mem(g, &buf, &len, &err);
	if (rc != OPR_OK) {
		check_failure("export", rc, &err, buf);
		if (rc == OPR_ENOMEM)
			return;
		die("export", rc, &err, "an imported, verified graph does not export");
	}
	if (!buf || len == 0)
		die("export", rc, &err, "OPR_OK but no bytes");

	err_poison(&err);
	rc = opr_import_mem(buf, len, FUZZ_NAME2, NULL, &g2, &err);
	if (rc != OPR_OK) {
		check_import_failure("re-import", FUZZ_NAME2, rc, &err, g2);
		if (rc != OPR_ENOMEM)
			die("re-import", rc, &err, "a model we wrote does not import");
		goto out;
	}
	if (!g2)
		die("re-import", rc, &err, "OPR_OK but no graph");

	err_poison(&err);
	rc = opr_export_mem(g2, &buf2, &len2, &err);
	if (rc != OPR_OK) {
		check_failure("re-export", rc, &err, buf2);
		if (rc != OPR_ENOMEM)
			die("re-export", rc, &err, "a re-imported graph does not export");
		goto out;
	}
	if (len2 != len || memcmp(buf, buf2, len) != 0) {
		fprintf(stderr, "fuzz_import: export is %zu bytes, re-export %zu\n",
			len, len2);
		die("re-export", rc, &err, "export -> import -> export changed the bytes");
	}
out:
	free(buf2);
	opr_graph_free(g2);
	free(buf);
}
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct opr_graph *g = (struct opr_graph *)&g;	/* must become NULL or a graph */
	struct opr_err err;
	int rc;

	err_poison(&err);
	rc = opr_import_mem(data, size, FUZZ_NAME, NULL, &g, &err);
	if (rc != OPR_OK) {
		check_import_failure("import", FUZZ_NAME, rc, &err, g);
		return 0;
	}
	if (!g)
		die("import", rc, &err, "OPR_OK but no graph");

	err_poison(&err);
	rc = opr_graph_verify(g, &err);
	if (rc != OPR_OK) {
		check_failure("verify", rc, &err, NULL);
		die("verify", rc, &err, "the importer returned a graph that does not verify");
	}
#ifndef FUZZ_IMPORT_ONLY
	round_trip(g);
#endif
	opr_graph_free(g);
	return 0;
}
