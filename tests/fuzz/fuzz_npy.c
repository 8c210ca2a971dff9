/* fuzz_npy.c - libFuzzer target for mlpt_npy_load (dataio/npy.c).
 *
 * The input is a .npy file, written as is to a temporary file (one per
 * process, reused) and loaded. Checked on every load: success gives an
 * array whose dimensions multiply to its count, of a dtype the reader
 * names, whose every element is readable; failure leaves the output zeroed
 * and an error naming the file. */
#define _POSIX_C_SOURCE 200809L /* getpid, unlink, strnlen */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz_tmp.h"
#include "mlpt/npy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static volatile double sink;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = fuzz_write_tmp("npy", ".npy", data, size);
    mlpt_array a;
    mlpt_error err = {0};
    if (mlpt_npy_load(path, &a, &err) == 0) {
        if (a.rank < 0 || a.rank > MLPT_ARRAY_MAX_RANK || !a.data || !*mlpt_array_dtype_name(&a))
            abort();
        size_t count = 1;
        for (int i = 0; i < a.rank; i++)
            count *= a.dims[i];
        if (count != a.count)
            abort();
        double sum = 0; /* every element must be readable */
        for (size_t i = 0; i < a.count; i++)
            sum += mlpt_array_get(&a, i);
        sink = sum;
        mlpt_array_free(&a);
        if (a.data || a.count)
            abort();
    } else {
        static const mlpt_array zero;
        if (memcmp(&a, &zero, sizeof a) != 0)
            abort(); /* "On failure *out is left zeroed" */
        fuzz_check_error(err.msg, sizeof err.msg, path);
    }
    return 0;
}
