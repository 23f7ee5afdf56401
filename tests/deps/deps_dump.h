/*
 * deps_dump.h - a canonical one-line-per-group text of a dependency
 * analysis, what tests/deps/test_deps.c compares with its expectations and
 * what the dump_groups tool prints.
 *
 * A group line is "N[F] key key ...": N the channel count, F when frozen,
 * then each key as role:node[.port][=indices]: the node by name (for graph
 * inputs and outputs the value's name), the port for map-in/map-out/param/
 * pass (block: .inK or .outK), and the indices as ranges ("0-7,24-31") for
 * the roles whose indices show a map (map-in, map-out, padded, Concat's
 * param, in/out of producers).  Then " | " and the reasons: input:VALUE,
 * output:VALUE, classifier:NODE, blocker:NODE, grouped:NODE/GROUPS.
 */
#ifndef OPR_TEST_DEPS_DUMP_H
#define OPR_TEST_DEPS_DUMP_H

#include <stddef.h>

#include "ir.h"
#include "passes/deps.h"

/* Writes group gi of d as one canonical line into buf (NUL-terminated). */
const char *deps_dump_group(const struct opr_graph *g, const struct opr_deps *d,
			    int gi, char *buf, size_t len);

#endif
