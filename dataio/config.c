/* dataio/config.c - the INI experiment description (see mlpt/config.h).
 *
 * Two passes. First the file's items (from the tokenizer in ini.c) and then
 * the --set overrides are collected, unvalidated, into one slot per key (a
 * list for `layer`); both go through record(), so a key is looked up and
 * its quotes checked in one place. Then resolve() walks the schema table in
 * order and hands each key's value, or its default text, to the key's parse
 * function, so file values, overrides and defaults share one validation
 * path. Values stay spans into the caller's text until a parse function
 * stores them: lines have no length limit and nothing is truncated
 * silently. */
#include "mlpt/config.h"
#include "mlpt/metrics.h"
#include "mlpt/monitor.h"
#include "mlpt/schedule.h"

#include "ini.h"
#include "shape.h"

#include <ctype.h>
#include <errno.h>
#include <float.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NUMBER_LEN 64          /* longest number or keyword worth parsing */
#define SHOWN_LEN 96           /* values quoted in messages are clipped to this */

/* One value and where it came from; also the location used in messages. */
typedef struct entry {
    ini_span value;       /* p == NULL: not given */
    mlpt_origin origin;
    int line;             /* file line; 0 for overrides and defaults */
    const char *source;   /* the file name, or the override assignment */
    const char *flag;     /* the flag that made the override; NULL for --set */
    ini_span key;         /* the key as written (an alias: train_inputs); n == 0: the name */
} entry;

typedef enum { SEC_DATA, SEC_MODEL, SEC_TRAIN, SEC_RUN, SEC_REPORT, N_SECTIONS } section_id;

static const char *const section_names[] = {"data", "model", "train", "run", "report", NULL};

/* Schema order: settings are listed, and keys resolved, in this order. Keys
 * whose parsing or default depends on another key come after it. */
typedef enum {
    K_TRAIN_IMAGES, K_TRAIN_LABELS, K_TEST_IMAGES, K_TEST_LABELS,
    K_TRAIN, K_TEST, K_TARGET, K_INPUTS, K_ONE_HOT, K_DELIMITER, K_TEST_SPLIT,
    K_SCALE, K_VALIDATION, K_NORMALIZE, K_CLASSES,
    K_INPUT, K_LAYER,
    K_OPTIMIZER, K_LEARNING_RATE, K_BETA1, K_BETA2, K_EPSILON, K_MOMENTUM, K_RHO,
    K_WEIGHT_DECAY, K_CLIP_NORM,
    K_LOSS, K_BATCH, K_EPOCHS, K_SHARDS, K_SHUFFLE, K_SEED, K_INIT, K_METRICS, K_CLASS_WEIGHT,
    K_SCHEDULE, K_EARLY_STOPPING,
    K_THREADS, K_BIND, K_CHECKPOINT_EVERY, K_OUT, K_SAVE_BEST,
    K_FIGURES, K_SAMPLES, K_PREDICTIONS, K_MISCLASSIFIED,
    N_KEYS
} key_id;

_Static_assert(N_KEYS - 1 + MLPT_MAX_LAYERS <= MLPT_MAX_SETTINGS,
               "every resolved key and layer line must fit in cfg->settings");

typedef struct real_range {
    double lo, hi;
    bool lo_open, hi_open;
} real_range;

#define POSITIVE {0, INFINITY, true, false}
#define NONNEGATIVE {0, INFINITY, false, false}
/* Normal floats only: the engine flushes denormals to zero, which would turn
 * a tiny epsilon into 0 (and 0/0 into NaN weights). */
#define POSITIVE_NORMAL {FLT_MIN, INFINITY, false, false}
/* Inputs are bytes (at most 255) divided by the scale. At 1e-3 they reach
 * 255,000, already a thousand times raw bytes (scale = 1): a first layer's
 * sums of hundreds of them, and their squares in the gradients, stay far
 * inside float's range. Far smaller scales only overflow them, and the run
 * then diverges with a hint about the learning rate, not the scale. */
#define SCALE_RANGE {1e-3, INFINITY, false, false}
#define FRACTION {0, 1, false, true}

/* The [data] keys of one data source: arrays (IDX, NumPy) or CSV tables. */
typedef enum { ANY_SOURCE, ARRAYS, TABLES } data_source;

typedef struct key_def key_def;
typedef int (*parse_fn)(const key_def *k, const entry *e, mlpt_config *cfg, mlpt_error *err);
typedef const char *(*default_fn)(const mlpt_config *cfg, const char *config_name,
                                  char *buf, size_t cap);

struct key_def {
    section_id section;
    const char *name;
    parse_fn parse;
    const char *help;            /* what the value is, for messages */
    size_t field;                /* destination in mlpt_config, for generic parsers */
    long long min, max;          /* integer range (layer: units) */
    real_range range;            /* number range (layer: dropout rate) */
    const char *const *choices;  /* NULL-terminated accepted words */
    const void *const *table;    /* or the names of a table's entries (mlpt/tables.h) */
    const char *dflt;            /* default text */
    default_fn computed_dflt;    /* default that depends on other settings */
    bool required, repeatable;
    const char *alias;           /* another name of the same key */
    data_source source;          /* the data source it belongs to */
    bool test_file;              /* a test file: required unless test_split is set */
};

/* Flags: an odd index means true. */
static const char *const bool_names[] = {"false", "true", "no", "yes", "0", "1", NULL};
static const char *const bind_names[] = {"none", "cores", NULL};
const char *const mlpt_normalize_names[] = {
    [MLPT_NORMALIZE_NONE] = "none", [MLPT_NORMALIZE_STANDARD] = "standard",
    [MLPT_NORMALIZE_MINMAX] = "minmax", NULL};
/* The words of [data] delimiter and the bytes they stand for. */
static const char *const delimiter_names[] = {",", ";", "tab", NULL};
static const char delimiters[] = {',', ';', '\t'};
/* In MLPT_FIG_* bit order. */
static const char *const figure_names[] = {"samples",   "predictions", "misclassified",
                                           "curves",    "confusion",   "roc",
                                           "regression", "labels",     NULL};

static int parse_path(const key_def *k, const entry *e, mlpt_config *cfg, mlpt_error *err);
static int parse_init(const key_def *k, const entry *e, mlpt_config *cfg, mlpt_error *err);
static int parse_int(const key_def *k, const entry *e, mlpt_config *cfg, mlpt_error *err);
static int parse_u64(const key_def *k, const entry *e, mlpt_config *cfg, mlpt_error *err);
static int parse_float(const key_def *k, const entry *e, mlpt_config *cfg, mlpt_error *err);
static int parse_double(const key_def *k, const entry *e, mlpt_config *cfg, mlpt_error *err);
static int parse_flag(const key_def *k, const entry *e, mlpt_config *cfg, mlpt_error *err);
static int parse_classes(const key_def *k, const entry *e, mlpt_config *cfg, mlpt_error *err);
static int parse_input(const key_def *k, const entry *e, mlpt_config *cfg, mlpt_error *err);
static int parse_layer(const key_def *k, const entry *e, mlpt_config *cfg, mlpt_error *err);
static int parse_optimizer(const key_def *k, const entry *e, mlpt_config *cfg, mlpt_error *err);
static int parse_loss(const key_def *k, const entry *e, mlpt_config *cfg, mlpt_error *err);
static int parse_metrics(const key_def *k, const entry *e, mlpt_config *cfg, mlpt_error *err);
static int parse_schedule(const key_def *k, const entry *e, mlpt_config *cfg, mlpt_error *err);
static int parse_early_stopping(const key_def *k, const entry *e, mlpt_config *cfg,
                                mlpt_error *err);
static int parse_save_best(const key_def *k, const entry *e, mlpt_config *cfg, mlpt_error *err);
static int parse_threads(const key_def *k, const entry *e, mlpt_config *cfg, mlpt_error *err);
static int parse_class_weight(const key_def *k, const entry *e, mlpt_config *cfg,
                              mlpt_error *err);
