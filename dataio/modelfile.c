/* modelfile.c - a trained model as a safetensors file (see mlpt/modelfile.h).
 *
 * The reader trusts nothing in the file: the header length is matched
 * against the file size before anything is allocated, each metadata field
 * has one parser (paired with the writer's renderer), every tensor's entry
 * must be exactly what the layer stack implies, and the weights must hash to
 * the stored fingerprint. The writer runs its own metadata through the
 * reader's checks, so it never writes a file that mlpt_model_load refuses. */
#define _POSIX_C_SOURCE 200809L /* strdup under -std=c11 */

#include "mlpt/modelfile.h"
#include "mlpt/metrics.h"
#include "mlpt/samples.h"

#include "le_bytes.h"
#include "shape.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mlpt/fileio.h"

#define FORMAT_NAME "mlptrain"
#define LENGTH_BYTES 8                        /* the header length before the JSON */
#define MAX_HEADER_LEN ((uint64_t)100 << 20)  /* the safetensors reference reader's limit */
#define MAX_INPUT_DIM ((uint64_t)1 << 31)
#define MIN_SCALE 1e-30f
#define FINGERPRINT_DIGITS 16
#define MAX_TENSORS (4 * MLPT_MAX_LAYERS) /* batchnorm's four */
#define FIELD_LEN 128
#define SHOW_MAX 80

/* Every metadata entry the writer emits; the reader requires them all. */
static const char *const metadata_keys[] = {
    "format", "version", "input", "layers", "classes", "scale", "fingerprint", "config",
};

/* ---- errors ---- */

/* Where a failure is reported: the file, and the caller's error. */
typedef struct where {
    const char *path;
    mlpt_error *err;
} where;

/* "path: field: what" (or "path: what" when field is NULL); returns -1.
 * A macro, to pass the format on to mlpt_fail_at unchanged. */
#define fail_at(w, field, ...) mlpt_fail_at((w)->err, (w)->path, (field), __VA_ARGS__)

/* Text from the file as mlpt_quote makes it fit for a message, held by
 * value so that it can stand in an argument list. */
typedef struct shown {
    char s[SHOW_MAX + 4];
} shown;

static shown show(const char *text)
{
    shown out;
    mlpt_quote(text, out.s, sizeof out.s);
    return out;
}

/* A JSON value from the file as it would be written, e.g. [784, 12]. */
static shown show_json(const json_t *value)
{
    char *text = value ? json_dumps(value, JSON_ENCODE_ANY) : NULL;
    shown out = show(text ? text : "nothing");
    free(text);
    return out;
}

/* The field name of a metadata entry: `__metadata__ "key"`, plus
 * ` line N` when line > 0. */
static const char *meta_field(char field[FIELD_LEN], const char *key, int line)
{
    int n = snprintf(field, FIELD_LEN, "__metadata__ \"%s\"", show(key).s);
    if (line > 0 && n > 0 && n < FIELD_LEN)
        snprintf(field + n, (size_t)(FIELD_LEN - n), " line %d", line);
    return field;
}

/* The field name of a tensor: `tensor "name"`. */
static const char *tensor_field(char field[FIELD_LEN], const char *name)
{
    snprintf(field, FIELD_LEN, "tensor \"%s\"", show(name).s);
    return field;
}

/* ---- the tensors a model implies ---- */

/* One tensor of the file: a kernel layer's kernel or bias, or one of
 * another kind's tensors (mlpt_layer_ops.tensors). */
typedef struct tensor {
    char name[96];     /* "<keras name>_<k>.kernel", ".bias", ".gamma"...: the k-th
                          layer of its kind */
    int rank;          /* 2 for a kernel ([in, out]), 1 for the others ([out]) */
    size_t shape[2];
    size_t count;      /* elements */
    size_t bytes;      /* 4 * count */
    size_t offset;     /* its first element in params */
    uint64_t begin;    /* reading: where its bytes start in the data section */
} tensor;

/* The file's tensors for a planned model, in layer order. Returns how many
 * (two per kernel layer, one per name of the others' tensors), or -1 when
 * a byte count overflows size_t. */
static int list_tensors(const mlpt_model *m, tensor ts[MAX_TENSORS])
{
    int n = 0;
    for (int l = 0; l < m->spec.n_layers; l++) {
        const mlpt_layer_geom *g = &m->geom[l];
        const mlpt_layer_ops *kind = m->spec.layers[l].kind;
        if (!kind->kernel && !kind->tensors)
            continue;
        int k = 0; /* earlier layers of its kind */
        for (int e = 0; e < l; e++)
            k += m->spec.layers[e].kind == kind;
        char keras[40];
        mlpt_keras_name(kind, keras, sizeof keras);
        const int first = n;
        if (kind->kernel) {
            ts[n++] = (tensor){.rank = 2, .shape = {g->in, g->out}, .count = g->in * g->out,
                               .offset = g->w_offset};
            ts[n++] = (tensor){.rank = 1, .shape = {g->out}, .count = g->out,
                               .offset = g->b_offset};
            snprintf(ts[first].name, sizeof ts[first].name, "%s_%d.kernel", keras, k);
            snprintf(ts[first + 1].name, sizeof ts[first + 1].name, "%s_%d.bias", keras, k);
        } else {
            for (int i = 0; kind->tensors[i]; i++, n++) {
                ts[n] = (tensor){.rank = 1, .shape = {g->out}, .count = g->out,
                                 .offset = g->w_offset + (size_t)i * g->out};
                snprintf(ts[n].name, sizeof ts[n].name, "%s_%d.%s", keras, k, kind->tensors[i]);
            }
        }
        for (int i = first; i < n; i++)
            if (__builtin_mul_overflow(ts[i].count, sizeof(float), &ts[i].bytes))
                return -1;
    }
    return n;
}

