/*
 * tp_check.h - check macros of the tests in tests/trainparts: each failed
 * check prints its place and what it found; tp_done() gives the exit code.
 */
#ifndef TP_CHECK_H
#define TP_CHECK_H

#include <math.h>
#include <stdio.h>

static int tp_checks, tp_failed;

#define CHECK(c, ...)							\
	do {								\
		tp_checks++;						\
		if (!(c)) {						\
			tp_failed++;					\
			printf("FAIL %s:%d: ", __func__, __LINE__);	\
			printf(__VA_ARGS__);				\
			printf("\n");					\
		}							\
	} while (0)

/* |got - want| <= tol * max(1, |want|). */
#define CHECK_NEAR(got, want, tol)					\
	CHECK(fabs((double)(got) - (double)(want)) <=			\
	      (tol) * fmax(1.0, fabs((double)(want))),			\
	      "%s = %.9g, want %.9g", #got, (double)(got), (double)(want))

/* Prints the summary of test name; returns the exit status. */
static inline int tp_done(const char *name)
{
	printf("%s: %d checks, %d failed\n", name, tp_checks, tp_failed);
	return tp_failed ? 1 : 0;
}

#endif