static int parse_scale(const key_def *k, const entry *e, mlpt_config *cfg, mlpt_error *err);
static int parse_figures(const key_def *k, const entry *e, mlpt_config *cfg, mlpt_error *err);
static int parse_columns(const key_def *k, const entry *e, mlpt_config *cfg, mlpt_error *err);
static int parse_delimiter(const key_def *k, const entry *e, mlpt_config *cfg, mlpt_error *err);
static int parse_normalize(const key_def *k, const entry *e, mlpt_config *cfg, mlpt_error *err);
static const char *default_learning_rate(const mlpt_config *cfg, const char *config_name,
                                         char *buf, size_t cap);
static const char *default_out(const mlpt_config *cfg, const char *config_name,
                               char *buf, size_t cap);

#define AT(member) .field = offsetof(mlpt_config, member)

static const key_def keys[N_KEYS] = {
    [K_TRAIN_IMAGES] = {SEC_DATA, "train_images", parse_path,
        "path to the IDX image file for training", AT(data.train_images), .required = true,
        .alias = "train_inputs", .source = ARRAYS},
    [K_TRAIN_LABELS] = {SEC_DATA, "train_labels", parse_path,
        "path to the IDX label file for training", AT(data.train_labels), .required = true,
        .alias = "train_targets", .source = ARRAYS},
    [K_TEST_IMAGES] = {SEC_DATA, "test_images", parse_path,
        "path to the IDX image file for evaluation", AT(data.test_images), .required = true,
        .alias = "test_inputs", .source = ARRAYS, .test_file = true},
    [K_TEST_LABELS] = {SEC_DATA, "test_labels", parse_path,
        "path to the IDX label file for evaluation", AT(data.test_labels), .required = true,
        .alias = "test_targets", .source = ARRAYS, .test_file = true},
    [K_TRAIN] = {SEC_DATA, "train", parse_path, "path to the CSV table for training",
        AT(data.train), .source = TABLES},
    [K_TEST] = {SEC_DATA, "test", parse_path, "path to the CSV table for evaluation",
        AT(data.test), .required = true, .source = TABLES, .test_file = true},
    [K_TARGET] = {SEC_DATA, "target", parse_columns,
        "the target column's name (value tasks: one column per output)", AT(data.target),
        .min = 1, .max = MLPT_MAX_CLASSES, .required = true, .source = TABLES},
    [K_INPUTS] = {SEC_DATA, "inputs", parse_columns,
        "the input columns' names, or all (every column but the target)", AT(data.inputs),
        .max = MLPT_COLUMNS_LEN, .dflt = "all", .source = TABLES},
    [K_ONE_HOT] = {SEC_DATA, "one_hot", parse_columns,
        "input columns of words, one-hot encoded, or none", AT(data.one_hot),
        .max = MLPT_COLUMNS_LEN, .dflt = "none", .source = TABLES},
    [K_DELIMITER] = {SEC_DATA, "delimiter", parse_delimiter, "the CSV field separator",
        .choices = delimiter_names, .dflt = ",", .source = TABLES},
    [K_TEST_SPLIT] = {SEC_DATA, "test_split", parse_double,
        "the fraction of the training data held out as the test set, stratified by class",
        AT(data.test_split), .range = {0, 1, true, true}},
    [K_SCALE] = {SEC_DATA, "scale", parse_scale, "the divisor of every input value",
        AT(data.scale), .range = SCALE_RANGE, .dflt = "auto"},
    [K_VALIDATION] = {SEC_DATA, "validation", parse_double,
        "the fraction of the training set held out each epoch", AT(data.validation),
        .range = FRACTION, .dflt = "0"},
    [K_NORMALIZE] = {SEC_DATA, "normalize", parse_normalize,
        "none, standard or minmax, fitted per input on the training part",
        .choices = mlpt_normalize_names, .dflt = "none"},
    [K_CLASSES] = {SEC_DATA, "classes", parse_classes,
        "auto (the training data's sorted distinct targets), or the class names in label "
        "order, separated by blanks", .dflt = "auto"},
    [K_INPUT] = {SEC_MODEL, "input", parse_input, "the input dimensions, such as 784 or 28x28",
        .required = true},
    [K_LAYER] = {SEC_MODEL, "layer", parse_layer, "a layer: its kind and arguments, one line per layer",
        .required = true, .repeatable = true},
    [K_OPTIMIZER] = {SEC_TRAIN, "optimizer", parse_optimizer, "the update rule",
        .table = MLPT_TABLE(mlpt_optimizers), .dflt = "adam"},
    [K_LEARNING_RATE] = {SEC_TRAIN, "learning_rate", parse_float, "the step size",
        AT(train.optimizer.learning_rate), .range = POSITIVE,
        .computed_dflt = default_learning_rate},
    [K_BETA1] = {SEC_TRAIN, "beta1", parse_float, "adam's first-moment decay",
        AT(train.optimizer.beta1), .range = FRACTION, .dflt = "0.9"},
    [K_BETA2] = {SEC_TRAIN, "beta2", parse_float, "adam's second-moment decay",
        AT(train.optimizer.beta2), .range = FRACTION, .dflt = "0.999"},
    [K_EPSILON] = {SEC_TRAIN, "epsilon", parse_float, "the denominator's guard",
        AT(train.optimizer.epsilon), .range = POSITIVE_NORMAL, .dflt = "1e-7"},
    [K_MOMENTUM] = {SEC_TRAIN, "momentum", parse_float, "sgd's velocity decay",
        AT(train.optimizer.momentum), .range = FRACTION, .dflt = "0"},
    [K_RHO] = {SEC_TRAIN, "rho", parse_float, "rmsprop's squared-gradient decay",
        AT(train.optimizer.rho), .range = FRACTION, .dflt = "0.9"},
    [K_WEIGHT_DECAY] = {SEC_TRAIN, "weight_decay", parse_float,
        "kernels' weight decay: adam decoupled (AdamW), sgd and rmsprop L2",
        AT(train.optimizer.weight_decay), .range = NONNEGATIVE, .dflt = "0"},
    [K_CLIP_NORM] = {SEC_TRAIN, "clip_norm", parse_float,
        "the global gradient norm it is clipped to (Keras's global_clipnorm), or 0: none",
        AT(train.clip_norm), .range = NONNEGATIVE, .dflt = "0"},
    [K_LOSS] = {SEC_TRAIN, "loss", parse_loss, "the loss the model minimises, and its "
        "parameter if it takes one (huber DELTA)", .table = MLPT_TABLE(mlpt_losses),
        .dflt = "sparse_categorical_crossentropy"},
    [K_BATCH] = {SEC_TRAIN, "batch", parse_int, "samples per step", AT(train.batch),
        .min = 1, .max = 65536, .dflt = "32"},
    [K_EPOCHS] = {SEC_TRAIN, "epochs", parse_int, "passes over the training set",
        AT(train.epochs), .min = 1, .max = 100000, .dflt = "10"},
    [K_SHARDS] = {SEC_TRAIN, "shards", parse_int, "logical shards per batch",
        AT(train.shards), .min = 1, .max = MLPT_MAX_SHARDS, .dflt = "8"},
    [K_SHUFFLE] = {SEC_TRAIN, "shuffle", parse_flag, "true or false", AT(train.shuffle),
        .choices = bool_names, .dflt = "true"},
    [K_SEED] = {SEC_TRAIN, "seed", parse_u64, "an unsigned 64-bit integer", AT(train.seed),
        .dflt = "42"},
    [K_INIT] = {SEC_TRAIN, "init", parse_init,
        "the model file whose weights training starts from, or none", AT(train_init),
        .dflt = "none"},
    [K_METRICS] = {SEC_TRAIN, "metrics", parse_metrics,
        "auto (the task's usual ones), or metric names (loss is always computed)",
        .table = MLPT_TABLE(mlpt_metrics), .dflt = "auto"},
    [K_CLASS_WEIGHT] = {SEC_TRAIN, "class_weight", parse_class_weight,
        "none, balanced (n / (classes x count), on the training rows), or one weight per "
        "class in label order", .dflt = "none"},
    [K_SCHEDULE] = {SEC_TRAIN, "schedule", parse_schedule,
        "the learning rate over the run", .table = MLPT_TABLE(mlpt_schedules),
        .dflt = "constant"},
    [K_EARLY_STOPPING] = {SEC_TRAIN, "early_stopping", parse_early_stopping,
        "MONITOR PATIENCE [min_delta D]: stop after PATIENCE epochs without improvement and "
        "restore the best weights, or none", .max = 100000, .dflt = "none"},
    [K_THREADS] = {SEC_RUN, "threads", parse_threads, "auto or a thread count",
        .min = 1, .max = 1024, .dflt = "auto"},
    [K_BIND] = {SEC_RUN, "bind", parse_flag, "cores or none", AT(run.bind),
        .choices = bind_names, .dflt = "cores"},
    [K_CHECKPOINT_EVERY] = {SEC_RUN, "checkpoint_every", parse_int,
        "steps between checkpoints within an epoch (0: at the end of each epoch only)",
        AT(run.checkpoint_every), .min = 0, .max = 1000000000, .dflt = "0"},
    [K_OUT] = {SEC_RUN, "out", parse_path, "the output directory", AT(run.out),
        .computed_dflt = default_out},
    [K_SAVE_BEST] = {SEC_RUN, "save_best", parse_save_best,
        "MONITOR: also write best.safetensors whenever it improves, or none", .dflt = "none"},
    [K_FIGURES] = {SEC_REPORT, "figures", parse_figures,
        "figures to draw where the task has them: all, none, or any of samples predictions "
        "misclassified curves confusion roc regression labels", .dflt = "all"},
    [K_SAMPLES] = {SEC_REPORT, "samples", parse_int, "training images in samples.png",
        AT(report.samples), .min = 1, .max = 100, .dflt = "9"},
    [K_PREDICTIONS] = {SEC_REPORT, "predictions", parse_int,
        "test images in predictions.png", AT(report.predictions), .min = 1, .max = 100,
        .dflt = "12"},
    [K_MISCLASSIFIED] = {SEC_REPORT, "misclassified", parse_int,
        "wrongly predicted test images in misclassified.png", AT(report.misclassified),
        .min = 1, .max = 100, .dflt = "12"},
};

