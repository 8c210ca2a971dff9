/* mlpt/config.h - one experiment described by an INI file.
 *
 * Format: `[section]` headers, `key = value` lines, comments starting with
 * `;` or `#` (at the start of a line or after whitespace), values may be
 * double-quoted to keep spaces or comment characters. Sections: [data],
 * [model], [train], [run], [report]; `layer` is the only key that may repeat and its
 * lines form the layer stack in order. Every key is checked: an unknown
 * section or key, a duplicate key, a missing required key, or a value of the
 * wrong type or out of range is an error naming the file, the line and what
 * was expected. Keys left out take documented defaults, and each resolved
 * setting records where it came from so that the caller can print them.
 *
 * Relative paths are kept as written: they resolve against the working
 * directory, as paths in a Python script do. */
#ifndef MLPT_CONFIG_H
#define MLPT_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mlpt/error.h"
#include "mlpt/model.h"
#include "mlpt/monitor.h"
#include "mlpt/train.h"

#ifdef __cplusplus
extern "C" {
#endif

#define MLPT_PATH_LEN 4096
#define MLPT_MAX_CLASSES 256
#define MLPT_CLASS_NAME_LEN 48
#define MLPT_MAX_SETTINGS 96
#define MLPT_COLUMNS_LEN 4096 /* column names of one [data] key, NUL-separated */

/* [data] normalize: how each input value is centred and scaled, fitted on
 * the training part only (see mlpt/data.h). */
typedef enum {
    MLPT_NORMALIZE_NONE,
    MLPT_NORMALIZE_STANDARD, /* (x - mean) / std, population std; 1 for a constant */
    MLPT_NORMALIZE_MINMAX    /* (x - min) / (max - min); 1 for a constant */
} mlpt_normalize;

/* The words of mlpt_normalize, in its order, NULL-terminated. */
extern const char *const mlpt_normalize_names[];

/* The figures a run draws ([report] figures), as bits. */
enum {
    MLPT_FIG_SAMPLES = 1 << 0,       /* samples.png */
    MLPT_FIG_PREDICTIONS = 1 << 1,   /* predictions.png */
    MLPT_FIG_MISCLASSIFIED = 1 << 2, /* misclassified.png */
    MLPT_FIG_CURVES = 1 << 3,        /* curves.png */
    MLPT_FIG_CONFUSION = 1 << 4,     /* confusion.png (class tasks) */
    MLPT_FIG_ROC = 1 << 5,           /* roc.png (binary) */
    MLPT_FIG_REGRESSION = 1 << 6,    /* regression.png (regression) */
    MLPT_FIG_LABELS = 1 << 7         /* labels.png (multi-label) */
};

typedef enum {
    MLPT_FROM_FILE,     /* written in the config file */
    MLPT_FROM_OVERRIDE, /* --set or a dedicated flag */
    MLPT_FROM_DEFAULT   /* left out, default applied */
} mlpt_origin;

/* One resolved `key = value`, for printing the effective configuration. */
typedef struct mlpt_setting {
    char section[16];
    char key[32];
    char value[256];
    mlpt_origin origin;
    int line;           /* config line for MLPT_FROM_FILE, else 0 */
} mlpt_setting;

typedef struct mlpt_config {
    char path[MLPT_PATH_LEN];   /* the config file as given */

    /* Two sources: arrays (train_images..., also named train_inputs...)
     * or CSV tables (train, test); train[0] != '\0' picks the tables. The
     * other source's fields stay empty. */
    struct {
        char train_images[MLPT_PATH_LEN], train_labels[MLPT_PATH_LEN];
        char test_images[MLPT_PATH_LEN], test_labels[MLPT_PATH_LEN];
        char train[MLPT_PATH_LEN], test[MLPT_PATH_LEN]; /* CSV tables */
        /* column names, each NUL-terminated one after the other */
        char target[MLPT_COLUMNS_LEN];
        int n_targets;          /* 1, or one per output for value tasks */
        char inputs[MLPT_COLUMNS_LEN];
        int n_inputs;           /* 0: every column but the target */
        char one_hot[MLPT_COLUMNS_LEN];
        int n_one_hot;
        char delimiter;         /* ',' ';' or '\t' */
        double test_split;      /* (0, 1): held out of the training data; 0: test files */
        float scale;            /* >= 1e-3, or 0 (auto: see mlpt_dataset_scale) */
        double validation;      /* fraction held out, [0, 1); default 0 */
        mlpt_normalize normalize;
        int n_classes;          /* 1..MLPT_MAX_CLASSES; 0: auto, the data's sorted values
                                   (and for value tasks, which have no classes) */
        char classes[MLPT_MAX_CLASSES][MLPT_CLASS_NAME_LEN];
    } data;

    mlpt_model_spec model;

    /* optimizer, batch, epochs, shards, shuffle, seed, metrics, schedule */
    mlpt_train_spec train;
    /* [train] early_stopping (monitor.set false: off). */
    mlpt_early_stopping early_stopping;
    /* [train] init: the model file whose weights training starts from
     * instead of the seeded ones; empty: none. */
    char train_init[MLPT_PATH_LEN];

    struct {
        int threads;            /* 0 = auto: one per core this process may use */
        bool bind;              /* pin threads to cores (`bind = cores`) */
        int checkpoint_every;   /* steps between checkpoints within an epoch; 0: epochs only */
        char out[MLPT_PATH_LEN];
        mlpt_monitor save_best; /* set false: none */
    } run;

    struct {
        unsigned figures;       /* MLPT_FIG_* bits; default all */
        int samples;            /* images in samples.png; default 9 */
        int predictions;        /* images in predictions.png; default 12 */
        int misclassified;      /* images in misclassified.png; default 12 */
    } report;

    int n_settings;
    mlpt_setting settings[MLPT_MAX_SETTINGS];
} mlpt_config;

/* One command-line override, `section.key=value` (the flags --threads,
 * --seed, --epochs and --out are the same as --set run.threads=..., etc.). */
typedef struct mlpt_override {
    const char *assignment;
    /* The flag that made it ("--seed"), named in messages with its value
     * as typed, which is taken verbatim; NULL for --set, whose value is
     * trimmed of blanks like the file's. */
    const char *flag;
} mlpt_override;

/* Parses path, applies the overrides in order (each replaces the file's
 * value; an override naming an unknown key, or `model.layer`, is an error
 * naming the override), fills defaults, and checks every value and the
 * relations between them (e.g. the last dense layer's units equal the
 * number of classes). An error found in an override's own value sets
 * err->command_line. */
int mlpt_config_load(const char *path, const mlpt_override *overrides,
                     size_t n_overrides, mlpt_config *cfg, mlpt_error *err);

/* The text mlpt_config_load parses: the whole file (a pipe too),
 * NUL-terminated, for the caller to free; NULL with err when it cannot be
 * read. Read it once and parse it with mlpt_config_parse to keep the text
 * that was trained on. */
char *mlpt_config_read(const char *path, mlpt_error *err);

/* Same as mlpt_config_load for text already in memory; `name` stands for
 * the file in messages. */
int mlpt_config_parse(const char *name, const char *text, const mlpt_override *overrides,
                      size_t n_overrides, mlpt_config *cfg, mlpt_error *err);

/* Where s came from in words: "line 14", "command line" or "default"
 * (buf holds the line's). */
const char *mlpt_setting_origin(const mlpt_setting *s, char buf[32]);

/* Where the nth setting named key came from, with its value, as errors
 * name it: "configs/mnist.ini:14: [model] input = 28x28", or "[model]
 * input = 28x28 (command line)"; the key alone when it is not set. */
const char *mlpt_config_origin(const mlpt_config *cfg, const char *key, int nth, char *buf,
                               size_t cap);

/* The next of the n names packed NUL-separated in list (a [data] column
 * key): NULL after the last. Start with prev = NULL. */
const char *mlpt_config_next_name(const char *list, int n, const char *prev);

/* Parses s as the config parses an unsigned 64-bit value (train.seed):
 * decimal digits only, without sign or blanks, up to UINT64_MAX. Returns
 * false, leaving *out alone, for anything else. */
bool mlpt_config_parse_u64(const char *s, uint64_t *out);

#ifdef __cplusplus
}
#endif
#endif
