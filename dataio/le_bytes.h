/* dataio/le_bytes.h - little-endian encoding, whatever the host's byte
 * order: the model file and the checkpoint store numbers this way. */
#ifndef MLPT_DATAIO_LE_BYTES_H
#define MLPT_DATAIO_LE_BYTES_H

#include <stdint.h>
#include <stdio.h>
#include <string.h>

static inline uint64_t get_le64(const unsigned char *p)
{
    uint64_t v = 0;
    for (int b = 7; b >= 0; b--)
        v = v << 8 | p[b];
    return v;
}

static inline void put_le64(unsigned char *p, uint64_t v)
{
    for (int b = 0; b < 8; b++)
        p[b] = (unsigned char)(v >> (8 * b));
}

static inline float get_le_float(const unsigned char *p)
{
    uint32_t bits = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
                    (uint32_t)p[3] << 24;
    float f;
    memcpy(&f, &bits, sizeof f);
    return f;
}

static inline void put_le_float(unsigned char *p, float f)
{
    uint32_t bits;
    memcpy(&bits, &f, sizeof bits);
    for (int b = 0; b < 4; b++)
        p[b] = (unsigned char)(bits >> (8 * b));
}

enum { LE_CHUNK_FLOATS = 4096 };

/* Encodes up to LE_CHUNK_FLOATS of x[0..n) into buf; returns how many. */
static inline size_t put_le_chunk(unsigned char buf[4 * LE_CHUNK_FLOATS], const float *x,
                                  size_t n)
{
    const size_t k = n < LE_CHUNK_FLOATS ? n : LE_CHUNK_FLOATS;
    for (size_t i = 0; i < k; i++)
        put_le_float(buf + 4 * i, x[i]);
    return k;
}

/* Writes n floats little-endian in chunks; after a failed write it stops,
 * and the caller's mlpt_atomic_commit reports the error. */
static inline void write_le_floats(FILE *f, const float *x, size_t n)
{
    unsigned char buf[4 * LE_CHUNK_FLOATS];
    for (size_t k; n > 0 && !ferror(f); x += k, n -= k) {
        k = put_le_chunk(buf, x, n);
        fwrite(buf, 4, k, f);
    }
}

#endif