/* Everything collected from the file and the overrides, not yet checked. */
typedef struct ini_values {
    const char *name;
    bool section_seen[N_SECTIONS];
    entry slots[N_KEYS];              /* unused for the repeatable `layer` */
    entry layers[MLPT_MAX_LAYERS];
    int n_layers;
} ini_values;

/* ---- names ---- */

/* Index of s in a NULL-terminated list, or -1. */
static int find_name(ini_span s, const char *const *names)
{
    return mlpt_name_index(names, s.p, s.n);
}

static void append(char *buf, size_t cap, const char *s)
{
    size_t len = strlen(buf);
    if (len < cap) snprintf(buf + len, cap - len, "%s", s);
}

static void join_names(const char *const *names, char *buf, size_t cap)
{
    buf[0] = '\0';
    for (int i = 0; names[i]; i++) {
        if (i) append(buf, cap, " ");
        append(buf, cap, names[i]);
    }
}

/* ---- messages ---- */

static void locate(const entry *e, char *buf, size_t cap)
{
    switch (e->origin) {
    case MLPT_FROM_FILE: snprintf(buf, cap, "%s:%d", e->source, e->line); break;
    case MLPT_FROM_OVERRIDE:
        if (e->flag)
            snprintf(buf, cap, "%s %s", e->flag, strchr(e->source, '=') + 1);
        else
            snprintf(buf, cap, "--set %s", e->source);
        break;
    case MLPT_FROM_DEFAULT: snprintf(buf, cap, "%s (default)", e->source); break;
    }
}

__attribute__((format(printf, 3, 4)))
static int fail_at(const entry *e, mlpt_error *err, const char *fmt, ...)
{
    char where[MLPT_ERROR_LEN], what[MLPT_ERROR_LEN];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    locate(e, where, sizeof where);
    mlpt_fail(err, "%s: %s", where, what);
    if (err)
        err->command_line = e->origin == MLPT_FROM_OVERRIDE;
    return -1;
}

/* "FILE:LINE: [section] key = VALUE: <what was expected>" */
__attribute__((format(printf, 4, 5)))
static int fail_value(const key_def *k, const entry *e, mlpt_error *err, const char *fmt, ...)
{
    char what[MLPT_ERROR_LEN], shown[SHOWN_LEN];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    char name[SHOWN_LEN];
    if (e->key.n)
        ini_clip(name, sizeof name, e->key);
    else
        snprintf(name, sizeof name, "%s", k->name);
    return fail_at(e, err, "[%s] %s = %s: %s", section_names[k->section], name,
                   ini_clip(shown, sizeof shown, e->value), what);
}

static void list_sections(char *buf, size_t cap)
{
    buf[0] = '\0';
    for (int s = 0; s < N_SECTIONS; s++) {
        append(buf, cap, s ? " [" : "[");
        append(buf, cap, section_names[s]);
        append(buf, cap, "]");
    }
}

static void list_keys(section_id section, bool required_only, char *buf, size_t cap)
{
    buf[0] = '\0';
    for (int k = 0; k < N_KEYS; k++) {
        if (keys[k].section != section || (required_only && !keys[k].required)) continue;
        if (buf[0]) append(buf, cap, " ");
        append(buf, cap, keys[k].name);
    }
}

static int fail_unknown_section(ini_span name, const entry *e, mlpt_error *err)
{
    char known[64], shown[SHOWN_LEN];
    list_sections(known, sizeof known);
    return fail_at(e, err, "unknown section [%s]; expected one of %s",
                   ini_clip(shown, sizeof shown, name), known);
}

static int fail_unknown_key(section_id section, ini_span key, const entry *e, mlpt_error *err)
{
    char known[256], hint[64] = "", shown[SHOWN_LEN];
    list_keys(section, false, known, sizeof known);
    for (int k = 0; k < N_KEYS; k++)
        if (keys[k].section != section && ini_span_eq(key, keys[k].name)) {
            snprintf(hint, sizeof hint, "; did you mean [%s] %s?",
                     section_names[keys[k].section], keys[k].name);
            break;
        }
    return fail_at(e, err, "unknown key '%s' in [%s]; its keys are: %s%s",
                   ini_clip(shown, sizeof shown, key), section_names[section], known, hint);
}

/* ---- pass 1: collecting values ---- */

static int find_key(section_id section, ini_span name)
{
    for (int k = 0; k < N_KEYS; k++)
        if (keys[k].section == section &&
            (ini_span_eq(name, keys[k].name) || (keys[k].alias && ini_span_eq(name, keys[k].alias))))
            return k;
    return -1;
}

/* Stores one value given in the file or by an override. */
static int record(ini_values *v, section_id section, ini_span key, const entry *e,
                  mlpt_error *err)
{
    int id = find_key(section, key);
    if (id < 0) return fail_unknown_key(section, key, e, err);
    const key_def *k = &keys[id];
    const char *sec = section_names[section];
    if (k->repeatable && e->origin == MLPT_FROM_OVERRIDE)
        return fail_at(e, err, "[%s] %s cannot be overridden: the %s lines form an ordered "
                       "stack; edit the config file", sec, k->name, k->name);
    if (!e->value.n)
        return fail_at(e, err, "[%s] %s has an empty value (%s)", sec, k->name, k->help);
    if (ini_has_open_quote(e->value)) return fail_value(k, e, err, "unterminated double quote");
    if (k->repeatable) {
        if (v->n_layers == MLPT_MAX_LAYERS)
            return fail_value(k, e, err, "more than %d layers", MLPT_MAX_LAYERS);
        v->layers[v->n_layers++] = *e;
        return 0;
    }
    entry *slot = &v->slots[id];
    char first[SHOWN_LEN], second[SHOWN_LEN];
    ini_clip(first, sizeof first, slot->key);
    ini_clip(second, sizeof second, key);
    if (slot->value.p && e->origin == MLPT_FROM_FILE && strcmp(first, second))
        return fail_at(e, err, "[%s] %s (line %d) and %s (line %d) are two names of one key; "
                       "give one", sec, first, slot->line, second, e->line);
    if (slot->value.p && e->origin == MLPT_FROM_FILE)
        return fail_at(e, err, "[%s] %s is set twice, on lines %d and %d; only layer may repeat",
                       sec, k->name, slot->line, e->line);
    *slot = *e;
    slot->key = key;
    return 0;
}

