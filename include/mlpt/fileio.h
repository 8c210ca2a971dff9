/* mlpt/fileio.h - checked file access: writing results so that a crash, a
 * full disk or a bad folder never leaves a half-written file where a good
 * one was, and opening input whose size bounds what a reader allocates. */
#ifndef MLPT_FILEIO_H
#define MLPT_FILEIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "mlpt/error.h"
#include "mlpt/metrics.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A file being written under a temporary name beside its final path. */
typedef struct mlpt_atomic_file {
    FILE *f;              /* write through this */
    char path[4096];      /* final name */
    char tmp[4096 + 32];  /* PATH.tmp.PID */
} mlpt_atomic_file;

/* Opens PATH.tmp.PID for writing. */
int mlpt_atomic_open(mlpt_atomic_file *a, const char *path, mlpt_error *err);

/* Checks every write made through a->f, flushes and fsyncs it, and renames
 * it over the final path. On any failure the temporary file is removed, the
 * previous file at path (if any) is left as it was, and the error names the
 * path and the system's reason. */
int mlpt_atomic_commit(mlpt_atomic_file *a, mlpt_error *err);

/* Gives up: closes and removes the temporary file. */
void mlpt_atomic_abort(mlpt_atomic_file *a);

/* Opens path for reading (the caller closes *f) and checks that it is a
 * regular file, so that *size, its size in bytes, means something to check
 * a header's lengths against. On failure *f is NULL and the error is
 * "PATH: cannot open: REASON", "PATH: cannot stat: REASON" or "PATH: not a
 * regular file". */
int mlpt_open_regular(const char *path, FILE **f, uint64_t *size, mlpt_error *err);

/* buf = dir/name (one slash between them even when dir ends with one, as
 * `/` or `runs/`), failing when it does not fit in len bytes. */
int mlpt_path_join(char *buf, size_t len, const char *dir, const char *name, mlpt_error *err);

/* mkdir -p: creates dir and its missing parents. */
int mlpt_make_dirs(const char *dir, mlpt_error *err);

/* A folder held by one process, so that two runs never write into the
 * same one: an fcntl write lock on DIR/.lock, which the system releases
 * when the process ends however it ends (kill -9 leaves no stale lock).
 * The file stays behind, holding the pid of its last holder as text. */
typedef struct mlpt_folder_lock {
    int fd;
    bool held; /* fd is open and locked */
} mlpt_folder_lock;

/* Creates dir (as mlpt_make_dirs) and takes its lock without waiting. When
 * another process holds it, fails with "DIR: in use by process PID ...". */
int mlpt_folder_take(const char *dir, mlpt_folder_lock *lock, mlpt_error *err);

/* Lets the folder go (the file stays); safe on a zeroed struct. */
void mlpt_folder_release(mlpt_folder_lock *lock);

/* One epoch of training, as a row of history.csv. */
typedef struct mlpt_history_row {
    int epoch;                   /* 1-based */
    double loss, metrics[MLPT_MAX_METRICS];         /* over the epoch's training batches */
    double val_loss, val_metrics[MLPT_MAX_METRICS]; /* NaN when there is no validation split */
    double lr;                   /* the learning rate of the epoch's last step */
    double seconds, samples_per_s;
} mlpt_history_row;

/* Writes `epoch,loss,M...,val_loss,val_M...,lr,seconds,samples_per_s` (M: the
 * names of `metrics`, in order) and one line per row (empty validation
 * cells when NaN), atomically. */
int mlpt_history_write(const char *path, const mlpt_metric_list *metrics,
                       const mlpt_history_row *rows, size_t n, mlpt_error *err);

#ifdef __cplusplus
}
#endif
#endif
