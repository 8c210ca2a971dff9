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

#include "fuzz_array.h"
#include "fuzz_tmp.h"
#include "mlpt/npy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = fuzz_write_tmp("npy", ".npy", data, size);
    mlpt_array a;
    mlpt_error err = {0};
    if (mlpt_npy_load(path, &a, &err) == 0) {
        fuzz_check_array(&a);
    } else {
        fuzz_check_zeroed(&a);
        fuzz_check_error(err.msg, sizeof err.msg, path);
    }
    return 0;
}
