/* fuzz_modelfile.c - libFuzzer target for mlpt_model_load
 * (dataio/modelfile.c: safetensors with a JSON header read by jansson).
 *
 * The input is a model file, written as is to a temporary file (one per
 * process, reused) and loaded. Checked on every load: success gives a model
 * whose parameters are all readable and hash to the stored fingerprint,
 * with as many class names as output units; failure leaves nothing
 * allocated and an error naming the file. */
#define _POSIX_C_SOURCE 200809L /* getpid, unlink */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mlpt/modelfile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* ---- the temporary file ---- */

static char tmp_path[512];

static void remove_tmp(void)
{
    unlink(tmp_path);
}

static const char *write_tmp(const uint8_t *data, size_t size)
{
    if (!tmp_path[0]) {
        const char *dir = getenv("TMPDIR");
        int n = snprintf(tmp_path, sizeof tmp_path, "%s/mlpt_fuzz_modelfile.%ld",
                         dir && *dir ? dir : "/tmp", (long)getpid());
        if (n < 0 || (size_t)n >= sizeof tmp_path) {
            fprintf(stderr, "fuzz_modelfile: TMPDIR is too long\n");
            abort();
        }
        atexit(remove_tmp);
    }
    FILE *f = fopen(tmp_path, "wb");
    if (!f) {
        perror(tmp_path);
        abort();
    }
    size_t wrote = size ? fwrite(data, 1, size, f) : 0;
    if (fclose(f) != 0 || wrote != size) {
        perror(tmp_path);
        abort();
    }
    return tmp_path;
}

/* ---- one load ---- */

static mlpt_model_info info; /* some 12 KB of class names: not on the stack */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = write_tmp(data, size);
    mlpt_model m;
    mlpt_error err = {{0}};
    if (mlpt_model_load(path, &m, &info, &err) == 0) {
        if (!m.params || !info.config_text || m.n_params == 0)
            abort();
        if (info.n_classes < 1 || info.n_classes > MLPT_MAX_CLASSES ||
            (size_t)info.n_classes != m.output_width)
            abort();
        for (int c = 0; c < info.n_classes; c++)
            if (strnlen(info.classes[c], MLPT_CLASS_NAME_LEN) == MLPT_CLASS_NAME_LEN)
                abort();
        if (!(info.scale > 0.0f))
            abort();
        /* Reads every parameter. */
        if (mlpt_model_fingerprint(&m) != info.fingerprint)
            abort();
        mlpt_model_free(&m);
        mlpt_model_info_free(&info);
    } else {
        size_t plen = strlen(path);
        if (m.params || info.config_text)
            abort(); /* "On failure nothing is left allocated" */
        if (strnlen(err.msg, sizeof err.msg) == sizeof err.msg ||
            strncmp(err.msg, path, plen) != 0 || strncmp(err.msg + plen, ": ", 2) != 0)
            abort(); /* errors read "path: field: what is wrong" */
        if (strchr(err.msg, '\n'))
            abort(); /* one line, whatever the file holds */
    }
    return 0;
}
