/* cli/train.h - one training run: the whole tutorial from a config, the
 * console around the library's run (mlpt/run.h). */
#ifndef MLPT_CLI_TRAIN_H
#define MLPT_CLI_TRAIN_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "mlpt/config.h"
#include "mlpt/error.h"
#include "mlpt/metrics.h"
#include "mlpt/topology.h"

/* What a run ends with. */
typedef struct train_outcome {
    double test_loss;
    double test_metrics[MLPT_MAX_METRICS]; /* in the config's `metrics` order */
    size_t tested;
    uint64_t fingerprint;
} train_outcome;

typedef struct train_options {
    FILE *log;    /* where the run reports */
    bool quiet;   /* no progress bar (also when log is not a terminal) */
    bool resume;  /* continue from run.out/checkpoint.mlpt */
    bool overwrite; /* start over even where an unfinished run's checkpoint is */
    const char *command; /* the command line, for the hint on how to resume;
                            NULL: no hint */
    const char *config_text; /* the config as read, kept in the model file */
} train_options;

/* train_run's result when Ctrl-C or SIGTERM stopped it (a checkpoint saved). */
enum { TRAIN_INTERRUPTED = 1 };

/* Holds run.out (another run there is refused) and refuses to replace an
 * unfinished run's checkpoint unless opt->overwrite; loads the data, trains
 * with a progress bar, evaluates on the test set, and writes run.out:
 * checkpoint.mlpt (every epoch, every run.checkpoint_every steps, and
 * marked finished at the end), history.csv, model.safetensors and the
 * figures. Returns 0 (also when a resumed run had nothing left to train:
 * then out is untouched and nothing written), TRAIN_INTERRUPTED, or -1
 * with err. */
int train_run(const mlpt_config *cfg, const mlpt_topology *topo, const train_options *opt,
              train_outcome *out, mlpt_error *err);

/* The run's thread count, binding the threads as the config asks; prints
 * the header line to log. */
int train_threads(const mlpt_config *cfg, const mlpt_topology *topo, FILE *log, int *threads,
                  mlpt_error *err);

#endif