/* "[784, 128]": a shape as the file writes it. */
static const char *render_shape(char buf[FIELD_LEN], const tensor *t)
{
    if (t->rank == 2)
        snprintf(buf, FIELD_LEN, "[%zu, %zu]", t->shape[0], t->shape[1]);
    else
        snprintf(buf, FIELD_LEN, "[%zu]", t->shape[0]);
    return buf;
}


/* ---- metadata text: one renderer and one parser per field ---- */

/* A whole string that is a finite float. */
static bool parse_float(const char *s, float *out)
{
    char *end;
    if (!*s || isspace((unsigned char)*s))
        return false;
    float f = strtof(s, &end);
    if (*end || !isfinite(f))
        return false;
    *out = f;
    return true;
}

/* The next line of *text, which is NULL after the last one. Lists are
 * written with no line break after the last entry. */
static bool next_line(const char **text, const char **line, size_t *len)
{
    if (!*text)
        return false;
    const char *nl = strchr(*text, '\n');
    *line = *text;
    *len = nl ? (size_t)(nl - *text) : strlen(*text);
    *text = nl ? nl + 1 : NULL;
    return true;
}

static int parse_layers(const where *w, const char *text, mlpt_model_spec *spec)
{
    char field[FIELD_LEN], buf[256];
    const char *line;
    size_t len;
    mlpt_why why;
    spec->n_layers = 0;
    while (next_line(&text, &line, &len)) {
        if (spec->n_layers == MLPT_MAX_LAYERS)
            return fail_at(w, meta_field(field, "layers", 0), "more than %d layers",
                           MLPT_MAX_LAYERS);
        snprintf(buf, sizeof buf, "%.*s", (int)len, line);
        if (len >= sizeof buf)
            snprintf(why.msg, sizeof why.msg, "longer than %zu characters", sizeof buf - 1);
        if (len >= sizeof buf || mlpt_layer_parse(buf, &spec->layers[spec->n_layers], &why) < 0)
            return fail_at(w, meta_field(field, "layers", spec->n_layers + 1), "%s", why.msg);
        spec->n_layers++;
    }
    /* A file of before regression names no loss: the one that pairs with
     * the last layer's activation (softmax or sigmoid, each with one). */
    const mlpt_layer_spec *last = spec->n_layers ? &spec->layers[spec->n_layers - 1] : NULL;
    for (int i = 0; last && mlpt_losses[i] && !spec->loss && last->activation; i++)
        if (!strcmp(mlpt_losses[i]->activation, last->activation->name))
            spec->loss = mlpt_losses[i];
    if (!spec->loss) /* for mlpt_model_plan to say which activation is missing */
        spec->loss = mlpt_losses[0];
    return 0;
}

/* "loss": NAME or NAME PARAM, as the config writes it. */
static int parse_loss(const where *w, const char *text, mlpt_model_spec *spec)
{
    char field[FIELD_LEN], name[64];
    float param = 0.0f;
    int used = 0;
    const mlpt_loss_ops *loss = NULL;
    if (sscanf(text, "%63s%n", name, &used) == 1)
        loss = mlpt_loss_named(name);
    const char *rest = text + used;
    const bool has_param = loss && loss->param && *rest == ' ' && parse_float(rest + 1, &param);
    if (!loss || (*rest && !has_param) ||
        (has_param && !(param > 0.0f && param <= loss->param_max)))
        return fail_at(w, meta_field(field, "loss", 0), "\"%s\": expected a loss (its name, "
                       "and a number above 0 for one that takes it)", show(text).s);
    spec->loss = loss;
    spec->loss_param = has_param ? param : loss->param ? loss->param_default : 0.0f;
    return 0;
}

/* The classes a model's outputs tell apart: 0 for value tasks. */
static int classes_of(const mlpt_model *m)
{
    const mlpt_task *task = mlpt_task_of(m->spec.loss, m->output_width);
    return task->values ? 0 : task->classes(m->output_width);
}

