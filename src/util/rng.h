/* A seeded random generator for resampling and shuffling: xoshiro256** seeded through
 * splitmix64 (eval's bootstrap, classify's, the folds' tie-breaks), so a seed means the
 * same draws on every machine. */
#ifndef SEMIO_UTIL_RNG_H
#define SEMIO_UTIL_RNG_H

#include <stdint.h>

typedef struct SemioRng {
    uint64_t s[4];
} SemioRng;

static inline uint64_t semio_splitmix(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static inline void semio_rng_seed(SemioRng *g, uint64_t seed)
{
    for (int i = 0; i < 4; i++)
        g->s[i] = semio_splitmix(&seed);
}

static inline uint64_t semio_rng_rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

static inline uint64_t semio_rng_next(SemioRng *g)
{
    uint64_t *s = g->s, result = semio_rng_rotl(s[1] * 5, 7) * 9, t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = semio_rng_rotl(s[3], 45);
    return result;
}

/* Uniform in [0, n) without modulo bias (Lemire's multiply-and-reject). */
static inline uint32_t semio_rng_below(SemioRng *g, uint32_t n)
{
    uint64_t m = (uint64_t)(uint32_t)(semio_rng_next(g) >> 32) * n;
    if ((uint32_t)m < n) {
        uint32_t floor = (uint32_t)(-n) % n;
        while ((uint32_t)m < floor)
            m = (uint64_t)(uint32_t)(semio_rng_next(g) >> 32) * n;
    }
    return (uint32_t)(m >> 32);
}

#endif