static int read_file_values(ini_values *v, const char *text, mlpt_error *err)
{
    ini_reader reader;
    ini_item item;
    int rc, section = -1;
    ini_start(&reader, v->name, text);
    while ((rc = ini_next(&reader, &item, err)) > 0) {
        entry e = {item.value, MLPT_FROM_FILE, item.line, v->name, NULL, item.key};
        if (!item.key.n) { /* a header */
            section = find_name(item.section, section_names);
            if (section < 0) return fail_unknown_section(item.section, &e, err);
            v->section_seen[section] = true;
        } else if (record(v, (section_id)section, item.key, &e, err)) {
            return -1;
        }
    }
    return rc;
}

static int read_override(ini_values *v, const mlpt_override *o, mlpt_error *err)
{
    const char *assignment = o->assignment;
    entry e = {.origin = MLPT_FROM_OVERRIDE, .source = assignment, .flag = o->flag};
    const char *eq = strchr(assignment, '=');
    const char *dot = eq ? memchr(assignment, '.', (size_t)(eq - assignment)) : NULL;
    if (!dot) return fail_at(&e, err, "expected section.key=value, such as train.epochs=3");
    ini_span section = ini_trim(ini_span_between(assignment, dot));
    int s = find_name(section, section_names);
    if (s < 0) return fail_unknown_section(section, &e, err);
    e.value = o->flag ? ini_span_of(eq + 1) : ini_trim(ini_span_of(eq + 1));
    return record(v, (section_id)s, ini_trim(ini_span_between(dot + 1, eq)), &e, err);
}

/* ---- pass 2: the parse functions, one per kind of value ---- */

static void *field_of(mlpt_config *cfg, const key_def *k) { return (char *)cfg + k->field; }

/* strtoll with every check: digits only after an optional sign, no junk. */
static bool parse_integer(const char *s, long long min, long long max, long long *out)
{
    char *end;
    if (isspace((unsigned char)s[0])) return false;
    errno = 0;
    long long x = strtoll(s, &end, 10);
    if (end == s || *end || errno || x < min || x > max) return false;
    *out = x;
    return true;
}

/* Digits only: strtoull would accept "-1" and wrap it. */
bool mlpt_config_parse_u64(const char *s, uint64_t *out)
{
    char *end;
    if (!isdigit((unsigned char)s[0])) return false;
    errno = 0;
    unsigned long long x = strtoull(s, &end, 10);
    if (*end || errno || x > UINT64_MAX) return false;
    *out = x;
    return true;
}

/* Checks the range after rounding to float when the field is a float, so
 * that e.g. beta1 = 0.999999999 (1.0f) is refused rather than stored. */
static bool parse_real(const char *s, const real_range *r, bool as_float, double *out)
{
    char *end;
    if (isspace((unsigned char)s[0])) return false;
    errno = 0;
    double x = strtod(s, &end);
    if (end == s || *end || errno == ERANGE) return false;
    if (as_float) x = (float)x;
    bool above = r->lo_open ? x > r->lo : x >= r->lo;
    bool below = r->hi_open ? x < r->hi : x <= r->hi;
    if (!isfinite(x) || !above || !below) return false;
    *out = x;
    return true;
}

static void describe_range(const real_range *r, char *buf, size_t cap)
{
    if (isinf(r->hi))
        snprintf(buf, cap, "a number %s %g", r->lo_open ? ">" : ">=", r->lo);
    else
        snprintf(buf, cap, "a number in %c%g, %g%c", r->lo_open ? '(' : '[', r->lo, r->hi,
                 r->hi_open ? ')' : ']');
}

static int real_value(const key_def *k, const entry *e, bool as_float, double *x,
                      mlpt_error *err)
{
    char buf[NUMBER_LEN], what[64];
    if (ini_unquote(e->value, buf, sizeof buf) < sizeof buf &&
        parse_real(buf, &k->range, as_float, x))
        return 0;
    describe_range(&k->range, what, sizeof what);
    return fail_value(k, e, err, "expected %s", what);
}

static int choice_value(const key_def *k, const entry *e, int *index, mlpt_error *err)
{
    char buf[NUMBER_LEN], names[128];
    if (ini_unquote(e->value, buf, sizeof buf) < sizeof buf &&
        (*index = find_name(ini_span_of(buf), k->choices)) >= 0)
        return 0;
    join_names(k->choices, names, sizeof names);
    return fail_value(k, e, err, "expected one of %s", names);
}

/* The entry of k's table named by the value. */
static int entry_value(const key_def *k, const entry *e, const void **out, mlpt_error *err)
{
    char buf[NUMBER_LEN], names[256];
    if (ini_unquote(e->value, buf, sizeof buf) < sizeof buf &&
        (*out = mlpt_table_find(k->table, buf, strlen(buf))))
        return 0;
    return fail_value(k, e, err, "expected one of %s",
                      mlpt_table_names(k->table, " ", names, sizeof names));
}

static int parse_path(const key_def *k, const entry *e, mlpt_config *cfg, mlpt_error *err)
{
    size_t len = ini_unquote(e->value, field_of(cfg, k), MLPT_PATH_LEN);
    if (len == 0 || len >= MLPT_PATH_LEN)
        return fail_value(k, e, err, "expected a non-empty path shorter than %d characters",
                          MLPT_PATH_LEN);
    return 0;
}

/* A path, or the word none (unquoted: "none" quoted is a file of that
 * name), which leaves the field empty. */
static int parse_init(const key_def *k, const entry *e, mlpt_config *cfg, mlpt_error *err)
{
    if (ini_span_eq(e->value, "none")) {
        *(char *)field_of(cfg, k) = '\0';
        return 0;
    }
    return parse_path(k, e, cfg, err);
}

static int parse_int(const key_def *k, const entry *e, mlpt_config *cfg, mlpt_error *err)
{
    char buf[NUMBER_LEN];
    long long x;
    if (ini_unquote(e->value, buf, sizeof buf) >= sizeof buf ||
        !parse_integer(buf, k->min, k->max, &x))
        return fail_value(k, e, err, "expected an integer from %lld to %lld", k->min, k->max);
    *(int *)field_of(cfg, k) = (int)x;
    return 0;
}

static int parse_u64(const key_def *k, const entry *e, mlpt_config *cfg, mlpt_error *err)
{
    char buf[NUMBER_LEN];
    uint64_t x;
    if (ini_unquote(e->value, buf, sizeof buf) >= sizeof buf || !mlpt_config_parse_u64(buf, &x))
        return fail_value(k, e, err, "expected an integer from 0 to %" PRIu64, UINT64_MAX);
    *(uint64_t *)field_of(cfg, k) = x;
    return 0;
}

static int parse_float(const key_def *k, const entry *e, mlpt_config *cfg, mlpt_error *err)
{
    double x = 0.0;
    if (real_value(k, e, true, &x, err)) return -1;
    *(float *)field_of(cfg, k) = (float)x;
    return 0;
}

static int parse_double(const key_def *k, const entry *e, mlpt_config *cfg, mlpt_error *err)
{
    double x = 0.0;
    if (real_value(k, e, false, &x, err)) return -1;
    *(double *)field_of(cfg, k) = x;
    return 0;
}

