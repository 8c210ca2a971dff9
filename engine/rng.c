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

/* A uniform integer in [0, range) (Lemire's multiply-shift with rejection),
 * drawing more words under the next retry counter in the rare case all
 * four are rejected. */
static uint32_t bounded(uint64_t seed, uint32_t epoch, uint32_t position, uint32_t range)
{
    uint32_t threshold = (uint32_t)-range % range;
    for (uint32_t retry = 0;; retry++) {
        uint32_t w[4];
        mlpt_random4(seed, MLPT_STREAM_SHUFFLE, 0, epoch, position, retry, w);
        for (int i = 0; i < 4; i++) {
            uint64_t m = (uint64_t)w[i] * range;
            if ((uint32_t)m >= threshold)
                return (uint32_t)(m >> 32);
        }
    }
}

void mlpt_shuffle(uint64_t seed, uint32_t epoch, uint32_t *order, size_t n)
{
    for (size_t i = 0; i < n; i++)
        order[i] = (uint32_t)i;
    for (size_t i = n; i > 1; i--) {
        uint32_t j = bounded(seed, epoch, (uint32_t)(i - 1), (uint32_t)i);
        uint32_t tmp = order[i - 1];
        order[i - 1] = order[j];
        order[j] = tmp;
    }
}
