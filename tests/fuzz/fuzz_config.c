/* fuzz_config.c - libFuzzer target for mlpt_config_parse (dataio/config.c,
 * dataio/ini.c).
 *
 * The input up to its first NUL byte is a config file's text, parsed on
 * its own. When the input holds a NUL byte, the bytes after it (up to the
 * next NUL, as a C string would end) are one `--set` assignment, applied
 * both to that text and to a fixed valid config, so that overrides are
 * exercised even when the fuzzed text does not parse.
 *
 * Checked on every parse: success gives a config whose counts are in range
 * and whose strings are terminated inside their buffers; failure gives a
 * one-line error that names the config (or the override). */
#define _POSIX_C_SOURCE 200809L /* strnlen */

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mlpt/config.h"
#include "mlpt/metrics.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NAME "fuzz.ini"

static const char valid_config[] =
    "[data]\n"
    "train_images = train-images\n"
    "train_labels = train-labels\n"
    "test_images = test-images\n"
    "test_labels = test-labels\n"
    "classes = a b c\n"
    "[model]\n"
    "input = 4x4\n"
    "layer = dense 8 relu\n"
    "layer = dropout 0.25\n"
    "layer = dense 3 softmax\n"
    "[train]\n"
    "optimizer = sgd\n"
    "epochs = 2\n"
    "[run]\n"
    "threads = 1\n"
    "[report]\n"
    "figures = curves\n";

static mlpt_config cfg; /* some 50 KB: not on the stack */

static void terminated(const char *s, size_t cap)
{
    if (strnlen(s, cap) == cap)
        abort();
}

static void check_config(void)
{
    if (cfg.data.n_classes < 0 || cfg.data.n_classes > MLPT_MAX_CLASSES) /* 0: auto */
        abort();
    if (cfg.train.metrics.n < 0 || cfg.train.metrics.n > MLPT_MAX_METRICS ||
        cfg.train.class_weight.n < 0 || cfg.train.class_weight.n > MLPT_MAX_CLASS_WEIGHTS)
        abort();
    for (int m = 0; m < cfg.train.metrics.n; m++)
        if (!cfg.train.metrics.m[m].ops)
            abort();
    if (cfg.model.n_layers < 1 || cfg.model.n_layers > MLPT_MAX_LAYERS)
        abort();
    if (cfg.model.input_rank < 1 || cfg.model.input_rank > MLPT_MAX_INPUT_RANK)
        abort();
    if (cfg.n_settings < 1 || cfg.n_settings > MLPT_MAX_SETTINGS)
        abort();
    terminated(cfg.path, sizeof cfg.path);
    terminated(cfg.data.train_images, sizeof cfg.data.train_images);
    terminated(cfg.data.train_labels, sizeof cfg.data.train_labels);
    terminated(cfg.data.test_images, sizeof cfg.data.test_images);
    terminated(cfg.data.test_labels, sizeof cfg.data.test_labels);
    terminated(cfg.run.out, sizeof cfg.run.out);
    for (int c = 0; c < cfg.data.n_classes; c++)
        terminated(cfg.data.classes[c], sizeof cfg.data.classes[c]);
    for (int i = 0; i < cfg.n_settings; i++) {
        const mlpt_setting *s = &cfg.settings[i];
        terminated(s->section, sizeof s->section);
        terminated(s->key, sizeof s->key);
        terminated(s->value, sizeof s->value);
    }
    /* the last layer fits the loss, and listed classes the task */
    const mlpt_layer_spec *last = &cfg.model.layers[cfg.model.n_layers - 1];
    if (!last->kind->kernel || !last->activation || !cfg.model.loss ||
        strcmp(last->activation->name, cfg.model.loss->activation))
        abort();
    const mlpt_task *task = mlpt_task_of(cfg.model.loss, (size_t)last->units);
    if (cfg.data.n_classes &&
        (task->values || task->classes((size_t)last->units) != cfg.data.n_classes))
        abort();
}

static void check_error(const mlpt_error *err, const char *override)
{
    size_t len = strnlen(err->msg, sizeof err->msg);
    if (len == 0 || len == sizeof err->msg)
        abort();
    /* "fuzz.ini: ...", "fuzz.ini:LINE: ...", "fuzz.ini (default): ..." or
     * "--set ASSIGNMENT: ..." */
    const char *after = err->msg + strlen(NAME);
    bool names_file = !strncmp(err->msg, NAME, strlen(NAME)) &&
                      (after[0] == ':' || !strncmp(after, " (default):", 11));
    bool names_override = override && !strncmp(err->msg, "--set ", 6);
    if (!names_file && !names_override)
        abort();
    /* One line, unless the override itself holds a line break. */
    if (memchr(err->msg, '\n', len) && !(override && strchr(override, '\n')))
        abort();
}

static void parse(const char *text, const char *override)
{
    mlpt_override ov = {override, NULL};
    mlpt_error err = {0};
    if (mlpt_config_parse(NAME, text, override ? &ov : NULL, override ? 1 : 0, &cfg, &err) == 0)
        check_config();
    else
        check_error(&err, override);
}

/* The fixed config must parse, or the overrides applied to it test little. */
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    mlpt_error err = {0};
    if (mlpt_config_parse(NAME, valid_config, NULL, 0, &cfg, &err) != 0) {
        fprintf(stderr, "fuzz_config: the built-in config does not parse: %s\n", err.msg);
        abort();
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* Text, NUL, override, NUL: both always terminated. */
    char *buf = malloc(size + 2);
    if (!buf)
        abort();
    memcpy(buf, data, size);
    buf[size] = buf[size + 1] = '\0';
    const char *nul = memchr(buf, '\0', size);

    parse(buf, NULL);
    if (nul) {
        const char *override = nul + 1;
        parse(buf, override);
        parse(valid_config, override);
    }
    free(buf);
    return 0;
}
