/* mlpt/checkpoint.h - a training run's whole state on disk, to continue it
 * bit for bit after Ctrl-C, a crash or kill -9.
 *
 * A checkpoint holds the parameters, the optimizer's moments and step
 * count, how far training got (epoch, step, the epoch's running sums) and
 * whether the run finished there, the history of completed epochs, the
 * schedule's state, what early stopping and save_best have seen (with the
 * best weights early stopping keeps), and what
 * must not change on resume: the settings and the training files' digests;
 * with a hash of the whole file. Shuffles and dropout masks are
 * keyed by (seed, epoch, sample), so they need no state. The file is
 * written atomically: the previous checkpoint stays until the new one is
 * complete. */
#ifndef MLPT_CHECKPOINT_H
#define MLPT_CHECKPOINT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mlpt/error.h"
#include "mlpt/fileio.h"
#include "mlpt/idx.h"
#include "mlpt/monitor.h"
#include "mlpt/train.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct mlpt_checkpoint {
    int epoch;                  /* the epoch to continue, 0-based */
    mlpt_epoch_stats done;      /* its steps done and running sums (step 0: at its start);
                                   read: its metric_state is owned */
    int n_metrics;              /* metrics in each history row */
    bool finished;              /* the run ended here: its model file and figures are written */
    size_t n_history;           /* completed epochs */
    mlpt_history_row *history;  /* owned */
    char *settings;             /* owned: "section.key=value" lines that must match */
    uint64_t settings_hash;     /* FNV-1a of settings */
    mlpt_idx_digest train_images, train_labels; /* the files it was trained on */
    /* early stopping's and save_best's watches (zeroed when off), the
     * epoch (1-based) early stopping stopped the run after (0: it has
     * not), and the weights it keeps: n_params floats, or NULL (owned
     * when read) */
    mlpt_watch early, best;
    int stopped;
    float *best_params;
    uint64_t best_of; /* which figure `best` watched, as its caller tells them apart */
    /* the trainer's state: filled and owned by mlpt_checkpoint_read, copied
     * (not taken) by mlpt_checkpoint_restore; save takes it from the trainer */
    const mlpt_optimizer_ops *optimizer;
    size_t n_params;
    uint64_t steps_taken;
    float *params, *state1, *state2;
    mlpt_schedule_state schedule;
} mlpt_checkpoint;

/* Writes c's progress, history and settings with t's state to path. */
int mlpt_checkpoint_save(const char *path, const mlpt_checkpoint *c, mlpt_trainer *t,
                         mlpt_error *err);

/* Reads path into c, trusting nothing: magic and version (a checkpoint
 * of another format version is refused saying so), sizes against the file
 * size before any allocation, counts in range, and the hash. On failure c
 * is left zeroed. */
int mlpt_checkpoint_read(const char *path, mlpt_checkpoint *c, mlpt_error *err);

/* Copies c's state into t (parameters, optimizer, schedule) after checking
 * that it fits (optimizer and parameter count). */
int mlpt_checkpoint_restore(const mlpt_checkpoint *c, mlpt_trainer *t, mlpt_error *err);

/* Releases what mlpt_checkpoint_read allocated (history, settings, the
 * state and the best weights) and zeroes *c; safe on a zeroed struct. Not for a checkpoint the
 * caller filled in to save, whose arrays are the caller's. */
void mlpt_checkpoint_free(mlpt_checkpoint *c);

#ifdef __cplusplus
}
#endif
#endif
