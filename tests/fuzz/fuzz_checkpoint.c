/* fuzz_checkpoint.c - libFuzzer target for mlpt_checkpoint_read
 * (dataio/checkpoint.c: a binary header with the format version, history,
 * metric state, settings and up to four float arrays, with a hash of the
 * settings and one of the whole file).
 *
 * The input is a checkpoint. Both hashes are recomputed over the mutated
 * bytes before it is written to a temporary file (one per process, reused)
 * and read: otherwise almost every input would stop at the hash check and
 * the parser behind it would go unexplored (the hash checks themselves are
 * covered by test_resume). Checked on every read: success gives arrays that
 * are all readable (the best weights too, when there are), Adam's second
 * moment exactly when the optimizer is Adam, and settings as long as the
 * header says; failure leaves the
 * checkpoint zeroed and an error naming the file, on one line. */
#define _POSIX_C_SOURCE 200809L /* getpid, unlink, strnlen */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_tmp.h"
#include "hash.h"
#include "le_bytes.h"
#include "mlpt/checkpoint.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static volatile float sink; /* keeps the reads of every element */

/* The layout's offsets (see dataio/checkpoint.c). */
enum { N_METRICS_AT = 8 + 8 * 7, N_HISTORY_AT = 8 + 8 * 9, SETTINGS_LEN_AT = 8 + 8 * 10,
       SETTINGS_HASH_AT = 8 + 8 * 11, STATE_LEN_AT = 8 + 8 * 17, HEADER_BYTES = 8 + 8 * 29 };

/* Makes both hashes of buf[0..size) right for its (mutated) contents. */
static void rehash(unsigned char *buf, size_t size)
{
    if (size < HEADER_BYTES + 8)
        return;
    const uint64_t n_history = get_le64(buf + N_HISTORY_AT), len = get_le64(buf + SETTINGS_LEN_AT),
                   n_metrics = get_le64(buf + N_METRICS_AT),
                   state_len = get_le64(buf + STATE_LEN_AT);
    const uint64_t row_bytes = n_metrics < size ? 8 * (6 + 2 * n_metrics) : size;
    if (n_history < size / row_bytes && len < size && state_len < size / 8) {
        const uint64_t at = HEADER_BYTES + n_history * row_bytes + 8 * state_len;
        if (at + len <= size - 8)
            put_le64(buf + SETTINGS_HASH_AT, mlpt_fnv1a(mlpt_fnv_start, buf + at, (size_t)len));
    }
    put_le64(buf + size - 8, mlpt_fnv1a(mlpt_fnv_start, buf, size - 8));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    unsigned char *buf = malloc(size ? size : 1);
    if (!buf)
        abort();
    memcpy(buf, data, size);
    rehash(buf, size);
    const char *path = fuzz_write_tmp("checkpoint", ".mlpt", buf, size);
    free(buf);
    mlpt_checkpoint c;
    mlpt_error err = {0};
    if (mlpt_checkpoint_read(path, &c, &err) == 0) {
        if (!c.params || !c.state1 || !c.history || !c.settings)
            abort();
        if ((c.optimizer->slots == 2) != (c.state2 != NULL))
            abort();
        float sum = 0.0f; /* reads every element */
        for (size_t i = 0; i < c.n_params; i++)
            sum += c.params[i] + c.state1[i] + (c.state2 ? c.state2[i] : 0.0f) +
                   (c.best_params ? c.best_params[i] : 0.0f);
        for (size_t i = 0; i < c.n_history; i++)
            sum += (float)c.history[i].loss;
        sink = sum;
        if (mlpt_fnv1a(mlpt_fnv_start, (const unsigned char *)c.settings, strlen(c.settings)) !=
            c.settings_hash)
            abort();
        mlpt_checkpoint_free(&c);
    } else {
        if (c.params || c.state1 || c.state2 || c.best_params || c.history || c.settings ||
            c.n_params)
            abort(); /* "On failure c is left zeroed" */
        fuzz_check_error(err.msg, sizeof err.msg, path);
        if (strchr(err.msg, '\n'))
            abort();
    }
    return 0;
}
