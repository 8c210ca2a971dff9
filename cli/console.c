#include "console.h"

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
    fprintf(f, "%d thread%s | hwloc: %d package%s, %d cores, %d PUs; "
               "this process may use PUs %s (%d core%s) | %s | seed %llu\n",
            threads, threads == 1 ? "" : "s", topo->packages,
            topo->packages == 1 ? "" : "s", topo->cores, topo->pus, topo->allowed_list,
            topo->allowed_cores, topo->allowed_cores == 1 ? "" : "s", placements[placement],
            (unsigned long long)cfg->train.seed);
}

static const char *origin_text(const mlpt_setting *s, char buf[32])
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

void console_settings(FILE *f, const mlpt_config *cfg)
{
    const char *section = "";
    for (int i = 0; i < cfg->n_settings; i++) {
        const mlpt_setting *s = &cfg->settings[i];
        char buf[32];
        if (strcmp(section, s->section)) {
            fprintf(f, "%s[%s]\n", i ? "\n" : "", s->section);
            section = s->section;
        }
        fprintf(f, "%-14s = %-40s ; %s\n", s->key, s->value, origin_text(s, buf));
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

/* "28x28" */
static void shape_text(const size_t *dims, int rank, char *buf, size_t len)
{
    size_t o = 0;
    buf[0] = '\0';
    for (int d = 0; d < rank && o < len; d++)
        o += (size_t)snprintf(buf + o, len - o, "%s%zu", d ? "x" : "", dims[d]);
}

void console_data_summary(FILE *f, const char *name, const mlpt_dataset *d, int n_classes)
{
    char shape[64], count[32], fewest[32], most[32];
    shape_text(d->sample_dims, d->sample_rank, shape, sizeof shape);
    size_t per_class[MLPT_MAX_CLASSES] = {0};
    for (size_t i = 0; i < d->n; i++)
        per_class[d->labels[i]]++;
    size_t lo = d->n, hi = 0;
    for (int c = 0; c < n_classes; c++) {
        lo = per_class[c] < lo ? per_class[c] : lo;
        hi = per_class[c] > hi ? per_class[c] : hi;
    }
    fprintf(f, "%-10s %7s samples of %s bytes, %d classes (%s to %s per class)\n", name,
            console_thousands(d->n, count), shape, n_classes, console_thousands(lo, fewest),
            console_thousands(hi, most));
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
    char label[64], shape[32], count[32];
    snprintf(label, sizeof label, "%s (%s)", name, type);
    snprintf(shape, sizeof shape, "(None, %zu)", width);
    fprintf(f, " %-27s %-25s %s\n", label, shape, console_thousands(params, count));
}

void console_model_summary(FILE *f, const mlpt_model *m)
{
    char count[32];
    fprintf(f, "Model: \"sequential\"\n");
    rule(f, '_');
    fprintf(f, " %-27s %-25s %s\n", "Layer (type)", "Output Shape", "Param #");
    rule(f, '=');
    if (m->spec.input_rank > 1)
        summary_row(f, "flatten", "Flatten", m->input_width, 0);
    int dense = 0, dropout = 0;
    for (int l = 0; l < m->spec.n_layers; l++) {
        char name[32];
        const int is_dense = m->spec.layers[l].kind == MLPT_LAYER_DENSE;
        int *k = is_dense ? &dense : &dropout;
        const char *base = is_dense ? "dense" : "dropout";
        if ((*k)++)
            snprintf(name, sizeof name, "%s_%d", base, *k - 1);
        else
            snprintf(name, sizeof name, "%s", base);
        summary_row(f, name, is_dense ? "Dense" : "Dropout", m->geom[l].out,
                    m->geom[l].n_params);
    }
    rule(f, '=');
    fprintf(f, "Total params: %s\n", console_thousands(m->n_params, count));
    fprintf(f, "Trainable params: %s\n", count);
    fprintf(f, "Non-trainable params: 0\n");
    rule(f, '_');
}