/* Fails unless every name fits the reader: one line each, and a name. */
static int render_classes(const where *w, char *buf, size_t cap, const mlpt_model *m,
                          const mlpt_model_info *info)
{
    char field[FIELD_LEN];
    size_t n = 0;
    buf[0] = '\0';
    if (info->n_classes != classes_of(m) || info->n_classes > MLPT_MAX_CLASSES)
        return fail_at(w, meta_field(field, "classes", 0), "%d classes: the model's outputs "
                       "tell %d apart", info->n_classes, classes_of(m));
    for (int c = 0; c < info->n_classes; c++) {
        const char *name = info->classes[c];
        size_t len = strnlen(name, MLPT_CLASS_NAME_LEN);
        if (len == MLPT_CLASS_NAME_LEN || memchr(name, '\n', len))
            return fail_at(w, meta_field(field, "classes", c + 1),
                           "a class name must be a single line of fewer than %d bytes",
                           MLPT_CLASS_NAME_LEN);
        n += (size_t)snprintf(buf + n, cap - n, "%s%s", c ? "\n" : "", name);
    }
    return 0;
}

/* One name per line, as many as the outputs tell classes apart (none for a
 * value task). */
static int parse_classes(const where *w, const char *text, int units, mlpt_model_info *info)
{
    char field[FIELD_LEN];
    const char *line;
    size_t len;
    int n = 0;
    if (units == 0 && !*text) /* a value task's: none */
        text = NULL;
    while (next_line(&text, &line, &len)) {
        if (n == MLPT_MAX_CLASSES)
            return fail_at(w, meta_field(field, "classes", 0), "more than %d class names",
                           MLPT_MAX_CLASSES);
        if (len == 0 || len >= MLPT_CLASS_NAME_LEN)
            return fail_at(w, meta_field(field, "classes", n + 1),
                           "a class name needs 1 to %d bytes, not %zu", MLPT_CLASS_NAME_LEN - 1,
                           len);
        for (size_t i = 0; i < len; i++) /* names get printed: no escapes */
            if (iscntrl((unsigned char)line[i]))
                return fail_at(w, meta_field(field, "classes", n + 1),
                               "a class name must not contain control characters");
        memcpy(info->classes[n], line, len);
        info->classes[n++][len] = '\0';
    }
    if (n != units)
        return fail_at(w, meta_field(field, "classes", 0),
                       "%d class %s, but the model's outputs tell %d apart", n,
                       mlpt_noun((size_t)n, "name", "names"), units);
    info->n_classes = n;
    return 0;
}

static bool parse_fingerprint(const char *s, uint64_t *out)
{
    for (int i = 0; i < FINGERPRINT_DIGITS; i++)
        if (!isxdigit((unsigned char)s[i]))
            return false;
    if (s[FINGERPRINT_DIGITS] != '\0')
        return false;
    *out = strtoull(s, NULL, 16);
    return true;
}

/* __metadata__[key]: a string once read_metadata has checked the object. */
static const char *meta(const json_t *md, const char *key)
{
    return json_string_value(json_object_get(md, key));
}

/* ---- the data metadata: how inputs were read (optional entries) ---- */

/* "table" and "normalization" as JSON text, parsed with duplicates
 * refused; NULL (and an error) when it is not an object. */
static json_t *meta_json(const where *w, const json_t *md, const char *key)
{
    char field[FIELD_LEN];
    json_error_t jerr;
    json_t *v = json_loads(meta(md, key), JSON_REJECT_DUPLICATES, &jerr);
    if (!json_is_object(v)) {
        json_decref(v);
        fail_at(w, meta_field(field, key, 0), "expected a JSON object as text%s%s",
                v ? "" : ": ", v ? "" : show(jerr.text).s);
        return NULL;
    }
    return v;
}

/* A non-empty single-line name from the file, copied. */
static char *name_of(const json_t *v)
{
    const char *s = json_string_value(v);
    if (!s || !*s)
        return NULL;
    for (const char *p = s; *p; p++)
        if (iscntrl((unsigned char)*p))
            return NULL;
    return strdup(s);
}

/* One column entry: {"name": NAME} or {"name": NAME, "one_hot": [sorted
 * distinct words]}. */
static bool parse_column(const json_t *entry, mlpt_table_column *col)
{
    const json_t *levels = json_object_get(entry, "one_hot");
    if (!json_is_object(entry) || json_object_size(entry) != 1u + (levels != NULL) ||
        !(col->name = name_of(json_object_get(entry, "name"))))
        return false;
    if (!levels)
        return true;
    if (!json_is_array(levels) || json_array_size(levels) == 0 ||
        !(col->levels = calloc(json_array_size(levels), sizeof *col->levels)))
        return false;
    for (size_t l = 0; l < json_array_size(levels); l++) {
        const char *word = json_string_value(json_array_get(levels, l));
        if (!word || (l > 0 && strcmp(col->levels[l - 1], word) >= 0) ||
            !(col->levels[col->n_levels++] = strdup(word)))
            return false;
    }
    return true;
}