/* Two-valued keys list their words false-first in pairs (see bool_names). */
static int parse_flag(const key_def *k, const entry *e, mlpt_config *cfg, mlpt_error *err)
{
    int index = 0;
    if (choice_value(k, e, &index, err)) return -1;
    *(bool *)field_of(cfg, k) = index % 2;
    return 0;
}

static int parse_optimizer(const key_def *k, const entry *e, mlpt_config *cfg, mlpt_error *err)
{
    const void *kind;
    if (entry_value(k, e, &kind, err)) return -1;
    cfg->train.optimizer.kind = kind;
    return 0;
}

/* NAME [PARAM]: a loss, and its parameter when it takes one. */
static int parse_loss(const key_def *k, const entry *e, mlpt_config *cfg, mlpt_error *err)
{
    char name[NUMBER_LEN], param[NUMBER_LEN], names[256], extra[NUMBER_LEN];
    size_t len;
    ini_span rest = e->value;
    const mlpt_loss_ops *loss = NULL;
    if (ini_next_word(&rest, name, sizeof name, &len) && len < sizeof name)
        loss = mlpt_loss_named(name);
    if (!loss)
        return fail_value(k, e, err, "expected one of %s",
                          mlpt_table_names(k->table, " ", names, sizeof names));
    cfg->model.loss = loss;
    cfg->model.loss_param = loss->param ? loss->param_default : 0.0f;
    if (!ini_next_word(&rest, param, sizeof param, &len))
        return 0;
    const real_range range = {0, loss->param ? loss->param_max : 0, true, false};
    double x;
    if (!loss->param)
        return fail_value(k, e, err, "%s takes no parameter", loss->name);
    if (len >= sizeof param || !parse_real(param, &range, true, &x))
        return fail_value(k, e, err, "%s %s '%.32s': expected a number above 0", loss->name,
                          loss->param, param);
    if (ini_next_word(&rest, extra, sizeof extra, &len))
        return fail_value(k, e, err, "expected `%s [%s]`", loss->name, loss->param);
    cfg->model.loss_param = (float)x;
    return 0;
}

/* A schedule line (mlpt_schedule_parse), for the epochs resolved before it. */
static int parse_schedule(const key_def *k, const entry *e, mlpt_config *cfg, mlpt_error *err)
{
    char text[128];
    mlpt_why why;
    if (ini_unquote(e->value, text, sizeof text) >= sizeof text)
        return fail_value(k, e, err, "longer than %zu characters", sizeof text - 1);
    if (mlpt_schedule_parse(text, cfg->train.epochs, &cfg->train.schedule, &why) < 0)
        return fail_value(k, e, err, "%s", why.msg);
    return 0;
}

/* A monitor word against the metrics and the validation split resolved
 * before it. */
static int monitor_value(const key_def *k, const entry *e, const char *word, mlpt_config *cfg,
                         mlpt_monitor *m, mlpt_error *err)
{
    mlpt_why why;
    if (mlpt_monitor_parse(word, &cfg->train.metrics, cfg->data.validation > 0, m, &why) < 0)
        return fail_value(k, e, err, "%s", why.msg);
    return 0;
}

/* none, or MONITOR PATIENCE [min_delta D]. */
static int parse_early_stopping(const key_def *k, const entry *e, mlpt_config *cfg,
                                mlpt_error *err)
{
    static const real_range delta = {0, INFINITY, false, false};
    char word[NUMBER_LEN], patience[NUMBER_LEN], key[NUMBER_LEN], value[NUMBER_LEN];
    size_t len;
    ini_span rest = e->value;
    mlpt_early_stopping *es = &cfg->early_stopping;
    *es = (mlpt_early_stopping){0};
    if (ini_span_eq(e->value, "none"))
        return 0;
    long long wait = 0;
    double min_delta = 0.0;
    const bool monitor = ini_next_word(&rest, word, sizeof word, &len) && len < sizeof word;
    if (!monitor || !ini_next_word(&rest, patience, sizeof patience, &len) ||
        len >= sizeof patience)
        return fail_value(k, e, err, "expected none or `MONITOR PATIENCE [min_delta D]`");
    if (monitor_value(k, e, word, cfg, &es->monitor, err) < 0)
        return -1;
    if (!parse_integer(patience, 0, k->max, &wait))
        return fail_value(k, e, err, "patience '%.32s': expected an integer from 0 to %lld",
                          patience, k->max);
    if (ini_next_word(&rest, key, sizeof key, &len)) {
        if (strcmp(key, "min_delta") || !ini_next_word(&rest, value, sizeof value, &len) ||
            len >= sizeof value || ini_next_word(&rest, word, sizeof word, &len))
            return fail_value(k, e, err, "expected `MONITOR PATIENCE [min_delta D]`");
        if (!parse_real(value, &delta, false, &min_delta))
            return fail_value(k, e, err, "min_delta '%.32s': expected a number >= 0", value);
    }
    es->patience = (int)wait;
    es->min_delta = min_delta;
    return 0;
}

/* none, or a monitor. */
static int parse_save_best(const key_def *k, const entry *e, mlpt_config *cfg, mlpt_error *err)
{
    char word[NUMBER_LEN], extra[NUMBER_LEN];
    size_t len;
    ini_span rest = e->value;
    cfg->run.save_best = (mlpt_monitor){0};
    if (ini_span_eq(e->value, "none"))
        return 0;
    if (!ini_next_word(&rest, word, sizeof word, &len) || len >= sizeof word ||
        ini_next_word(&rest, extra, sizeof extra, &len))
        return fail_value(k, e, err, "expected none, or one MONITOR: loss, val_loss, or a "
                          "metric's name with or without val_");
    return monitor_value(k, e, word, cfg, &cfg->run.save_best, err);
}

static int parse_threads(const key_def *k, const entry *e, mlpt_config *cfg, mlpt_error *err)
{
    char buf[NUMBER_LEN];
    long long x = 0; /* auto */
    bool ok = ini_unquote(e->value, buf, sizeof buf) < sizeof buf &&
              (!strcmp(buf, "auto") || parse_integer(buf, k->min, k->max, &x));
    if (!ok)
        return fail_value(k, e, err, "expected auto or an integer from %lld to %lld", k->min,
                          k->max);
    cfg->run.threads = (int)x;
    return 0;
}

/* auto (0: the data decides, see mlpt_dataset_scale) or a number. */
static int parse_scale(const key_def *k, const entry *e, mlpt_config *cfg, mlpt_error *err)
{
    char buf[NUMBER_LEN], what[64];
    double x = 0; /* auto */
    if (ini_unquote(e->value, buf, sizeof buf) < sizeof buf &&
        (!strcmp(buf, "auto") || parse_real(buf, &k->range, true, &x))) {
        cfg->data.scale = (float)x;
        return 0;
    }
    describe_range(&k->range, what, sizeof what);
    return fail_value(k, e, err, "expected auto (255 for byte inputs, 1 for others) or %s",
                      what);
}

/* The length of the valid UTF-8 prefix of s[0..n) (n when all of it is).
 * Strict UTF-8 (RFC 3629), as jansson's json_string requires: no overlong
 * forms, surrogates or code points above U+10FFFF. */
static size_t utf8_prefix(const unsigned char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        const unsigned char c = s[i];
        /* The sequence's length, and the range of its second byte, which
         * after E0, ED, F0 and F4 is narrower than 80..BF. */
        size_t len = 0;
        unsigned char lo = 0x80, hi = 0xbf;
        if (c < 0x80)
            len = 1;
        else if (c >= 0xc2 && c <= 0xdf)
            len = 2;
        else if (c >= 0xe0 && c <= 0xef)
            len = 3, lo = c == 0xe0 ? 0xa0 : 0x80, hi = c == 0xed ? 0x9f : 0xbf;
        else if (c >= 0xf0 && c <= 0xf4)
            len = 4, lo = c == 0xf0 ? 0x90 : 0x80, hi = c == 0xf4 ? 0x8f : 0xbf;
        if (len == 0 || i + len > n)
            return i;
        for (size_t j = 1; j < len; j++, lo = 0x80, hi = 0xbf)
            if (s[i + j] < lo || s[i + j] > hi)
                return i;
        i += len;
    }
    return i;
}

