/* mlpt/schedule.h - the learning rate over a run: Keras's schedules
 * (ExponentialDecay, CosineDecay with its warmup, a step function as a
 * LearningRateScheduler would apply) and ReduceLROnPlateau.
 *
 * A schedule is an entry of mlpt_schedules (engine/schedule_*.c), listed
 * once in engine/tables.c; `[train] schedule = NAME ARGS` picks one. The
 * rate of a step is a function of where the step is (epoch, step, steps
 * per epoch, epochs) and of the schedule's state, which only epoch ends
 * change (the plateau's): so it is the same at any thread, shard or
 * process count, and after a resume that restores the state. */
#ifndef MLPT_SCHEDULE_H
#define MLPT_SCHEDULE_H

#include <stdbool.h>
#include <stddef.h>

#include "mlpt/tables.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct mlpt_schedule_ops mlpt_schedule_ops;

/* A schedule with its arguments. What the two numbers mean is the kind's:
 *   step FACTOR EVERY         factor, epochs = EVERY
 *   exponential RATE          factor = RATE
 *   cosine [warmup EPOCHS]    epochs = EPOCHS (0: none)
 *   plateau FACTOR PATIENCE   factor, epochs = PATIENCE */
typedef struct mlpt_schedule {
    const mlpt_schedule_ops *kind; /* an entry of mlpt_schedules; NULL: constant */
    double factor;
    int epochs;
} mlpt_schedule;

/* Where a step is in the run. */
typedef struct mlpt_schedule_at {
    int epoch;    /* 0-based */
    size_t step;  /* 0-based, within the epoch */
    size_t steps; /* steps per epoch */
    int epochs;   /* epochs of the run */
} mlpt_schedule_at;

/* What epoch ends change (the plateau's state; the other kinds keep it as
 * mlpt_schedule_start makes it). A checkpoint holds it. */
typedef struct mlpt_schedule_state {
    float rate;  /* the rate now: learning_rate at the start, as a float as Keras keeps it */
    double best; /* the lowest monitored loss so far (+inf at the start) */
    int wait;    /* epochs since it last improved on best */
} mlpt_schedule_state;

struct mlpt_schedule_ops {
    const char *name;  /* schedule = NAME ... */
    const char *usage; /* its grammar for messages: "step FACTOR EVERY" */
    int min_args, max_args; /* words after the name */
    /* The rate is learning_rate throughout (constant): the console does
     * not show it. */
    bool fixed;
    /* Fills s (its kind already set) from the words after the name, for a
     * run of `epochs` epochs; on failure says why, naming the word. */
    int (*parse)(const mlpt_words *args, int epochs, mlpt_schedule *s, mlpt_why *why);
    /* The rate of the step at `at`, from lr0 (learning_rate) and the state. */
    double (*rate)(const mlpt_schedule *s, double lr0, const mlpt_schedule_state *st,
                   const mlpt_schedule_at *at);
    /* At an epoch's end, with its monitored loss (val_loss, or the
     * training loss without a validation split); NULL: nothing changes. */
    void (*epoch_end)(const mlpt_schedule *s, mlpt_schedule_state *st, double loss);
};

extern const mlpt_schedule_ops *const mlpt_schedules[]; /* NULL-terminated; first: the default */

/* Parses `cosine warmup 2` (the config's schedule line) for a run of
 * `epochs` epochs; on failure why names the word and what was expected. */
int mlpt_schedule_parse(const char *text, int epochs, mlpt_schedule *s, mlpt_why *why);

/* The state a run starts with at learning rate lr0. */
mlpt_schedule_state mlpt_schedule_start(float lr0);

/* The rate of the step at `at`, as the optimizer takes it (a float). */
float mlpt_schedule_rate(const mlpt_schedule *s, float lr0, const mlpt_schedule_state *st,
                         const mlpt_schedule_at *at);

/* An epoch's end: loss is its training loss, val_loss its validation loss
 * (NaN without a validation split). */
void mlpt_schedule_epoch_end(const mlpt_schedule *s, mlpt_schedule_state *st, double loss,
                             double val_loss);

/* Whether the rate changes over the run (every kind but constant). */
bool mlpt_schedule_varies(const mlpt_schedule *s);

#ifdef __cplusplus
}
#endif
#endif
