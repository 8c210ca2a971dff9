/* cli/train.h - one training run: the whole tutorial from a config. */
#ifndef MLPT_CLI_TRAIN_H
#define MLPT_CLI_TRAIN_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "mlpt/config.h"
#include "mlpt/error.h"
#include "mlpt/topology.h"

/* What a run ends with. */
typedef struct train_outcome {
    double test_loss, test_accuracy;
    size_t correct, tested;
    uint64_t fingerprint;
} train_outcome;

/* Loads the data, trains with a progress bar (quiet, or log not a terminal:
 * one line per epoch), evaluates on the test set, and writes run.out:
 * model.safetensors, history.csv and the figures. Reports to log as it
 * goes; errors go to err. */
int train_run(const mlpt_config *cfg, const mlpt_topology *topo, FILE *log, bool quiet,
              train_outcome *out, mlpt_error *err);

/* The run's thread count, binding the threads as the config asks; prints
 * the header line to log. */
int train_threads(const mlpt_config *cfg, const mlpt_topology *topo, FILE *log, int *threads,
                  mlpt_error *err);

#endif