static int read_table(const where *w, const json_t *md, size_t width, mlpt_model_info *info)
{
    char field[FIELD_LEN];
    if (!json_object_get(md, "table"))
        return 0;
    json_t *t = meta_json(w, md, "table");
    if (!t)
        return -1;
    mlpt_table_schema *s = &info->table;
    const json_t *cols = json_object_get(t, "columns");
    const char *delim = json_string_value(json_object_get(t, "delimiter"));
    /* "targets": [NAME, ...]; files of before regression held "target": NAME */
    const json_t *one = json_object_get(t, "target"), *targets = json_object_get(t, "targets");
    const size_t n_targets = one ? 1 : json_array_size(targets);
    bool ok = json_object_size(t) == 3 && json_is_array(cols) && json_array_size(cols) > 0 &&
              delim && strlen(delim) == 1 && strchr(",;\t", delim[0]) && n_targets > 0 &&
              (s->targets = calloc(n_targets, sizeof *s->targets)) &&
              (s->columns = calloc(json_array_size(cols), sizeof *s->columns));
    for (size_t k = 0; ok && k < n_targets; k++)
        ok = (s->targets[s->n_targets++] = name_of(one ? one : json_array_get(targets, k)));
    if (ok)
        s->delimiter = delim[0];
    for (size_t c = 0; ok && c < json_array_size(cols); c++)
        ok = parse_column(json_array_get(cols, c), &s->columns[s->n_columns++]);
    json_decref(t);
    if (!ok)
        return fail_at(w, meta_field(field, "table", 0), "expected {\"targets\": [NAME, ...], "
                       "\"delimiter\": \",\" \";\" or tab, \"columns\": [{\"name\": NAME} or "
                       "{\"name\": NAME, \"one_hot\": [sorted distinct words]}, ...]}");
    if (mlpt_table_width(s) != width)
        return fail_at(w, meta_field(field, "table", 0), "its columns make %zu input values, "
                       "but the model takes %zu", mlpt_table_width(s), width);
    return 0;
}

/* One float32 per input value, finite (factors also non-zero). */
static bool parse_floats(const json_t *a, size_t n, bool nonzero, float **out)
{
    if (!json_is_array(a) || json_array_size(a) != n || !(*out = malloc(n * sizeof **out)))
        return false;
    for (size_t i = 0; i < n; i++) {
        const json_t *v = json_array_get(a, i);
        const double x = json_number_value(v);
        if (!json_is_number(v) || !isfinite((float)x) || (nonzero && (float)x == 0.0f))
            return false;
        (*out)[i] = (float)x;
    }
    return true;
}

static int read_normalization(const where *w, const json_t *md, size_t width,
                              mlpt_model_info *info)
{
    char field[FIELD_LEN];
    if (!json_object_get(md, "normalization"))
        return 0;
    json_t *n = meta_json(w, md, "normalization");
    if (!n)
        return -1;
    const char *method = json_string_value(json_object_get(n, "method"));
    const int how = method ? mlpt_name_index(mlpt_normalize_names, method, strlen(method)) : -1;
    const bool ok = how > MLPT_NORMALIZE_NONE && json_object_size(n) == 3 &&
                    parse_floats(json_object_get(n, "shift"), width, false, &info->shift) &&
                    parse_floats(json_object_get(n, "factor"), width, true, &info->factor);
    json_decref(n);
    if (!ok)
        return fail_at(w, meta_field(field, "normalization", 0), "expected {\"method\": "
                       "\"standard\" or \"minmax\", \"shift\": [...], \"factor\": [...]}, "
                       "%zu finite numbers each (factors not 0)", width);
    info->normalize = (mlpt_normalize)how;
    return 0;
}

static int set_meta(const where *w, json_t *md, const char *key, const char *value)
{
    char field[FIELD_LEN];
    /* json_string refuses text that is not UTF-8; set_new then fails. */
    if (json_object_set_new(md, key, json_string(value)) < 0)
        return fail_at(w, meta_field(field, key, 0), "not valid UTF-8 text (or out of memory)");
    return 0;
}

static json_t *table_json(const mlpt_table_schema *s)
{
    const char delim[2] = {s->delimiter, '\0'};
    json_t *cols = json_array();
    for (size_t c = 0; c < s->n_columns; c++) {
        json_t *col = json_pack("{s:s}", "name", s->columns[c].name);
        if (s->columns[c].n_levels) {
            json_t *levels = json_array();
            for (size_t l = 0; l < s->columns[c].n_levels; l++)
                json_array_append_new(levels, json_string(s->columns[c].levels[l]));
            json_object_set_new(col, "one_hot", levels);
        }
        json_array_append_new(cols, col);
    }
    json_t *targets = json_array();
    for (size_t k = 0; k < s->n_targets; k++)
        json_array_append_new(targets, json_string(s->targets[k]));
    return json_pack("{s:o, s:s, s:o}", "targets", targets, "delimiter", delim, "columns",
                     cols);
}

static json_t *normalization_json(const mlpt_model_info *info, size_t width)
{
    json_t *shift = json_array(), *factor = json_array();
    for (size_t i = 0; i < width; i++) {
        json_array_append_new(shift, json_real(info->shift[i]));
        json_array_append_new(factor, json_real(info->factor[i]));
    }
    return json_pack("{s:s, s:o, s:o}", "method", mlpt_normalize_names[info->normalize],
                     "shift", shift, "factor", factor);
}

