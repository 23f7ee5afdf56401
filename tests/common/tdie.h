/*
 * tdie.h - how the tests' helper libraries (tests/train/tbuild.c, tref*.c,
 * tests/deps/deps_dump.c) stop when they cannot go on: TDIE(...) prints
 * "file:line: message" to stderr and abort()s, so ctest reports the test
 * as failed (aborted) and the message says where.  Header only: each
 * helper library includes it, nothing to link.
 */
#ifndef OPR_TESTS_TDIE_H
#define OPR_TESTS_TDIE_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#define TDIE(...) tdie(__FILE__, __LINE__, __VA_ARGS__)

static inline _Noreturn void tdie(const char *file, int line,
				  const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static inline void tdie(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fprintf(stderr, "%s:%d: ", file, line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}

#endif
