/*
 * rng.h - the random numbers of training (src/train/): splitmix64 streams
 * keyed by (seed, tag, i, j), unbiased bounded integers and Fisher-Yates
 * shuffles.
 *
 * Generator: splitmix64 (Steele, Lea, Flood, "Fast splittable pseudorandom
 * number generators", OOPSLA 2014; the version in Vigna's xoshiro page):
 * a 64-bit state advanced by 0x9e3779b97f4a7c15, each output the state
 * passed through the MurmurHash3-style finaliser (mix64 below).  Every draw
 * a training run makes comes from a stream whose starting state is a hash
 * of the user's seed and what the draw is for (a tag, the epoch, the
 * sample's position), never from a shared sequential stream, so the same
 * seed gives the same shuffles and augmentations whatever the thread count
 * or the order in which batches are filled.
 */
#ifndef OPR_TRAIN_RNG_H
#define OPR_TRAIN_RNG_H

#include <stddef.h>
#include <stdint.h>

/* What a stream is for: the tag of opr_rng_key(). */
enum opr_rng_tag {
	OPR_RNG_SHUFFLE = 1,	/* epoch order: i = epoch, j = 0 */
	OPR_RNG_AUGMENT = 2,	/* crop and flip: i = epoch, j = position */
	OPR_RNG_SPLIT = 3,	/* train/validation split: i = j = 0 */
	OPR_RNG_USER = 16	/* first tag free for other callers */
};

/* The splitmix64 output function: a bijective mix of the 64 bits of x. */
static inline uint64_t opr_mix64(uint64_t x)
{
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

/* Advances the splitmix64 state *s and returns the next 64 random bits. */
static inline uint64_t opr_rng_next(uint64_t *s)
{
	*s += 0x9e3779b97f4a7c15ull;
	return opr_mix64(*s);
}

/*
 * Starting state of the stream for (seed, tag, i, j): each of the three
 * keys is mixed into the state in turn, so streams of different keys are
 * unrelated.  Pure function.
 */
uint64_t opr_rng_key(uint64_t seed, uint64_t tag, uint64_t i, uint64_t j);

/*
 * A uniform integer in [0, n) drawn from *s, without bias (draws that fall
 * in the incomplete last block of 2^64 are rejected and redrawn, as
 * OpenBSD's arc4random_uniform does).  n must be >= 1.
 */
uint64_t opr_rng_below(uint64_t *s, uint64_t n);

/*
 * Shuffles idx[0..n-1] in place with the Fisher-Yates (Durstenfeld) walk:
 * for i = n-1 down to 1, swap idx[i] with idx[opr_rng_below(s, i + 1)].
 * Every permutation is equally likely; the same *s gives the same order.
 */
void opr_rng_shuffle(uint64_t *s, int *idx, size_t n);

#endif