/* Sets the optional entries info has; -1 with an error naming the entry. */
static int add_data_metadata(const where *w, json_t *md, const mlpt_model *m,
                             const mlpt_model_info *info)
{
    const struct {
        const char *key;
        json_t *value;
    } entries[] = {
        {"table", info->table.delimiter ? table_json(&info->table) : NULL},
        {"normalization", info->normalize ? normalization_json(info, m->input_width) : NULL},
    };
    int rc = 0;
    for (size_t i = 0; i < sizeof entries / sizeof entries[0]; i++) {
        const bool wanted = i == 0 ? info->table.delimiter != '\0'
                                  : info->normalize != MLPT_NORMALIZE_NONE;
        char *text = entries[i].value ? json_dumps(entries[i].value, JSON_COMPACT |
                                                   JSON_PRESERVE_ORDER) : NULL;
        if (rc == 0 && wanted && !text) {
            char field[FIELD_LEN];
            rc = fail_at(w, meta_field(field, entries[i].key, 0), "not valid UTF-8 text (or "
                         "out of memory)");
        }
        if (rc == 0 && text)
            rc = set_meta(w, md, entries[i].key, text);
        free(text);
        json_decref(entries[i].value);
    }
    return rc;
}

/* Parses and checks __metadata__: the layer stack (planned into m, without
 * parameters), classes, scale and fingerprint into info. */
static int read_metadata(const where *w, const json_t *header, mlpt_model *m,
                         mlpt_model_info *info)
{
    char field[FIELD_LEN];
    json_t *md = json_object_get(header, "__metadata__"), *value;
    const char *key;
    if (!json_is_object(md))
        return fail_at(w, "__metadata__", md ? "expected an object of strings" : "missing");
    json_object_foreach(md, key, value)
        if (!json_is_string(value))
            return fail_at(w, meta_field(field, key, 0), "expected a string, found %s",
                           show_json(value).s);
    for (size_t i = 0; i < sizeof metadata_keys / sizeof metadata_keys[0]; i++)
        if (!json_object_get(md, metadata_keys[i]))
            return fail_at(w, meta_field(field, metadata_keys[i], 0), "missing");

    if (strcmp(meta(md, "format"), FORMAT_NAME))
        return fail_at(w, meta_field(field, "format", 0), "\"%s\": expected \"" FORMAT_NAME "\"",
                       show(meta(md, "format")).s);
    mlpt_model_spec spec = {0};
    if (!parse_shape(meta(md, "input"), MAX_INPUT_DIM, &spec))
        return fail_at(w, meta_field(field, "input", 0),
                       "\"%s\": expected 1 to %d dimensions from 1 to 2^31 joined by 'x', "
                       "such as \"28x28\", whose product fits in memory",
                       show(meta(md, "input")).s, MLPT_MAX_INPUT_RANK);
    if (parse_layers(w, meta(md, "layers"), &spec) < 0 ||
        (json_object_get(md, "loss") && parse_loss(w, meta(md, "loss"), &spec) < 0))
        return -1;
    mlpt_error why;
    if (mlpt_model_plan(&spec, m, &why) < 0)
        return fail_at(w, meta_field(field, "layers", 0), "%s", why.msg);
    if (parse_classes(w, meta(md, "classes"), classes_of(m), info) < 0)
        return -1;
    if (!parse_float(meta(md, "scale"), &info->scale) || !(info->scale >= MIN_SCALE))
        return fail_at(w, meta_field(field, "scale", 0), "\"%s\": expected a number >= %g",
                       show(meta(md, "scale")).s, (double)MIN_SCALE);
    if (!parse_fingerprint(meta(md, "fingerprint"), &info->fingerprint))
        return fail_at(w, meta_field(field, "fingerprint", 0), "\"%s\": expected %d hex digits",
                       show(meta(md, "fingerprint")).s, FINGERPRINT_DIGITS);
    return read_table(w, md, m->input_width, info) < 0 ||
           read_normalization(w, md, m->input_width, info) < 0 ? -1 : 0;
}

/* ---- writing ---- */

static json_t *tensor_entry(const tensor *t, size_t begin)
{
    json_t *shape = json_array();
    for (int d = 0; d < t->rank; d++)
        json_array_append_new(shape, json_integer((json_int_t)t->shape[d]));
    return json_pack("{s:s, s:o, s:[I,I]}", "dtype", "F32", "shape", shape, "data_offsets",
                     (json_int_t)begin, (json_int_t)(begin + t->bytes));
}

