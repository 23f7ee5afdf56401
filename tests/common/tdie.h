/*
 * tdie.h - how the tests' helper libraries (tests/train/tbuild.c, tref*.c,
 * tests/deps/deps_dump.c) stop when they cannot go on: TDIE(...) prints
 * "file:line: message" to stderr and abort()s, so ctest reports the test
 * as failed (aborted) and the message says where.  Header only: each
 * helper library includes it, nothing to link.  TREQUIRE(cond, ...) is
 * the same as an assertion that names the condition.
 */
#ifndef OPR_TESTS_TDIE_H
#define OPR_TESTS_TDIE_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#define TDIE(...) tdie(__FILE__, __LINE__, __VA_ARGS__)

/*
 * TREQUIRE(cond, fmt, ...): the helper libraries' assertion.  When cond
 * is false it stops the test as TDIE does, with "requirement 'cond'
 * failed: " before the message.
 */
#define TREQUIRE(cond, ...)						\
	do {								\
		if (!(cond))						\
			tdie_require(__FILE__, __LINE__, #cond, __VA_ARGS__); \
	} while (0)

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

static inline _Noreturn void tdie_require(const char *file, int line,
					  const char *cond,
					  const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static inline void tdie_require(const char *file, int line, const char *cond,
				const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fprintf(stderr, "%s:%d: requirement '%s' failed: ", file, line, cond);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}

#endif
