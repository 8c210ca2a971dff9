#include "console.h"

#include <math.h>
#include <string.h>

#include "ranks.h"

const char *console_thousands(size_t n, char buf[32])
{
    char digits[32];
    int len = snprintf(digits, sizeof digits, "%zu", n), o = 0;
    for (int i = 0; i < len; i++) {
        if (i > 0 && (len - i) % 3 == 0)
            buf[o++] = ',';
        buf[o++] = digits[i];
    }
    buf[o] = '\0';
    return buf;
}

void console_header(FILE *f, const mlpt_topology *topo, int threads,
                    console_placement placement, const mlpt_config *cfg)
{
    static const char *const placements[] = {
        [PLACED_BOUND] = "bound: one thread per allowed core",
        [PLACED_BY_OPENMP] = "bound by OpenMP (OMP_PROC_BIND)",
        [PLACED_UNBOUND] = "not bound (run.bind = none)",
        [PLACED_SHARED] = "not bound: the run's processes share these cores",
        [PLACED_OVERSUBSCRIBED] = "not bound: more threads than allowed cores",
    };
    fprintf(f, "mlptrain %s | ", MLPT_VERSION);
    if (ranks_size() > 1) /* what follows is the first process's view */
        fprintf(f, "%d processes (MPI), each ", ranks_size());
    fprintf(f, "%d %s | hwloc: %d %s, %d %s, %d %s; this process may use PUs %s (%d %s) | "
               "%s | seed %llu\n",
            threads, mlpt_noun((size_t)threads, "thread", "threads"), topo->packages,
            mlpt_noun((size_t)topo->packages, "package", "packages"), topo->cores,
            mlpt_noun((size_t)topo->cores, "core", "cores"), topo->pus,
            mlpt_noun((size_t)topo->pus, "PU", "PUs"), topo->allowed_list, topo->allowed_cores,
            mlpt_noun((size_t)topo->allowed_cores, "core", "cores"), placements[placement],
            (unsigned long long)cfg->train.seed);
}

void console_settings(FILE *f, const mlpt_config *cfg)
{
    /* Columns as wide as the widest key and value, but a long path runs
     * past the origins' column rather than pushing it far right. */
    enum { VALUE_COLUMN_MAX = 60 };
    int key_width = 0, value_width = 0;
    for (int i = 0; i < cfg->n_settings; i++) {
        const int key = (int)strlen(cfg->settings[i].key);
        const int value = (int)strlen(cfg->settings[i].value);
        key_width = key > key_width ? key : key_width;
        value_width = value > value_width && value <= VALUE_COLUMN_MAX ? value : value_width;
    }
    const char *section = "";
    for (int i = 0; i < cfg->n_settings; i++) {
        const mlpt_setting *s = &cfg->settings[i];
        char buf[32];
        if (strcmp(section, s->section)) {
            fprintf(f, "%s[%s]\n", i ? "\n" : "", s->section);
            section = s->section;
        }
        fprintf(f, "%-*s = %-*s ; %s\n", key_width, s->key, value_width, s->value,
                mlpt_setting_origin(s, buf));
    }
}

void console_defaults(FILE *f, const mlpt_config *cfg)
{
    int n = 0;
    for (int i = 0; i < cfg->n_settings; i++) {
        const mlpt_setting *s = &cfg->settings[i];
        if (s->origin != MLPT_FROM_DEFAULT)
            continue;
        fprintf(f, "%s %s.%s=%s", n++ ? "," : "defaults:", s->section, s->key, s->value);
    }
    if (n)
        fputc('\n', f);
}

