/*
 * rng.c - keyed splitmix64 streams, bounded draws and shuffles (rng.h).
 */
#include "train/rng.h"

/* Distinct odd constants keep the three keys of opr_rng_key() apart. */
#define KEY_TAG 0x6a09e667f3bcc909ull
#define KEY_I 0xbb67ae8584caa73bull
#define KEY_J 0x3c6ef372fe94f82bull

uint64_t opr_rng_key(uint64_t seed, uint64_t tag, uint64_t i, uint64_t j)
{
	uint64_t s = opr_mix64(seed);

	s = opr_mix64(s ^ opr_mix64(tag + KEY_TAG));
	s = opr_mix64(s ^ opr_mix64(i + KEY_I));
	return opr_mix64(s ^ opr_mix64(j + KEY_J));
}

uint64_t opr_rng_below(uint64_t *s, uint64_t n)
{
	/* 2^64 mod n: draws below it would make small values likelier. */
	uint64_t lim = (0 - n) % n, r;

	do
		r = opr_rng_next(s);
	while (r < lim);
	return r % n;
}

void opr_rng_shuffle(uint64_t *s, int *idx, size_t n)
{
	size_t i, j;
	int t;

	for (i = n; i > 1; i--) {
		j = (size_t)opr_rng_below(s, i);
		t = idx[i - 1];
		idx[i - 1] = idx[j];
		idx[j] = t;
	}
}
