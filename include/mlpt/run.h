/* mlpt/run.h - a training run from a config: what `mlptrain CONFIG` does,
 * without the console.
 *
 * A run holds run.out, loads and checks the data, creates the model and
 * its trainer, continues a checkpoint, trains the epochs (writing
 * history.csv every epoch and checkpoint.mlpt every epoch, every
 * run.checkpoint_every steps and when asked to stop; best.safetensors when
 * save_best's figure improves), stops early and restores the best weights
 * when early_stopping says so, and writes the model file and split.csv. It never prints: the caller shows what it likes
 * between the calls, which come in this order:
 *
 *   mlpt_run_open       holds run.out; reads or refuses its checkpoint
 *   mlpt_run_load       plans the model, loads the data, creates the model
 *   mlpt_run_start      initial weights (seeded or init's), the trainer, the checkpoint's state
 *   mlpt_run_distribute (several processes only)
 *   mlpt_run_train      the epochs, through mlpt_run_hooks
 *   mlpt_run_save       the model file and split.csv
 *   mlpt_run_finish     marks the checkpoint finished
 *   mlpt_run_close      at any point, whatever happened
 *
 * mlpt_run_all makes these calls in one process. In a run of several
 * processes every process makes the same calls; only the writer (one of
 * them) holds run.out, loads the test set and writes files. A call that
 * fails in one process must stop them all at the same point: the caller
 * agrees on each call's result before the next, and mlpt_run_train agrees
 * inside an epoch through its hooks. */
#ifndef MLPT_RUN_H
#define MLPT_RUN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mlpt/config.h"
#include "mlpt/data.h"
#include "mlpt/error.h"
#include "mlpt/fileio.h"
#include "mlpt/model.h"
#include "mlpt/train.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct mlpt_run mlpt_run;

typedef struct mlpt_run_options {
    int threads;             /* >= 1, for training and evaluation */
    bool writer;             /* this process holds run.out and writes its files */
    bool resume;             /* continue from run.out/checkpoint.mlpt */
    bool overwrite;          /* start over where an unfinished run's checkpoint is */
    const char *config_text; /* the config as read, kept in the model file; may be NULL */
    /* Called with each result file's path once it is written (the model
     * file, split.csv); may be NULL. */
    void (*wrote)(void *user, const char *path);
    void *user;
} mlpt_run_options;

/* Holds run.out (in the writer: another run there is refused) and decides
 * from its checkpoint whether this run may start, before anything is
 * loaded. With opt->resume, reads the checkpoint and fails unless cfg has
 * its settings (all but train.epochs, train.shards, [run] and [report],
 * naming each that differs) and no fewer epochs than it trained. Without,
 * the writer refuses to replace an unfinished run's checkpoint unless
 * opt->overwrite. The hold is the process's (mlpt_folder_take): it refuses
 * other processes, not a second run opened on the same folder in this
 * one, which the caller must not make. cfg and opt must outlive the run.
 * Returns NULL with err on failure. */
mlpt_run *mlpt_run_open(const mlpt_config *cfg, const mlpt_run_options *opt, mlpt_error *err);

/* Whether the resumed run finished at this config's epoch count, or early
 * stopping ended it: there is nothing to load or train, and the run is
 * only to be closed. */
bool mlpt_run_nothing_left(const mlpt_run *run);

/* Plans the model from the config, loads the data (see mlpt_data_load;
 * the test set in the writer only), checks that the samples are the
 * model's input and the test samples the training samples' shape, and
 * creates the model. */
int mlpt_run_load(mlpt_run *run, mlpt_error *err);

/* Initialises the weights from train.seed, or takes them from the model
 * file [train] init names (its layer stack must be the config's, kernel
 * shapes alike: an error names init's line, the layer and both shapes),
 * and creates the trainer with a fresh optimizer; a
 * resumed run then checks that the training data is the bytes its
 * checkpoint was trained on and takes its state and history. */
int mlpt_run_start(mlpt_run *run, mlpt_error *err);

/* Trains with the other processes of comm (an MPI_Comm *; see
 * mlpt_trainer_distribute). Collective. */
int mlpt_run_distribute(mlpt_run *run, const void *comm, mlpt_error *err);

