#include "rng.h"

#include <Random123/philox.h>

void mlpt_random4(uint64_t seed, mlpt_stream stream, uint32_t layer, uint32_t a,
                  uint32_t b, uint32_t c, uint32_t out[4])
{
    philox4x32_ctr_t ctr = {{(uint32_t)stream << 16 | layer, a, b, c}};
    philox4x32_key_t key = {{(uint32_t)seed, (uint32_t)(seed >> 32)}};
    philox4x32_ctr_t r = philox4x32(ctr, key);
    for (int i = 0; i < 4; i++)
        out[i] = r.v[i];
}

/* 16 lanes of 32-bit words, and 8 of 64-bit ones over the same register. */
typedef uint32_t v16u __attribute__((vector_size(64)));
typedef uint64_t v8u64 __attribute__((vector_size(64)));

/* lo = x * m and hi = (x * m) >> 32 per lane, as 64-bit products: the even
 * lanes' from the low halves of the 64-bit lanes, the odd lanes' from the
 * high halves. */
static inline v16u mulhilo16(v16u x, uint32_t m, v16u *hi)
{
    const v8u64 even = ((v8u64)x & 0xFFFFFFFFu) * m, odd = ((v8u64)x >> 32) * m;
    *hi = (v16u)((even >> 32) | (odd & 0xFFFFFFFF00000000u));
    return x * m;
}

void mlpt_random4x16(uint64_t seed, mlpt_stream stream, uint32_t layer, uint32_t a,
                     uint32_t b, uint32_t c, uint32_t out[64])
{
    /* Philox4x32-10 as Random123 computes it, 16 counters a lane each. */
    const v16u lane = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};
    v16u c0 = (v16u){0} + ((uint32_t)stream << 16 | layer), c1 = (v16u){0} + a,
         c2 = (v16u){0} + b, c3 = lane + c;
    uint32_t k0 = (uint32_t)seed, k1 = (uint32_t)(seed >> 32);
    for (int round = 0; round < 10; round++) {
        if (round > 0) {
            k0 += PHILOX_W32_0;
            k1 += PHILOX_W32_1;
        }
        v16u hi0, hi1;
        const v16u lo0 = mulhilo16(c0, PHILOX_M4x32_0, &hi0);
        const v16u lo1 = mulhilo16(c2, PHILOX_M4x32_1, &hi1);
        c0 = hi1 ^ c1 ^ k0;
        c1 = lo1;
        c2 = hi0 ^ c3 ^ k1;
        c3 = lo0;
    }
    for (int j = 0; j < 16; j++) {
        out[4 * j] = c0[j];
        out[4 * j + 1] = c1[j];
        out[4 * j + 2] = c2[j];
        out[4 * j + 3] = c3[j];
    }
}

/* A uniform integer in [0, range) (Lemire's multiply-shift with rejection),
 * drawing more words under the next retry counter in the rare case all
 * four are rejected. */
static uint32_t bounded(uint64_t seed, mlpt_stream stream, uint32_t a, uint32_t position,
                        uint32_t range)
{
    uint32_t threshold = (uint32_t)-range % range;
    for (uint32_t retry = 0;; retry++) {
        uint32_t w[4];
        mlpt_random4(seed, stream, 0, a, position, retry, w);
        for (int i = 0; i < 4; i++) {
            uint64_t m = (uint64_t)w[i] * range;
            if ((uint32_t)m >= threshold)
                return (uint32_t)(m >> 32);
        }
    }
}

void mlpt_shuffle(uint64_t seed, uint32_t epoch, uint32_t *order, size_t n)
{
    mlpt_shuffle_keyed(seed, MLPT_STREAM_SHUFFLE, epoch, order, n);
}

void mlpt_shuffle_keyed(uint64_t seed, mlpt_stream stream, uint32_t a, uint32_t *order,
                        size_t n)
{
    for (size_t i = 0; i < n; i++)
        order[i] = (uint32_t)i;
    for (size_t i = n; i > 1; i--) {
        uint32_t j = bounded(seed, stream, a, (uint32_t)(i - 1), (uint32_t)i);
        uint32_t tmp = order[i - 1];
        order[i - 1] = order[j];
        order[j] = tmp;
    }
}
