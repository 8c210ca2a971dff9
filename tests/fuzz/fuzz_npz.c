/* fuzz_npz.c - libFuzzer target for mlpt_npz_load (dataio/npz.c).
 *
 * The input is a .npz (zip) archive, written as is to a temporary file (one
 * per process, reused); its array "x" is loaded, as is the archive without
 * a member name (which must fail, listing what it holds). Checked on every
 * load: success gives an array whose dimensions multiply to its count and
 * whose every element is readable; failure leaves the output zeroed and an
 * error naming the file. */
#define _POSIX_C_SOURCE 200809L /* getpid, unlink, strnlen */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz_array.h"
#include "fuzz_tmp.h"
#include "mlpt/npz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Errors about the archive name it ("PATH: ..."); errors about the member
 * name both ("PATH:x: ..."). */
static void check_error(const char *msg, size_t cap, const char *path)
{
    char member[4096 + 8];
    snprintf(member, sizeof member, "%s:x", path);
    if (strncmp(msg, member, strlen(member)) == 0)
        fuzz_check_error(msg, cap, member);
    else
        fuzz_check_error(msg, cap, path);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = fuzz_write_tmp("npz", ".npz", data, size);
    mlpt_array a;
    mlpt_error err = {0};
    if (mlpt_npz_load(path, "x", &a, &err) == 0) {
        fuzz_check_array(&a);
    } else {
        fuzz_check_zeroed(&a);
        check_error(err.msg, sizeof err.msg, path);
    }
    if (mlpt_npz_load(path, NULL, &a, &err) == 0)
        abort();
    fuzz_check_zeroed(&a);
    fuzz_check_error(err.msg, sizeof err.msg, path);
    return 0;
}