static int add_metadata(const where *w, json_t *header, const mlpt_model *m,
                        const mlpt_model_info *info)
{
    char input[MLPT_MAX_INPUT_RANK * 24], layers[MLPT_MAX_LAYERS * 96];
    char classes[MLPT_MAX_CLASSES * MLPT_CLASS_NAME_LEN], scale[32], fingerprint[32];
    size_t n = 0;
    /* as parse_shape reads it back */
    mlpt_shape_text(m->spec.input_dims, m->spec.input_rank, input, sizeof input);
    layers[0] = '\0';
    for (int l = 0; l < m->spec.n_layers; l++) {
        if (l)
            layers[n++] = '\n';
        mlpt_layer_format(&m->spec.layers[l], layers + n, sizeof layers - n);
        n += strlen(layers + n);
    }
    char loss[96];
    if (render_classes(w, classes, sizeof classes, m, info) < 0)
        return -1;
    if (m->spec.loss->param) /* %.9g reads back as the same float */
        snprintf(loss, sizeof loss, "%s %.9g", m->spec.loss->name, (double)m->spec.loss_param);
    else
        snprintf(loss, sizeof loss, "%s", m->spec.loss->name);
    snprintf(scale, sizeof scale, "%.9g", (double)info->scale);
    snprintf(fingerprint, sizeof fingerprint, "%016" PRIx64, mlpt_model_fingerprint(m));

    json_t *md = json_object();
    if (json_object_set_new(header, "__metadata__", md) < 0)
        return fail_at(w, "header", "out of memory");
    const char *values[] = {FORMAT_NAME, MLPT_VERSION, input, layers, classes, scale,
                            fingerprint, info->config_text ? info->config_text : ""};
    _Static_assert(sizeof values / sizeof values[0] ==
                   sizeof metadata_keys / sizeof metadata_keys[0], "one value per key");
    for (size_t i = 0; i < sizeof values / sizeof values[0]; i++)
        if (set_meta(w, md, metadata_keys[i], values[i]) < 0)
            return -1;
    if (set_meta(w, md, "loss", loss) < 0 ||
        set_meta(w, md, "task", mlpt_task_of(m->spec.loss, m->output_width)->name) < 0)
        return -1;
    return add_data_metadata(w, md, m, info);
}

/* The header: each tensor in layer order, then __metadata__, checked by
 * the reader's rules. NULL on failure. */
static json_t *build_header(const where *w, const mlpt_model *m, const mlpt_model_info *info,
                            const tensor *ts, int n)
{
    json_t *header = json_object();
    size_t begin = 0;
    bool ok = header != NULL;
    for (int i = 0; i < n && ok; begin += ts[i++].bytes)
        ok = json_object_set_new(header, ts[i].name, tensor_entry(&ts[i], begin)) == 0;
    if (!ok) {
        json_decref(header);
        fail_at(w, "header", "out of memory");
        return NULL;
    }
    mlpt_model planned;
    mlpt_model_info parsed = {0};
    const int rc = add_metadata(w, header, m, info) < 0 ||
                   read_metadata(w, header, &planned, &parsed) < 0 ? -1 : 0;
    mlpt_model_info_free(&parsed);
    if (rc < 0) {
        json_decref(header);
        return NULL;
    }
    return header;
}

/* Length, header padded with spaces so that the data starts 8-aligned, data. */
static void write_contents(FILE *f, const char *header, const mlpt_model *m, const tensor *ts,
                           int n)
{
    size_t len = strlen(header), padded = (len + 7) / 8 * 8;
    unsigned char length[LENGTH_BYTES];
    put_le64(length, padded);
    fwrite(length, 1, sizeof length, f);
    fwrite(header, 1, len, f);
    for (size_t i = len; i < padded; i++)
        fputc(' ', f);
    for (int i = 0; i < n; i++)
        write_le_floats(f, m->params + ts[i].offset, ts[i].count, NULL);
}

int mlpt_model_save(const char *path, const mlpt_model *m, const mlpt_model_info *info,
                    mlpt_error *err)
{
    const where w = {path, err};
    tensor ts[MAX_TENSORS];
    int n = list_tensors(m, ts);
    if (n < 0)
        return fail_at(&w, NULL, "the model is too large to write");
    json_t *header = build_header(&w, m, info, ts, n);
    if (!header)
        return -1;
    char *text = json_dumps(header, JSON_PRESERVE_ORDER | JSON_COMPACT);
    json_decref(header);
    if (!text)
        return fail_at(&w, "header", "out of memory");
    /* Everything that can fail before the writes has: from here, a failed
     * write is caught by commit, which removes the temporary file. */
    mlpt_atomic_file a;
    if (mlpt_atomic_open(&a, path, err) < 0) {
        free(text);
        return -1;
    }
    write_contents(a.f, text, m, ts, n);
    free(text);
    return mlpt_atomic_commit(&a, err);
}

/* ---- reading ---- */

static int read_exact(const where *w, FILE *fp, void *buf, size_t n, const char *field)
{
    if (fread(buf, 1, n, fp) == n)
        return 0;
    if (ferror(fp))
        return fail_at(w, field, "read error: %s", strerror(errno));
    return fail_at(w, field, "the file ended early (did it change while being read?)");
}

/* Opens the file, checks the header length against its size before
 * allocating it, and parses the header. Leaves *fp at the data section. */
