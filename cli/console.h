/* cli/console.h - what mlptrain prints, Keras-style. */
#ifndef MLPT_CLI_CONSOLE_H
#define MLPT_CLI_CONSOLE_H

#include <stdbool.h>
#include <stdio.h>

#include "mlpt/config.h"
#include "mlpt/data.h"
#include "mlpt/samples.h"
#include "mlpt/model.h"
#include "mlpt/topology.h"

/* n with thousands separators ("101,770") into buf. */
const char *console_thousands(size_t n, char buf[32]);

/* Where the threads run, as train_threads decided. */
typedef enum {
    PLACED_BOUND,          /* one thread per allowed core */
    PLACED_BY_OPENMP,      /* OMP_PROC_BIND: OpenMP's places */
    PLACED_UNBOUND,        /* run.bind = none */
    PLACED_SHARED,         /* several processes of the run share these cores */
    PLACED_OVERSUBSCRIBED  /* more threads than allowed cores */
} console_placement;

/* The run's first line: version, processes, threads, topology, placement,
 * seed. */
void console_header(FILE *f, const mlpt_topology *topo, int threads,
                    console_placement placement, const mlpt_config *cfg);

/* Every resolved setting with its origin (file line, override, default). */
void console_settings(FILE *f, const mlpt_config *cfg);

/* One line naming the settings that took defaults, so none is silent. */
void console_defaults(FILE *f, const mlpt_config *cfg);

/* A byte count in binary units ("397.5 KiB"); SIZE_MAX, a saturated
 * count, reads "more than size_t counts". */
const char *console_bytes(size_t n, char buf[32]);

void console_data_summary(FILE *f, const char *name, const mlpt_samples *d, int n_classes);

/* What the data decided, when the config left it to the data: the
 * classes (classes = auto) and the normalization. */
void console_data_origin(FILE *f, const mlpt_config *cfg, const mlpt_data *d);

/* Keras's model.summary(): layer, output shape, parameter count, totals. */
void console_model_summary(FILE *f, const mlpt_model *m);

#endif
