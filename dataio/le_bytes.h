/* dataio/le_bytes.h - byte-order encoding, whatever the host's byte order:
 * the model file and the checkpoint store numbers little-endian; IDX and
 * PNG headers are big-endian. */
#ifndef MLPT_DATAIO_LE_BYTES_H
#define MLPT_DATAIO_LE_BYTES_H

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "hash.h"

static inline uint32_t get_be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

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

/* x[0..n) from the 4 * n bytes at p. */
static inline void get_le_floats(float *x, const unsigned char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        x[i] = get_le_float(p + 4 * i);
}

/* Floats per chunk when streaming: bounds the stack buffer. */
enum { LE_CHUNK_FLOATS = 4096 };

/* Writes n floats little-endian in chunks and, when hash is not NULL,
 * continues that FNV-1a hash over the bytes (the checkpoint's integrity
 * hash). After a failed write it stops, and the caller's
 * mlpt_atomic_commit reports the error. */
static inline void write_le_floats(FILE *f, const float *x, size_t n, uint64_t *hash)
{
    unsigned char buf[4 * LE_CHUNK_FLOATS];
    for (size_t k; n > 0 && !ferror(f); x += k, n -= k) {
        k = n < LE_CHUNK_FLOATS ? n : LE_CHUNK_FLOATS;
        for (size_t i = 0; i < k; i++)
            put_le_float(buf + 4 * i, x[i]);
        if (hash)
            *hash = mlpt_fnv1a(*hash, buf, 4 * k);
        fwrite(buf, 4, k, f);
    }
}

#endif
