/* engine/rng.h - counter-based random numbers (Philox4x32-10, Random123).
 *
 * Every random number in training is a pure function of the seed and of
 * where it is used, never of a generator's history or of the thread that
 * draws it: this is what makes the weights bit-identical for any thread
 * count. A draw is keyed by the seed and a 4-word counter whose first word
 * names the purpose (a stream) and, for dropout, the layer. */
#ifndef MLPT_ENGINE_RNG_H
#define MLPT_ENGINE_RNG_H

#include <stddef.h>
#include <stdint.h>

typedef enum {
    MLPT_STREAM_INIT = 1,    /* (layer, parameter index / 4, 0) */
    MLPT_STREAM_SHUFFLE = 2, /* (epoch, position, retry) */
    MLPT_STREAM_DROPOUT = 3, /* (epoch, sample id, unit / 4); layer in word 0 */
    MLPT_STREAM_SPLIT = 4    /* (class, position, retry): the test_split hold-out */
} mlpt_stream;

/* Four independent uniform 32-bit words for counter
 * (stream << 16 | layer, a, b, c) under key `seed`. */
void mlpt_random4(uint64_t seed, mlpt_stream stream, uint32_t layer, uint32_t a,
                  uint32_t b, uint32_t c, uint32_t out[4]);

/* mlpt_random4 for the 16 counters (stream << 16 | layer, a, b, c + j),
 * j = 0..15, computed side by side: out[4*j .. 4*j + 4) is counter j's. */
void mlpt_random4x16(uint64_t seed, mlpt_stream stream, uint32_t layer, uint32_t a,
                     uint32_t b, uint32_t c, uint32_t out[64]);

/* A uniform float in [0, 1) from the top 24 bits of a word. */
static inline float mlpt_unit_float(uint32_t u)
{
    return (float)(u >> 8) * (1.0f / 16777216.0f);
}

/* Writes a uniformly random permutation of 0..n-1 into order (Fisher-Yates
 * with unbiased bounded draws keyed by (seed, epoch, position)). */
void mlpt_shuffle(uint64_t seed, uint32_t epoch, uint32_t *order, size_t n);

/* The same permutation rule with draws keyed by (seed, stream, a,
 * position): mlpt_shuffle is stream MLPT_STREAM_SHUFFLE with a = epoch. */
void mlpt_shuffle_keyed(uint64_t seed, mlpt_stream stream, uint32_t a, uint32_t *order,
                        size_t n);

#endif