const char *console_bytes(size_t n, char buf[32])
{
    static const char *const units[] = {"", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
    if (n == SIZE_MAX)
        return strcpy(buf, "more than size_t counts");
    if (n < 1024) {
        snprintf(buf, 32, "%zu %s", n, mlpt_noun(n, "byte", "bytes"));
        return buf;
    }
    double x = (double)n;
    int u = 0;
    while (x >= 1024 && u < 6) {
        x /= 1024;
        u++;
    }
    snprintf(buf, 32, "%.1f %s", x, units[u]);
    return buf;
}

/* Value targets: how many per sample, their mean and range over all. */
static void value_summary(FILE *f, const mlpt_samples *d)
{
    const size_t count = d->n * d->target_width;
    double sum = 0.0, lo = INFINITY, hi = -INFINITY;
    for (size_t i = 0; i < count; i++) {
        sum += d->targets[i];
        lo = fmin(lo, d->targets[i]);
        hi = fmax(hi, d->targets[i]);
    }
    fprintf(f, "%zu target %s per sample (mean %.4g, %.4g to %.4g)\n", d->target_width,
            mlpt_noun(d->target_width, "value", "values"), count ? sum / (double)count : NAN,
            lo, hi);
}

void console_data_summary(FILE *f, const char *name, const mlpt_samples *d, int n_classes)
{
    char shape[64], count[32], fewest[32], most[32];
    mlpt_shape_text(d->dims, d->rank, shape, sizeof shape);
    if (d->targets) {
        fprintf(f, "%-10s %7s %s of %s %s, ", name, console_thousands(d->n, count),
                mlpt_noun(d->n, "sample", "samples"), shape, d->bytes ? "bytes" : "floats");
        value_summary(f, d);
        return;
    }
    size_t per_class[MLPT_MAX_CLASSES] = {0};
    for (size_t i = 0; i < d->n; i++)
        per_class[d->labels[i]]++;
    size_t lo = d->n, hi = 0;
    for (int c = 0; c < n_classes; c++) {
        lo = per_class[c] < lo ? per_class[c] : lo;
        hi = per_class[c] > hi ? per_class[c] : hi;
    }
    fprintf(f, "%-10s %7s %s of %s %s, %d %s (%s to %s per class)\n", name,
            console_thousands(d->n, count), mlpt_noun(d->n, "sample", "samples"), shape,
            d->bytes ? "bytes" : "floats",
            n_classes, mlpt_noun((size_t)n_classes, "class", "classes"),
            console_thousands(lo, fewest), console_thousands(hi, most));
}

void console_data_origin(FILE *f, const mlpt_config *cfg, const mlpt_data *d)
{
    char count[32];
    /* cfg holds the classes found by now; its setting still reads auto */
    for (int i = 0; i < cfg->n_settings; i++)
        if (!strcmp(cfg->settings[i].key, "classes") && !strcmp(cfg->settings[i].value, "auto") &&
            d->n_classes) {
            fprintf(f, "%-10s ", "classes");
            for (int c = 0; c < d->n_classes; c++)
                fprintf(f, "%s%s", c ? " " : "", d->classes[c]);
            fprintf(f, " (auto: the sorted distinct targets of %s)\n", d->train_paths[1]);
        }
    if (d->normalize != MLPT_NORMALIZE_NONE)
        fprintf(f, "%-10s %s, fitted on the %s training %s\n", "normalize",
                mlpt_normalize_names[d->normalize], console_thousands(d->fit.n, count),
                mlpt_noun(d->fit.n, "sample", "samples"));
}

static void rule(FILE *f, char c)
{
    for (int i = 0; i < 65; i++)
        fputc(c, f);
    fputc('\n', f);
}

static void summary_row(FILE *f, const char *name, const char *type, size_t width,
                        size_t params)
{
    enum { LABEL = 27 };
    char label[96], shape[32], count[32];
    snprintf(label, sizeof label, "%s (%s)", name, type);
    snprintf(shape, sizeof shape, "(None, %zu)", width);
    /* a longer label goes on in its column on the next lines, as Keras 2's */
    fprintf(f, " %-*.*s %-25s %s\n", LABEL, LABEL, label, shape, console_thousands(params, count));
    for (size_t at = LABEL; at < strlen(label); at += LABEL)
        fprintf(f, " %.*s\n", LABEL, label + at);
}

void console_model_summary(FILE *f, const mlpt_model *m)
{
    char count[32];
    size_t trainable = 0;
    fprintf(f, "Model: \"sequential\"\n");
    rule(f, '_');
    fprintf(f, " %-27s %-25s %s\n", "Layer (type)", "Output Shape", "Param #");
    rule(f, '=');
    if (m->spec.input_rank > 1)
        summary_row(f, "flatten", "Flatten", m->input_width, 0);
    for (int l = 0; l < m->spec.n_layers; l++) {
        /* Keras's names: dense, dense_1, ... per kind */
        const mlpt_layer_ops *kind = m->spec.layers[l].kind;
        int k = 0;
        for (int e = 0; e < l; e++)
            k += m->spec.layers[e].kind == kind;
        char name[48], keras[40];
        mlpt_keras_name(kind, keras, sizeof keras);
        if (k)
            snprintf(name, sizeof name, "%s_%d", keras, k);
        else
            snprintf(name, sizeof name, "%s", keras);
        summary_row(f, name, kind->keras_type, m->geom[l].out, m->geom[l].n_params);
        trainable += m->geom[l].n_trainable;
    }
    rule(f, '=');
    fprintf(f, "Total params: %s\n", console_thousands(m->n_params, count));
    fprintf(f, "Trainable params: %s\n", console_thousands(trainable, count));
    fprintf(f, "Non-trainable params: %s\n", console_thousands(m->n_params - trainable, count));
    rule(f, '_');
}