/* Config text is UTF-8 (it is saved in the model file's JSON metadata): the
 * first bad byte's line is named, before anything is trained. */
static int check_utf8(const char *name, const char *text, mlpt_error *err)
{
    const size_t n = strlen(text), good = utf8_prefix((const unsigned char *)text, n);
    if (good == n)
        return 0;
    int line = 1;
    for (size_t i = 0; i < good; i++)
        line += text[i] == '\n';
    return mlpt_fail(err, "%s:%d: not UTF-8 text (byte 0x%02x)", name, line,
                     (unsigned char)text[good]);
}

static int parse_classes(const key_def *k, const entry *e, mlpt_config *cfg, mlpt_error *err)
{
    char name[MLPT_CLASS_NAME_LEN];
    size_t len;
    ini_span rest = e->value;
    int n = 0;
    if (ini_span_eq(e->value, "auto")) { /* the data's (see mlpt/data.h) */
        cfg->data.n_classes = 0;
        return 0;
    }
    while (ini_next_word(&rest, name, sizeof name, &len)) {
        if (n == MLPT_MAX_CLASSES)
            return fail_value(k, e, err, "more than %d class names", MLPT_MAX_CLASSES);
        if (len == 0 || len >= sizeof name)
            return fail_value(k, e, err, "class name %d is empty or longer than %d characters",
                              n + 1, MLPT_CLASS_NAME_LEN - 1);
        for (size_t i = 0; i < len; i++)
            if ((unsigned char)name[i] < 0x20 || name[i] == 0x7f)
                return fail_value(k, e, err, "class name %d holds a control character", n + 1);
        for (int i = 0; i < n; i++)
            if (!strcmp(cfg->data.classes[i], name))
                return fail_value(k, e, err, "class name '%s' is listed twice", name);
        memcpy(cfg->data.classes[n++], name, len + 1);
    }
    cfg->data.n_classes = n; /* >= 1: the value is not blank */
    return 0;
}

/* Where a [data] column key keeps its count. */
static int *column_count(mlpt_config *cfg, const key_def *k)
{
    return k == &keys[K_TARGET] ? &cfg->data.n_targets
           : k == &keys[K_INPUTS] ? &cfg->data.n_inputs : &cfg->data.n_one_hot;
}

/* Distinct column names (quoted when they hold blanks), at most k->max of
 * them, packed NUL-separated into the key's field; or the key's default
 * word (all, none) alone, which leaves the list empty. */
static int parse_columns(const key_def *k, const entry *e, mlpt_config *cfg, mlpt_error *err)
{
    char *list = field_of(cfg, k), name[MLPT_COLUMNS_LEN];
    size_t len, used = 0;
    int *n = column_count(cfg, k);
    ini_span rest = e->value;
    *n = 0;
    if (k->dflt && ini_span_eq(e->value, k->dflt))
        return 0;
    while (ini_next_word(&rest, name, sizeof name, &len)) {
        if (len == 0 || len >= MLPT_COLUMNS_LEN - used)
            return fail_value(k, e, err, "expected column names, together shorter than %d "
                              "characters", MLPT_COLUMNS_LEN);
        for (const char *p = NULL; (p = mlpt_config_next_name(list, *n, p));)
            if (!strcmp(p, name))
                return fail_value(k, e, err, "column '%s' is named twice", name);
        if (*n == k->max)
            return fail_value(k, e, err, "expected at most %lld columns", (long long)k->max);
        memcpy(list + used, name, len + 1);
        used += len + 1;
        ++*n;
    }
    return 0;
}

static int parse_delimiter(const key_def *k, const entry *e, mlpt_config *cfg, mlpt_error *err)
{
    int index = 0;
    if (choice_value(k, e, &index, err)) return -1;
    cfg->data.delimiter = delimiters[index];
    return 0;
}

static int parse_normalize(const key_def *k, const entry *e, mlpt_config *cfg, mlpt_error *err)
{
    int index = 0;
    if (choice_value(k, e, &index, err)) return -1;
    cfg->data.normalize = (mlpt_normalize)index;
    return 0;
}

/* The task the model's last layer and loss train, or NULL when they do
 * not pair (check_layer_stack says so, naming the layer). */
static const mlpt_task *task_of(const mlpt_config *cfg)
{
    const mlpt_model_spec *m = &cfg->model;
    if (!m->n_layers)
        return NULL;
    const mlpt_layer_spec *last = &m->layers[m->n_layers - 1];
    if (!last->activation || strcmp(last->activation->name, m->loss->activation))
        return NULL;
    return mlpt_task_of(m->loss, (size_t)last->units);
}

/* The names of the metrics that apply to task, into buf. */
static const char *metrics_for(const mlpt_task *task, char *buf, size_t cap)
{
    buf[0] = '\0';
    for (int i = 0; mlpt_metrics[i]; i++)
        if (mlpt_metrics[i]->tasks & task->bit) {
            append(buf, cap, buf[0] ? ", " : "");
            append(buf, cap, mlpt_metrics[i]->name);
        }
    return buf;
}

/* auto, or metric names, each followed by its argument when it takes one
 * (top_k_accuracy 3); `loss` may be among them (it is always computed).
 * Each must apply to the model's task. */
static int parse_metrics(const key_def *k, const entry *e, mlpt_config *cfg, mlpt_error *err)
{
    char word[NUMBER_LEN], names[256];
    size_t len;
    const mlpt_task *task = task_of(cfg);
    mlpt_metric_list *list = &cfg->train.metrics;
    list->n = 0;
    if (ini_span_eq(e->value, "auto") && !task)
        return 0;
    ini_span rest = ini_span_eq(e->value, "auto") ? ini_span_of(task->metrics) : e->value;
    while (ini_next_word(&rest, word, sizeof word, &len)) {
        if (!strcmp(word, "loss"))
            continue;
        const mlpt_metric_ops *ops = len < sizeof word ? mlpt_metric_named(word) : NULL;
        if (!ops)
            return fail_value(k, e, err, "'%.32s' is no metric: expected auto, or names from "
                              "loss %s", word, mlpt_table_names(k->table, " ", names,
                                                                 sizeof names));
        for (int i = 0; i < list->n; i++)
            if (list->m[i].ops == ops)
                return fail_value(k, e, err, "%s is listed twice", ops->name);
        if (list->n == MLPT_MAX_METRICS)
            return fail_value(k, e, err, "more than %d metrics", MLPT_MAX_METRICS);
        if (task && !(ops->tasks & task->bit))
            return fail_value(k, e, err, "%s does not apply to a %s model; its metrics are %s",
                              ops->name, task->name, metrics_for(task, names, sizeof names));
        long long arg = ops->arg_default;
        ini_span after = rest;
        if (ops->arg && ini_next_word(&after, word, sizeof word, &len) &&
            !mlpt_metric_named(word) && strcmp(word, "loss")) {
            if (!parse_integer(word, 1, ops->arg_max, &arg))
                return fail_value(k, e, err, "%s %s '%.32s': expected an integer from 1 to %d",
                                  ops->name, ops->arg, word, ops->arg_max);
            rest = after;
        }
        list->m[list->n++] = (mlpt_metric){ops, (int)arg};
    }
    return 0;
}

