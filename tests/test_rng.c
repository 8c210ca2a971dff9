/* The counter-based generator: Philox4x32-10 as Random123 defines it, and
 * the 16-counter version that dropout uses giving the same words. */
#include <criterion/criterion.h>
#include <stdint.h>

#include "rng.h"

/* Random123's known-answer vectors (kat_vectors, philox4x32 10): counter
 * and key all zero, and counter and key from the digits of pi. */
Test(rng, philox4x32_10_known_answers)
{
    uint32_t w[4];
    mlpt_random4(0, (mlpt_stream)0, 0, 0, 0, 0, w);
    const uint32_t zero[4] = {0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8};
    for (int i = 0; i < 4; i++)
        cr_assert_eq(w[i], zero[i], "word %d: %08x, want %08x", i, w[i], zero[i]);
    /* counter (0x243f6a88, ...): stream 0x243f, layer 0x6a88 */
    mlpt_random4(0x299f31d0a4093822u, (mlpt_stream)0x243f, 0x6a88, 0x85a308d3, 0x13198a2e,
                 0x03707344, w);
    const uint32_t pi[4] = {0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1};
    for (int i = 0; i < 4; i++)
        cr_assert_eq(w[i], pi[i], "word %d: %08x, want %08x", i, w[i], pi[i]);
}

/* 16 counters side by side give each counter's own words, including where
 * the last counter word wraps around. */
Test(rng, sixteen_counters_match_one_at_a_time)
{
    const uint32_t starts[] = {0, 7, UINT32_MAX - 5};
    for (size_t s = 0; s < sizeof starts / sizeof *starts; s++) {
        uint32_t wide[64];
        mlpt_random4x16(0x0123456789abcdefu, MLPT_STREAM_DROPOUT, 3, 11, 60000, starts[s], wide);
        for (uint32_t j = 0; j < 16; j++) {
            uint32_t one[4];
            mlpt_random4(0x0123456789abcdefu, MLPT_STREAM_DROPOUT, 3, 11, 60000, starts[s] + j,
                         one);
            for (int i = 0; i < 4; i++)
                cr_assert_eq(wide[4 * j + i], one[i], "counter %u + %u, word %d", starts[s], j, i);
        }
    }
}
