/*
 * registry.c - the table of passes that --passes can name (see passes.h).
 *
 * Add a pass by adding a line to the table; keep it sorted by name.  The
 * last entry is a NULL sentinel so that the table is valid C while empty.
 */
#include <stdio.h>
#include <string.h>

#include "passes/passes.h"

static const struct opr_pass table[] = {
	/* Pruning passes come with later issues. */
	{ NULL, NULL, NULL }
};

const struct opr_pass *opr_pass_table(int *n)
{
	*n = (int)(sizeof(table) / sizeof(table[0])) - 1;
	return table;
}

const struct opr_pass *opr_pass_find(const char *name)
{
	int i, n;

	if (!name)
		return NULL;
	opr_pass_table(&n);
	for (i = 0; i < n; i++)
		if (strcmp(table[i].name, name) == 0)
			return &table[i];
	return NULL;
}

const char *opr_pass_names(char *buf, size_t len)
{
	size_t used = 0;
	int i, n;

	if (len == 0)
		return buf;
	buf[0] = '\0';
	opr_pass_table(&n);
	if (n == 0) {
		snprintf(buf, len, "(none yet)");
		return buf;
	}
	for (i = 0; i < n && used < len; i++) {
		int w = snprintf(buf + used, len - used, "%s%s",
				 i ? ", " : "", table[i].name);

		if (w < 0)
			break;
		used += (size_t)w;
	}
	return buf;
}
