/* mlptrain --check CONFIG: the resolved settings, the model, and the
 * memory training it takes, without opening a data file; a model this
 * machine cannot hold is refused here rather than when it is allocated. */
#define _DEFAULT_SOURCE /* sysconf(_SC_PHYS_PAGES) */
#include <stdint.h>
#include <stdio.h>
#include <unistd.h>

#include "commands.h"
#include "console.h"
#include "mlpt/model.h"
#include "mlpt/train.h"

/* Bytes of memory in this machine; SIZE_MAX when the system does not say. */
static size_t physical_memory(void)
{
    const long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
    size_t bytes;
    if (pages <= 0 || page <= 0 ||
        __builtin_mul_overflow((size_t)pages, (size_t)page, &bytes))
        return SIZE_MAX;
    return bytes;
}

/* A model that does not fit is named by its largest kernel layer (and the
 * input, when that layer is the first and so takes the input's width). */
static int refuse(const mlpt_config *cfg, const mlpt_model *m, size_t total, size_t memory,
                  mlpt_error *err)
{
    int largest = -1, first = -1;
    for (int l = 0; l < m->spec.n_layers; l++) {
        if (!m->spec.layers[l].kind->kernel)
            continue;
        if (largest < 0 || m->geom[l].n_params > m->geom[largest].n_params)
            largest = l;
        if (first < 0)
            first = l;
    }
    char layer[512], input[512] = "", params[32], need[32], have[32];
    /* the settings list one `layer` per layer, in order */
    mlpt_config_origin(cfg, "layer", largest, layer, sizeof layer);
    if (largest == first)
        mlpt_config_origin(cfg, "input", 0, input, sizeof input);
    return mlpt_fail(err, "%s: training needs %s, more than this machine's %s of memory; this "
                          "layer holds the most parameters, %s%s%s",
                     layer, console_bytes(total, need), console_bytes(memory, have),
                     console_thousands(m->geom[largest].n_params, params),
                     input[0] ? ", as its input is as wide as " : "", input);
}

/* What training m takes with `threads` threads, against what this machine
 * has; fails when it does not fit. */
static int fits(const mlpt_config *cfg, const mlpt_model *m, int threads, mlpt_train_memory *mem,
                size_t *total, size_t *memory, mlpt_error *err)
{
    *mem = mlpt_train_memory_of(m, &cfg->train);
    *total = mlpt_train_memory_total(mem, threads);
    if (cfg->early_stopping.monitor.set) /* its copy of the best epoch's weights */
        *total = *total > SIZE_MAX - mem->params ? SIZE_MAX : *total + mem->params;
    *memory = physical_memory();
    return *total >= *memory ? refuse(cfg, m, *total, *memory, err) : 0;
}

int cli_check_fits(const mlpt_config *cfg, const mlpt_model *m, int threads, mlpt_error *err)
{
    mlpt_train_memory mem;
    size_t total, memory;
    return fits(cfg, m, threads, &mem, &total, &memory, err);
}

int cli_check(const mlpt_config *cfg, mlpt_error *err)
{
    mlpt_model m; /* planned only: --check allocates no parameters */
    /* The fewest threads the run can have ("auto" has at least one). */
    const int threads = cfg->run.threads ? cfg->run.threads : 1;
    mlpt_train_memory mem;
    size_t total, memory;
    if (mlpt_model_plan(&cfg->model, &m, err) < 0 ||
        fits(cfg, &m, threads, &mem, &total, &memory, err) < 0)
        return -1;
    console_settings(stdout, cfg);
    putchar('\n');
    console_model_summary(stdout, &m);
    char b[5][32], count[32];
    printf("Memory to train: %s", console_bytes(total, b[0]));
    if (cfg->run.threads)
        printf(" with %d %s\n", threads, mlpt_noun((size_t)threads, "thread", "threads"));
    else
        printf(" with 1 thread, %s more per thread\n", console_bytes(mem.per_thread, b[1]));
    printf("  parameters       %12s  %s floats\n", console_bytes(mem.params, b[1]),
           console_thousands(m.n_params, count));
    printf("  optimizer state  %12s  its moments and the update plan\n",
           console_bytes(mem.optimizer, b[2]));
    if (cfg->early_stopping.monitor.set)
        printf("  best weights     %12s  early stopping's copy of the best epoch's\n",
               console_bytes(mem.params, b[2]));
    printf("  one batch        %12s  %d samples' activations, gradients and non-zero inputs\n",
           console_bytes(mem.batch, b[3]), cfg->train.batch);
    printf("  per thread       %12s  its lists of a batch's non-zero inputs\n",
           console_bytes(mem.per_thread, b[4]));
    /* (the plan keeps input_width far below SIZE_MAX: it is at most the
     * first dense layer's parameter count, whose bytes fit) */
    /* the data files are not opened: their inputs may be bytes or floats */
    printf("Not counted: the data, %s per training sample and %s per test sample (inputs "
           "kept as bytes; float inputs take 4 bytes a value)\n",
           console_bytes(m.input_width + 1 + mem.per_sample, b[0]),
           console_bytes(m.input_width + 1, b[1]));
    printf("This machine has %s of memory.\n", console_bytes(memory, b[2]));
    printf("%s: OK (data files are not opened by --check)\n", cfg->path);
    return 0;
}
