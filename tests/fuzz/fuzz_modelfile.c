/* fuzz_modelfile.c - libFuzzer target for mlpt_model_load
 * (dataio/modelfile.c: safetensors with a JSON header read by jansson).
 *
 * The input is a model file, written as is to a temporary file (one per
 * process, reused) and loaded. Checked on every load: success gives a model
 * whose parameters are all readable and hash to the stored fingerprint,
 * with as many class names as output units; failure leaves nothing
 * allocated and an error naming the file. */
#define _POSIX_C_SOURCE 200809L /* getpid, unlink, strnlen */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz_tmp.h"
#include "mlpt/modelfile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* ---- one load ---- */

static mlpt_model_info info; /* some 12 KB of class names: not on the stack */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = fuzz_write_tmp("modelfile", "", data, size);
    mlpt_model m;
    mlpt_error err = {0};
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
        if (m.params || info.config_text)
            abort(); /* "On failure nothing is left allocated" */
        fuzz_check_error(err.msg, sizeof err.msg, path);
        if (strchr(err.msg, '\n'))
            abort(); /* one line, whatever the file holds */
    }
    return 0;
}