/* What mlpt_run_train calls; any may be NULL. */
typedef struct mlpt_run_hooks {
    void *user;
    /* Before epoch `epoch` (0-based) starts or continues. */
    void (*epoch_begin)(void *user, int epoch);
    /* After every step; non-zero asks the run to stop there. */
    int (*step)(void *user, const mlpt_epoch_stats *s);
    /* In the writer, at the end of an epoch, once validated (validated is
     * false when there is no validation split: its figures are NaN). */
    void (*epoch_end)(void *user, const mlpt_epoch_stats *s, const mlpt_history_row *row,
                      bool validated);
    /* After each epoch's files are written; non-zero stops the run there. */
    int (*stop)(void *user);
    /* Across processes (NULL: one process): agree returns -1 in every
     * process when rc is negative in any, with that err, else rc; max
     * returns the largest value of all. */
    int (*agree)(int rc, mlpt_error *err);
    int (*max)(int value);
} mlpt_run_hooks;

/* mlpt_run_train's result when a hook asked to stop: a checkpoint holds
 * where the run stopped (see mlpt_run_position). */
enum { MLPT_RUN_STOPPED = 1 };

/* Trains the epochs left. A stop asked for at a step before an epoch's
 * last, or after an epoch that is not the last, takes effect in every
 * process at once. Every epoch ends with its validation (in every
 * process), the schedule's, early stopping's and save_best's decisions,
 * best.safetensors when it improved, history.csv and the checkpoint. When
 * early stopping is on, training ends with the best epoch's weights, as
 * Keras 3's restore_best_weights (stopped early or not). Returns 0,
 * MLPT_RUN_STOPPED, or -1 with err. */
int mlpt_run_train(mlpt_run *run, const mlpt_run_hooks *hooks, mlpt_error *err);

/* In the writer: writes the model file (with the weights' fingerprint,
 * the classes, the scale, the normalization and opt->config_text) and,
 * with test_split, split.csv: where each training-file row went. */
int mlpt_run_save(mlpt_run *run, mlpt_error *err);

/* In the writer: marks the checkpoint finished, once the run's files are
 * written: a plain re-run may then replace it, and a resume has nothing
 * left to do. */
int mlpt_run_finish(mlpt_run *run, mlpt_error *err);

/* Releases everything and lets run.out go; safe on NULL. */
void mlpt_run_close(mlpt_run *run);

/* The config with the classes that classes = auto found (once loaded). */
const mlpt_config *mlpt_run_config(const mlpt_run *run);
const mlpt_data *mlpt_run_data(const mlpt_run *run);
const mlpt_model *mlpt_run_model(const mlpt_run *run);

/* Where the run stands: the epoch to continue (0-based) and the steps of
 * it done. After mlpt_run_start, where a resumed run continues; after a
 * stop, where it stopped. */
void mlpt_run_position(const mlpt_run *run, int *epoch, size_t *step);

/* run.out/checkpoint.mlpt and run.out/history.csv. */
const char *mlpt_run_checkpoint_path(const mlpt_run *run);
const char *mlpt_run_history_path(const mlpt_run *run);

/* The completed epochs' rows, *n of them (train.epochs once trained, or
 * fewer when early stopping stopped the run). */
const mlpt_history_row *mlpt_run_history(const mlpt_run *run, size_t *n);

/* Early stopping, once trained (or when a resumed run has nothing left):
 * the 1-based epoch it stopped the run after (0: the run trained all its
 * epochs) and the epoch whose weights it restored (0: early stopping is
 * off, or nothing was trained here). */
void mlpt_run_early_stopping(const mlpt_run *run, int *stopped, int *restored);

/* What mlpt_run_all ends with. */
typedef struct mlpt_run_result {
    bool trained;            /* false: a resumed run had nothing left to train, or
                                the run stopped; then the rest is unset */
    mlpt_eval_result test;   /* the test set's figures */
    uint64_t fingerprint;    /* mlpt_model_fingerprint of the trained weights */
} mlpt_run_result;

/* A whole run in one process (opt->writer set): open, load, start, train
 * (hooks may be NULL), evaluate on the test set, save, finish, close.
 * Returns 0, MLPT_RUN_STOPPED or -1 with err. */
int mlpt_run_all(const mlpt_config *cfg, const mlpt_run_options *opt,
                 const mlpt_run_hooks *hooks, mlpt_run_result *result, mlpt_error *err);

#ifdef __cplusplus
}
#endif
#endif