/* none, balanced, or one number >= 0 per class (not all 0). */
static int parse_class_weight(const key_def *k, const entry *e, mlpt_config *cfg,
                              mlpt_error *err)
{
    mlpt_class_weights *cw = &cfg->train.class_weight;
    memset(cw, 0, sizeof *cw);
    if (ini_span_eq(e->value, "none"))
        return 0;
    if (ini_span_eq(e->value, "balanced")) {
        cw->kind = MLPT_CLASS_WEIGHT_BALANCED;
        return 0;
    }
    char word[NUMBER_LEN];
    size_t len;
    ini_span rest = e->value;
    const real_range weight = {0, 1e30, false, false};
    bool some = false;
    cw->kind = MLPT_CLASS_WEIGHT_LISTED;
    while (ini_next_word(&rest, word, sizeof word, &len)) {
        double x;
        if (cw->n == MLPT_MAX_CLASS_WEIGHTS)
            return fail_value(k, e, err, "more than %d weights", MLPT_MAX_CLASS_WEIGHTS);
        if (len >= sizeof word || !parse_real(word, &weight, true, &x))
            return fail_value(k, e, err, "weight %d '%.32s': expected none, balanced, or a "
                              "number >= 0 per class", cw->n + 1, word);
        cw->w[cw->n++] = (float)x;
        some |= x > 0;
    }
    if (!some)
        return fail_value(k, e, err, "every weight is 0: no sample would count");
    return 0;
}

/* `all` or `none` alone, or distinct names from figure_names. */
static int parse_figures(const key_def *k, const entry *e, mlpt_config *cfg, mlpt_error *err)
{
    char word[NUMBER_LEN], names[128];
    size_t len;
    ini_span rest = e->value;
    unsigned seen = 0;
    int words = 0;
    bool alone = false;
    join_names(figure_names, names, sizeof names);
    while (ini_next_word(&rest, word, sizeof word, &len)) {
        int f = len < sizeof word ? find_name(ini_span_of(word), figure_names) : -1;
        words++;
        if (len < sizeof word && (!strcmp(word, "none") || !strcmp(word, "all"))) {
            alone = true;
            seen = word[0] == 'a' ? (1u << (sizeof figure_names / sizeof *figure_names - 1)) - 1
                                  : 0;
            continue;
        }
        if (f < 0 || seen & (1u << f))
            return fail_value(k, e, err, "expected all, none, or distinct names from: %s",
                              names);
        seen |= 1u << f;
    }
    if (alone && words > 1)
        return fail_value(k, e, err, "expected all or none alone, or names from: %s", names);
    cfg->report.figures = seen;
    return 0;
}

/* "28x28": each dimension >= 1, their product within size_t. */
static int parse_input(const key_def *k, const entry *e, mlpt_config *cfg, mlpt_error *err)
{
    char buf[NUMBER_LEN];
    if (ini_unquote(e->value, buf, sizeof buf) < sizeof buf &&
        parse_shape(buf, SIZE_MAX, &cfg->model))
        return 0;
    return fail_value(k, e, err, "expected 1 to %d dimensions >= 1 joined by 'x', such as "
                      "784 or 28x28, whose product fits in memory", MLPT_MAX_INPUT_RANK);
}

/* The one layer grammar (mlpt_layer_parse), its message placed at the line. */
static int parse_layer(const key_def *k, const entry *e, mlpt_config *cfg, mlpt_error *err)
{
    char text[256];
    mlpt_why why;
    if (ini_unquote(e->value, text, sizeof text) >= sizeof text)
        return fail_value(k, e, err, "longer than %zu characters", sizeof text - 1);
    if (mlpt_layer_parse(text, &cfg->model.layers[cfg->model.n_layers], &why) < 0)
        return fail_value(k, e, err, "%s", why.msg);
    cfg->model.n_layers++;
    return 0;
}

/* ---- pass 2: resolving the schema ---- */

static const char *default_learning_rate(const mlpt_config *cfg, const char *config_name,
                                         char *buf, size_t cap)
{
    (void)config_name, (void)buf, (void)cap;
    return cfg->train.optimizer.kind->learning_rate;
}

/* runs/<config file name without folder and extension> */
static const char *default_out(const mlpt_config *cfg, const char *config_name,
                               char *buf, size_t cap)
{
    (void)cfg;
    const char *slash = strrchr(config_name, '/');
    const char *base = slash ? slash + 1 : config_name;
    const char *dot = strrchr(base, '.');
    size_t len = dot && dot != base ? (size_t)(dot - base) : strlen(base);
    if (!len) base = "run", len = 3; /* a name like "dir/" has no stem */
    snprintf(buf, cap, "runs/%.*s", (int)len, base);
    return buf;
}

/* A key some optimizer lists (mlpt_optimizer_ops.keys) belongs to those
 * that list it; any other key to every config. */
static bool applies(const key_def *k, const mlpt_config *cfg)
{
    bool owned = false;
    for (int o = 0; mlpt_optimizers[o]; o++)
        owned |= mlpt_optimizer_takes(mlpt_optimizers[o], k->name);
    return !owned || mlpt_optimizer_takes(cfg->train.optimizer.kind, k->name);
}

static int fail_other_optimizer(const key_def *k, const entry *e, const mlpt_config *cfg,
                                mlpt_error *err)
{
    char owners[64] = "";
    for (int o = 0; mlpt_optimizers[o]; o++)
        if (mlpt_optimizer_takes(mlpt_optimizers[o], k->name)) {
            if (owners[0]) append(owners, sizeof owners, " or ");
            append(owners, sizeof owners, mlpt_optimizers[o]->name);
        }
    return fail_at(e, err, "[%s] %s belongs to optimizer = %s, but this config uses %s",
                   section_names[k->section], k->name, owners,
                   cfg->train.optimizer.kind->name);
}

static data_source source_of(const ini_values *v)
{
    return v->slots[K_TRAIN].value.p ? TABLES : ARRAYS;
}

/* A key of the data source this config does not use. */
static int fail_other_source(const key_def *k, const entry *e, const ini_values *v,
                             mlpt_error *err)
{
    char where[MLPT_ERROR_LEN];
    if (k->source == TABLES)
        return fail_at(e, err, "[data] %s belongs to CSV tables (train = FILE.csv), but this "
                       "config reads arrays (train_images and train_labels)", k->name);
    locate(&v->slots[K_TRAIN], where, sizeof where);
    return fail_at(e, err, "[data] %s belongs to arrays, but this config reads a CSV table "
                   "(train, %s); the two sources do not mix", k->name, where);
}

static int fail_missing(const ini_values *v, const key_def *k, mlpt_error *err)
{
    const char *sec = section_names[k->section];
    if (!v->section_seen[k->section]) {
        char required[128];
        list_keys(k->section, true, required, sizeof required);
        return mlpt_fail(err, "%s: missing section [%s] (required keys: %s)", v->name, sec,
                         required);
    }
    return mlpt_fail(err, "%s: [%s] is missing required key '%s' (%s)", v->name, sec, k->name,
                     k->help);
}

static void add_setting(mlpt_config *cfg, const key_def *k, const entry *e)
{
    mlpt_setting *s = &cfg->settings[cfg->n_settings++];
    snprintf(s->section, sizeof s->section, "%s", section_names[k->section]);
    snprintf(s->key, sizeof s->key, "%s", k->name);
    ini_clip(s->value, sizeof s->value, e->value);
    s->origin = e->origin;
    s->line = e->line;
}