static int read_header(const where *w, FILE **fp, json_t **header, uint64_t *data_size)
{
    uint64_t size;
    if (mlpt_open_regular(w->path, fp, &size, w->err) < 0)
        return -1;
    if (size < LENGTH_BYTES)
        return fail_at(w, NULL, "%" PRIu64 " bytes, shorter than the %d-byte header length",
                       size, LENGTH_BYTES);

    unsigned char length[LENGTH_BYTES];
    if (read_exact(w, *fp, length, sizeof length, "header length") < 0)
        return -1;
    uint64_t n = get_le64(length);
    if (n == 0 || n > MAX_HEADER_LEN)
        return fail_at(w, "header length", "%" PRIu64 " is outside 1..%" PRIu64, n,
                       MAX_HEADER_LEN);
    if (n > size - LENGTH_BYTES)
        return fail_at(w, "header length", "%" PRIu64 " bytes, but only %" PRIu64
                       " follow in the file", n, size - LENGTH_BYTES);

    char *text = malloc(n);
    if (!text)
        return fail_at(w, "header", "out of memory for %" PRIu64 " bytes", n);
    json_error_t jerr;
    int rc = read_exact(w, *fp, text, n, "header");
    if (rc == 0 && !(*header = json_loadb(text, n, JSON_REJECT_DUPLICATES, &jerr)))
        rc = fail_at(w, "header", "not valid JSON: %s (at byte %d of the header)",
                     show(jerr.text).s, jerr.position);
    free(text);
    if (rc < 0)
        return -1;
    if (!json_is_object(*header))
        return fail_at(w, "header", "expected a JSON object");
    *data_size = size - LENGTH_BYTES - n;
    return 0;
}

/* An integer >= 0 (a real such as 12.0 is not one). */
static bool get_offset(const json_t *v, uint64_t *out)
{
    if (!json_is_integer(v) || json_integer_value(v) < 0)
        return false;
    *out = (uint64_t)json_integer_value(v);
    return true;
}

static bool shape_matches(const json_t *shape, const tensor *t)
{
    if (!json_is_array(shape) || json_array_size(shape) != (size_t)t->rank)
        return false;
    for (int d = 0; d < t->rank; d++) {
        uint64_t dim;
        if (!get_offset(json_array_get(shape, (size_t)d), &dim) || dim != t->shape[d])
            return false;
    }
    return true;
}

/* One tensor's entry: F32, the shape the layer stack implies, and data of
 * that size within the data section; records where it begins. */
static int check_tensor(const where *w, const json_t *entry, tensor *t, uint64_t data_size)
{
    char field[FIELD_LEN], expected[FIELD_LEN];
    tensor_field(field, t->name);
    if (!entry)
        return fail_at(w, field, "missing");
    if (!json_is_object(entry))
        return fail_at(w, field, "expected an object with dtype, shape and data_offsets");
    const json_t *dtype = json_object_get(entry, "dtype");
    if (!json_is_string(dtype) || strcmp(json_string_value(dtype), "F32"))
        return fail_at(w, field, "dtype %s is not supported: expected \"F32\"",
                       show_json(dtype).s);
    const json_t *shape = json_object_get(entry, "shape");
    if (!shape_matches(shape, t))
        return fail_at(w, field, "shape %s does not match the layer stack (expected %s)",
                       show_json(shape).s, render_shape(expected, t));

    const json_t *offsets = json_object_get(entry, "data_offsets");
    uint64_t begin, end;
    if (!json_is_array(offsets) || json_array_size(offsets) != 2 ||
        !get_offset(json_array_get(offsets, 0), &begin) ||
        !get_offset(json_array_get(offsets, 1), &end))
        return fail_at(w, field, "data_offsets %s: expected two integers >= 0",
                       show_json(offsets).s);
    if (begin > end)
        return fail_at(w, field, "data_offsets [%" PRIu64 ", %" PRIu64 "]: begin is after end",
                       begin, end);
    if (end > data_size)
        return fail_at(w, field, "data_offsets [%" PRIu64 ", %" PRIu64 "] are out of bounds: "
                       "the data section holds %" PRIu64 " bytes", begin, end, data_size);
    if (end - begin != t->bytes)
        return fail_at(w, field, "data_offsets [%" PRIu64 ", %" PRIu64 "] hold %" PRIu64
                       " bytes, but shape %s of F32 needs %zu", begin, end, end - begin,
                       render_shape(expected, t), t->bytes);
    t->begin = begin;
    return 0;
}

/* Exactly the tensors the layer stack implies, in any order in the file (the
 * Python safetensors library sorts them by name) but together covering the
 * data section without gaps or overlaps; order[] gets them in file order. */
