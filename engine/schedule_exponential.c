/* exponential RATE: keras.optimizers.schedules.ExponentialDecay with
 * decay_steps one epoch's steps (staircase=False), per step:
 * lr0 RATE^(step / steps_per_epoch), step counting from 0 over the run. */
#include <math.h>

#include "grammar.h"
#include "mlpt/schedule.h"

static int parse(const mlpt_words *args, int epochs, mlpt_schedule *s, mlpt_why *why)
{
    (void)epochs;
    return mlpt_word_factor("rate", args->w[0], false, &s->factor, why);
}

static double rate(const mlpt_schedule *s, double lr0, const mlpt_schedule_state *st,
                   const mlpt_schedule_at *at)
{
    (void)st;
    const double step = (double)at->epoch * (double)at->steps + (double)at->step;
    return lr0 * pow(s->factor, step / (double)at->steps);
}

const mlpt_schedule_ops mlpt_schedule_exponential = {"exponential", "exponential RATE", 1, 1,
                                                     false, parse, rate, NULL};
