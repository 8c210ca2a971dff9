/* step FACTOR EVERY: lr0 FACTOR^floor(epoch / EVERY), set at each epoch's
 * start, as keras.callbacks.LearningRateScheduler applies a step function. */
#include <math.h>

#include "grammar.h"
#include "mlpt/schedule.h"

static int parse(const mlpt_words *args, int epochs, mlpt_schedule *s, mlpt_why *why)
{
    (void)epochs;
    long long every;
    if (mlpt_word_factor("factor", args->w[0], false, &s->factor, why) < 0 ||
        mlpt_word_count("every", args->w[1], 1, 100000, &every, why) < 0)
        return -1;
    s->epochs = (int)every;
    return 0;
}

static double rate(const mlpt_schedule *s, double lr0, const mlpt_schedule_state *st,
                   const mlpt_schedule_at *at)
{
    (void)st;
    return lr0 * pow(s->factor, (double)(at->epoch / s->epochs));
}

const mlpt_schedule_ops mlpt_schedule_step = {"step", "step FACTOR EVERY", 2, 2, false, parse,
                                              rate, NULL};
