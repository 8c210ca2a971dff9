/* engine/hash.h - FNV-1a 64: the weights' fingerprint and the checkpoint's
 * integrity hash. Not cryptographic: it tells damage and difference apart,
 * not forgery. */
#ifndef MLPT_ENGINE_HASH_H
#define MLPT_ENGINE_HASH_H

#include <stddef.h>
#include <stdint.h>

static const uint64_t mlpt_fnv_start = 0xcbf29ce484222325ull;

/* Continues hash h over p[0..n). */
static inline uint64_t mlpt_fnv1a(uint64_t h, const unsigned char *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        h ^= p[i];
        h *= 0x100000001b3ull;
    }
    return h;
}

#endif
