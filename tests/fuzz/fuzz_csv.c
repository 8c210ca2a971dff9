/* fuzz_csv.c - libFuzzer target for mlpt_csv_load (dataio/csv.c).
 *
 * The input's first byte picks the delimiter (',', ';' or tab); the rest is
 * the table, written as is to a temporary file (one per process, reused)
 * and loaded, then loaded again gzip-compressed (as one member) when it is
 * not gzip already. Checked on every load: success gives a table whose
 * every cell is a readable string within the text, each number conversion
 * either succeeds with a finite value or fails naming the file; failure
 * leaves the output zeroed and an error naming the file. */
#define _POSIX_C_SOURCE 200809L /* getpid, unlink, strnlen */

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "fuzz_tmp.h"
#include "mlpt/csv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static volatile size_t sink;

static void load(const uint8_t *data, size_t size, char delimiter)
{
    const char *path = fuzz_write_tmp("csv", ".csv", data, size);
    mlpt_csv t;
    mlpt_error err = {0};
    if (mlpt_csv_load(path, delimiter, &t, &err) == 0) {
        if (t.n_cols == 0 || !t.text || !t.cells || !t.lines)
            abort();
        size_t total = 0;
        for (size_t c = 0; c < t.n_cols; c++)
            total += strlen(mlpt_csv_name(&t, c));
        for (size_t r = 0; r < t.n_rows; r++)
            for (size_t c = 0; c < t.n_cols; c++) {
                double v;
                total += strlen(mlpt_csv_cell(&t, r, c));
                if (mlpt_csv_number(&t, r, c, &v, &err) == 0 ? !isfinite(v)
                                                              : strncmp(err.msg, path,
                                                                        strlen(path)) != 0)
                    abort();
            }
        sink = total;
        mlpt_csv_free(&t);
    } else {
        static const mlpt_csv zero;
        if (memcmp(&t, &zero, sizeof t) != 0)
            abort(); /* "On failure *out is left zeroed" */
        /* "PATH: ..." or "PATH:LINE: ..." */
        const size_t plen = strlen(path);
        if (strncmp(err.msg, path, plen) == 0 && err.msg[plen] == ':' &&
            err.msg[plen + 1] >= '0' && err.msg[plen + 1] <= '9') {
            const char *p = err.msg + plen + 1;
            while (*p >= '0' && *p <= '9')
                p++;
            if (strncmp(p, ": ", 2) != 0)
                abort();
        } else {
            fuzz_check_error(err.msg, sizeof err.msg, path);
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    static const char delimiters[] = {',', ';', '\t'};
    const char delimiter = delimiters[data[0] % 3];
    data++, size--;
    load(data, size, delimiter);
    if (size >= 2 && data[0] == 0x1f && data[1] == 0x8b)
        return 0;
    uLongf len = compressBound((uLong)size) + 32;
    uint8_t *gz = malloc(len);
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    if (!gz || deflateInit2(&zs, 1, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        abort();
    zs.next_in = (Bytef *)(uintptr_t)data;
    zs.avail_in = (uInt)size;
    zs.next_out = gz;
    zs.avail_out = (uInt)len;
    if (deflate(&zs, Z_FINISH) != Z_STREAM_END)
        abort();
    load(gz, len - zs.avail_out, delimiter);
    deflateEnd(&zs);
    free(gz);
    return 0;
}
