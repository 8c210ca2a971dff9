/* fuzz_idx.c - libFuzzer target for mlpt_idx_load (dataio/idx.c).
 *
 * The input is an IDX file, raw or gzip, written as is to a temporary file
 * (one per process, reused) and loaded. Random bytes almost never make a
 * gzip stream whose CRC holds, so an input that is not gzip is also loaded
 * gzip-compressed by this harness, as one member or, for inputs of odd
 * length, as two concatenated members: the fuzzer then reaches the gzip
 * reader's length checks with valid streams.
 *
 * Checked on every load: success gives a tensor whose dimensions multiply
 * to its count and whose payload is readable; failure leaves the output
 * zeroed and an error naming the file. */
#define _POSIX_C_SOURCE 200809L /* getpid, unlink, strnlen */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "fuzz_tmp.h"
#include "mlpt/idx.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* ---- gzip members made here ---- */

/* Appends data as one gzip member to buf (capacity cap, length *len). */
static void gzip_member(const uint8_t *data, size_t size, uint8_t *buf, size_t cap, size_t *len)
{
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    if (deflateInit2(&zs, 1, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        abort();
    zs.next_in = (Bytef *)(uintptr_t)data;
    zs.avail_in = (uInt)size;
    zs.next_out = buf + *len;
    zs.avail_out = (uInt)(cap - *len);
    if (deflate(&zs, Z_FINISH) != Z_STREAM_END)
        abort(); /* cap comes from deflateBound: always enough */
    *len = cap - zs.avail_out;
    deflateEnd(&zs);
}

static uint8_t *gzip(const uint8_t *data, size_t size, size_t *len)
{
    size_t half = size % 2 ? size / 2 : size;
    size_t cap = 2 * (compressBound((uLong)size) + 64);
    uint8_t *buf = malloc(cap);
    if (!buf)
        abort();
    *len = 0;
    gzip_member(data, half, buf, cap, len);
    if (half < size)
        gzip_member(data + half, size - half, buf, cap, len);
    return buf;
}

/* ---- one load ---- */

static volatile unsigned sink;

static void load(const uint8_t *data, size_t size)
{
    const char *path = fuzz_write_tmp("idx", "", data, size);
    mlpt_idx t;
    mlpt_error err = {0};
    if (mlpt_idx_load(path, &t, &err) == 0) {
        if (t.rank < 1 || t.rank > MLPT_IDX_MAX_RANK || !t.data)
            abort();
        size_t count = 1;
        for (int i = 0; i < t.rank; i++)
            count *= t.dims[i];
        if (count != t.count)
            abort();
        unsigned sum = 0; /* every payload byte must be readable */
        if (t.bytes != t.count * (size_t)t.itemsize)
            abort();
        for (size_t i = 0; i < t.bytes; i++)
            sum += t.data[i];
        sink = sum;
        mlpt_idx_free(&t);
        if (t.data || t.count)
            abort();
    } else {
        static const mlpt_idx zero;
        if (memcmp(&t, &zero, sizeof t) != 0)
            abort(); /* "On failure *out is left zeroed" */
        fuzz_check_error(err.msg, sizeof err.msg, path);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    load(data, size);
    if (size >= 2 && data[0] == 0x1f && data[1] == 0x8b)
        return 0;
    size_t len;
    uint8_t *gz = gzip(data, size, &len);
    load(gz, len);
    free(gz);
    return 0;
}