/* The relations between layers and classes, named by the layer's line. */
static int check_layer_stack(const ini_values *v, const mlpt_config *cfg, mlpt_error *err)
{
    const key_def *k = &keys[K_LAYER];
    const mlpt_model_spec *m = &cfg->model;
    int last = m->n_layers - 1;
    const char *paired = m->loss->activation;
    if (!m->layers[last].activation || strcmp(m->layers[last].activation->name, paired)) {
        /* the kind to name: the last layer's own, or one that has units */
        const mlpt_layer_ops *kind = m->layers[last].kind;
        for (int i = 0; !kind->kernel && mlpt_layer_kinds[i]; i++)
            kind = mlpt_layer_kinds[i];
        return fail_value(k, &v->layers[last], err, "the last layer must be `%s N %s`: "
                          "the loss is %s on %s outputs", kind->name, paired, m->loss->name,
                          paired);
    }
    const mlpt_task *task = task_of(cfg);
    const int units = m->layers[last].units;
    if (task->values && cfg->data.n_classes)
        return fail_value(&keys[K_CLASSES], &v->slots[K_CLASSES], err, "a %s model (loss "
                          "%s) predicts values, not classes: remove the line", task->name,
                          m->loss->name);
    /* classes = auto (0) is counted in the data, and checked there */
    if (!task->values && cfg->data.n_classes &&
        task->classes((size_t)units) != cfg->data.n_classes) {
        char where[MLPT_ERROR_LEN];
        locate(&v->slots[K_CLASSES], where, sizeof where);
        return fail_value(k, &v->layers[last], err, "the last layer tells %d %s apart but "
                          "[data] classes (%s) names %d %s; they must be equal",
                          task->classes((size_t)units),
                          mlpt_noun((size_t)task->classes((size_t)units), "class", "classes"),
                          where, cfg->data.n_classes,
                          mlpt_noun((size_t)cfg->data.n_classes, "class", "classes"));
    }
    const mlpt_class_weights *cw = &cfg->train.class_weight;
    const entry *weights = &v->slots[K_CLASS_WEIGHT];
    if (task->values && cw->kind != MLPT_CLASS_WEIGHT_NONE)
        return fail_value(&keys[K_CLASS_WEIGHT], weights, err, "class weights apply to class "
                          "labels; a %s model has none", task->name);
    if (cw->kind == MLPT_CLASS_WEIGHT_LISTED && cw->n != task->classes((size_t)units)) {
        char where[MLPT_ERROR_LEN];
        locate(&v->layers[last], where, sizeof where);
        return fail_value(&keys[K_CLASS_WEIGHT], weights, err, "%d %s, but the last layer "
                          "(%s) tells %d classes apart", cw->n,
                          mlpt_noun((size_t)cw->n, "weight", "weights"), where,
                          task->classes((size_t)units));
    }
    const int targets_needed = task->values ? units : 1;
    if (v->slots[K_TARGET].value.p && cfg->data.n_targets != targets_needed) {
        char where[MLPT_ERROR_LEN];
        locate(&v->layers[last], where, sizeof where);
        return fail_value(&keys[K_TARGET], &v->slots[K_TARGET], err, "%d target %s, but the "
                          "last layer (%s) makes a %s model, which takes %d",
                          cfg->data.n_targets, mlpt_noun((size_t)cfg->data.n_targets, "column",
                                                         "columns"),
                          where, task->name, targets_needed);
    }
    for (int i = 0; i < last; i++)
        if (m->layers[i].activation && m->layers[i].activation->last_only)
            return fail_value(k, &v->layers[i], err, "%s is allowed only on the last layer",
                              m->layers[i].activation->name);
    /* Everything else the plan checks is checked above; what is left is
     * the parameter count, which only the input's width can make overflow
     * (units are at most MLPT_MAX_UNITS): it feeds the first kernel layer. */
    mlpt_model planned;
    mlpt_error why;
    if (mlpt_model_plan(m, &planned, &why) < 0) {
        int first = 0;
        while (!m->layers[first].kind->kernel)
            first++;
        char where[MLPT_ERROR_LEN];
        locate(&v->layers[first], where, sizeof where);
        return fail_value(&keys[K_INPUT], &v->slots[K_INPUT], err, "with the first %s "
                          "layer (%s), the model is too big to count: %s",
                          m->layers[first].kind->name, where, why.msg);
    }
    return 0;
}

static int resolve(const ini_values *v, mlpt_config *cfg, mlpt_error *err)
{
    for (int id = 0; id < N_KEYS; id++) {
        const key_def *k = &keys[id];
        const entry *given = k->repeatable ? v->layers : &v->slots[id];
        int n = k->repeatable ? v->n_layers : given->value.p != NULL;
        if (!applies(k, cfg)) {
            if (n) return fail_other_optimizer(k, given, cfg, err);
            continue;
        }
        if (k->source != ANY_SOURCE && k->source != source_of(v)) {
            if (n) return fail_other_source(k, given, v, err);
            continue;
        }
        const entry *split = &v->slots[K_TEST_SPLIT];
        if (k->test_file && split->value.p) {
            char where[MLPT_ERROR_LEN];
            locate(split, where, sizeof where);
            if (n) return fail_at(given, err, "[data] %s names a test file, but test_split "
                                  "(%s) holds the test set out of the training data; give "
                                  "one of them", k->name, where);
            continue;
        }
        char buf[MLPT_PATH_LEN];
        entry dflt = {.origin = MLPT_FROM_DEFAULT, .source = v->name};
        if (!n) {
            if (k->required) return fail_missing(v, k, err);
            if (!k->dflt && !k->computed_dflt) /* test_split, train: they choose a source */
                continue;
            dflt.value = ini_span_of(k->computed_dflt
                                         ? k->computed_dflt(cfg, v->name, buf, sizeof buf)
                                         : k->dflt);
            given = &dflt;
            n = 1;
        }
        for (int i = 0; i < n; i++) {
            if (k->parse(k, &given[i], cfg, err)) return -1;
            add_setting(cfg, k, &given[i]);
        }
    }
    return check_layer_stack(v, cfg, err);
}

/* ---- entry points ---- */

int mlpt_config_parse(const char *name, const char *text, const mlpt_override *overrides,
                      size_t n_overrides, mlpt_config *cfg, mlpt_error *err)
{
    memset(cfg, 0, sizeof *cfg);
    if (strlen(name) >= sizeof cfg->path)
        return mlpt_fail(err, "%.64s...: config path longer than %d characters", name,
                         MLPT_PATH_LEN - 1);
    strcpy(cfg->path, name);
    ini_values v = {.name = name};
    if (check_utf8(name, text, err) || read_file_values(&v, text, err)) return -1;
    for (size_t i = 0; i < n_overrides; i++) {
        char what[64];
        snprintf(what, sizeof what, "--set %.40s", overrides[i].assignment);
        if (check_utf8(what, overrides[i].assignment, err) ||
            read_override(&v, &overrides[i], err)) {
            if (err) /* all of it is in the override: its key, quotes and bytes */
                err->command_line = true;
            return -1;
        }
    }
    return resolve(&v, cfg, err);
}

char *mlpt_config_read(const char *path, mlpt_error *err)
{
    return ini_read_file(path, err);
}

int mlpt_config_load(const char *path, const mlpt_override *overrides, size_t n_overrides,
                     mlpt_config *cfg, mlpt_error *err)
{
    char *text = mlpt_config_read(path, err);
    if (!text) return -1;
    int rc = mlpt_config_parse(path, text, overrides, n_overrides, cfg, err);
    free(text);
    return rc;
}

const char *mlpt_setting_origin(const mlpt_setting *s, char buf[32])
{
    switch (s->origin) {
    case MLPT_FROM_FILE:
        snprintf(buf, 32, "line %d", s->line);
        return buf;
    case MLPT_FROM_OVERRIDE:
        return "command line";
    case MLPT_FROM_DEFAULT:
        return "default";
    }
    return "";
}

const char *mlpt_config_origin(const mlpt_config *cfg, const char *key, int nth, char *buf,
                               size_t cap)
{
    char origin[32];
    for (int i = 0; i < cfg->n_settings; i++) {
        const mlpt_setting *s = &cfg->settings[i];
        if (strcmp(s->key, key) || nth-- > 0)
            continue;
        if (s->origin == MLPT_FROM_FILE)
            snprintf(buf, cap, "%s:%d: [%s] %s = %s", cfg->path, s->line, s->section, s->key,
                     s->value);
        else
            snprintf(buf, cap, "[%s] %s = %s (%s)", s->section, s->key, s->value,
                     mlpt_setting_origin(s, origin));
        return buf;
    }
    snprintf(buf, cap, "%s", key);
    return buf;
}

const char *mlpt_config_next_name(const char *list, int n, const char *prev)
{
    if (!prev)
        return n > 0 ? list : NULL;
    /* the names are packed: count those up to prev */
    int index = 1;
    for (const char *p = list; p < prev; p += strlen(p) + 1)
        index++;
    return index < n ? prev + strlen(prev) + 1 : NULL;
}