static int check_tensors(const where *w, json_t *header, tensor *ts, int n, uint64_t data_size,
                         int order[MAX_TENSORS])
{
    char field[FIELD_LEN];
    const char *key;
    json_t *value;
    json_object_foreach(header, key, value) {
        bool known = !strcmp(key, "__metadata__");
        for (int i = 0; i < n && !known; i++)
            known = !strcmp(key, ts[i].name);
        if (!known)
            return fail_at(w, tensor_field(field, key),
                           "not part of the layer stack, whose tensors are %s to %s",
                           ts[0].name, ts[n - 1].name);
    }
    for (int i = 0; i < n; i++) {
        if (check_tensor(w, json_object_get(header, ts[i].name), &ts[i], data_size) < 0)
            return -1;
        int j = i; /* insertion by begin */
        for (; j > 0 && ts[order[j - 1]].begin > ts[i].begin; j--)
            order[j] = order[j - 1];
        order[j] = i;
    }
    uint64_t cursor = 0;
    for (int i = 0; i < n; i++) {
        const tensor *t = &ts[order[i]];
        if (t->begin != cursor)
            return fail_at(w, tensor_field(field, t->name),
                           "data_offsets begin at %" PRIu64 " and %s: the tensors must cover "
                           "the data section without gaps or overlaps", t->begin,
                           t->begin < cursor ? "overlap another tensor" : "leave a gap");
        cursor = t->begin + t->bytes;
    }
    if (cursor != data_size)
        return fail_at(w, "data", "%" PRIu64 " trailing bytes after the last tensor",
                       data_size - cursor);
    return 0;
}

/* The tensors' floats, in file order, each to its place in params: finite
 * (a NaN weight would only make every prediction NaN), and a variance not
 * negative (batchnorm takes its square root). */
static int read_params(const where *w, FILE *fp, const tensor *ts, const int *order, int n,
                       mlpt_model *m)
{
    unsigned char buf[4 * LE_CHUNK_FLOATS];
    char field[FIELD_LEN];
    for (int i = 0; i < n; i++) {
        const tensor *t = &ts[order[i]];
        const char *dot = strrchr(t->name, '.');
        const bool variance = dot && !strcmp(dot, ".moving_variance");
        float *x = m->params + t->offset;
        size_t at = 0;
        for (size_t left = t->count, k; left > 0; left -= k, x += k) {
            k = left < LE_CHUNK_FLOATS ? left : LE_CHUNK_FLOATS;
            if (read_exact(w, fp, buf, 4 * k, "data") < 0)
                return -1;
            get_le_floats(x, buf, k);
            for (size_t j = 0; j < k; j++, at++)
                if (!isfinite(x[j]) || (variance && x[j] < 0.0f))
                    return fail_at(w, tensor_field(field, t->name),
                                   "element %zu is %g: expected a finite number%s", at,
                                   (double)x[j], variance ? " >= 0" : "");
        }
    }
    return 0;
}

/* Every step of mlpt_model_load; the caller releases fp, header, m and info. */
static int load(const where *w, FILE **fp, json_t **header, mlpt_model *m,
                mlpt_model_info *info)
{
    uint64_t data_size = 0;
    mlpt_model planned;
    tensor ts[MAX_TENSORS];
    mlpt_error why;
    char field[FIELD_LEN];
    if (read_header(w, fp, header, &data_size) < 0 ||
        read_metadata(w, *header, &planned, info) < 0)
        return -1;
    int n = list_tensors(&planned, ts);
    if (n < 0)
        return fail_at(w, meta_field(field, "layers", 0), "the model is too large to load");
    int order[MAX_TENSORS];
    if (check_tensors(w, *header, ts, n, data_size, order) < 0)
        return -1;
    /* The data section is now known to hold exactly n_params floats, so
     * the file's size bounds this allocation. */
    if (mlpt_model_create(&planned.spec, m, &why) < 0)
        return fail_at(w, NULL, "%s", why.msg);
    if (read_params(w, *fp, ts, order, n, m) < 0)
        return -1;
    uint64_t computed = mlpt_model_fingerprint(m);
    if (computed != info->fingerprint)
        return fail_at(w, NULL, "weights do not match the stored fingerprint: the file is "
                       "damaged (stored %016" PRIx64 ", computed %016" PRIx64 ")",
                       info->fingerprint, computed);
    if (!(info->config_text = strdup(meta(json_object_get(*header, "__metadata__"), "config"))))
        return fail_at(w, meta_field(field, "config", 0), "out of memory");
    return 0;
}

int mlpt_model_load(const char *path, mlpt_model *m, mlpt_model_info *info, mlpt_error *err)
{
    const where w = {path, err};
    FILE *fp = NULL;
    json_t *header = NULL;
    memset(m, 0, sizeof *m);
    memset(info, 0, sizeof *info);
    int rc = load(&w, &fp, &header, m, info);
    if (fp)
        fclose(fp);
    json_decref(header);
    if (rc < 0) {
        mlpt_model_free(m);
        mlpt_model_info_free(info);
        memset(m, 0, sizeof *m);
        memset(info, 0, sizeof *info);
    }
    return rc;
}

void mlpt_model_info_free(mlpt_model_info *info)
{
    free(info->config_text);
    info->config_text = NULL;
    mlpt_table_schema_free(&info->table);
    free(info->shift);
    free(info->factor);
    info->shift = info->factor = NULL;
}
