/* cosine [warmup EPOCHS]: keras.optimizers.schedules.CosineDecay with
 * alpha 0, per step, over the run's steps: with warmup, the rate first
 * rises linearly from 0 to lr0 over EPOCHS epochs' steps
 * (initial_learning_rate 0, warmup_target lr0, warmup_steps W), then
 * decays over the remaining steps (decay_steps = all - W):
 *   k < W: lr0 k / W;   else lr0 (1 + cos(pi (k - W) / (all - W))) / 2 */
#include <math.h>
#include <string.h>

#include "grammar.h"
#include "mlpt/schedule.h"

static int parse(const mlpt_words *args, int epochs, mlpt_schedule *s, mlpt_why *why)
{
    long long warmup = 0;
    if (args->n == 0)
        return 0;
    if (args->n != 2 || strcmp(args->w[0], "warmup"))
        return mlpt_why_fail(why, "expected `cosine` or `cosine warmup EPOCHS`");
    if (mlpt_word_count("warmup", args->w[1], 1, 100000, &warmup, why) < 0)
        return -1;
    if (warmup >= epochs)
        return mlpt_why_fail(why, "warmup %lld: the warmup must leave epochs to decay over "
                                  "(epochs = %d)", warmup, epochs);
    s->epochs = (int)warmup;
    return 0;
}

static double rate(const mlpt_schedule *s, double lr0, const mlpt_schedule_state *st,
                   const mlpt_schedule_at *at)
{
    (void)st;
    const double steps = (double)at->steps, all = (double)at->epochs * steps,
                 warmup = (double)s->epochs * steps;
    const double k = fmin((double)at->epoch * steps + (double)at->step, all);
    if (k < warmup)
        return lr0 * (k / warmup);
    const double pi = 3.14159265358979323846;
    return lr0 * (0.5 * (1.0 + cos(pi * ((k - warmup) / (all - warmup)))));
}

const mlpt_schedule_ops mlpt_schedule_cosine = {"cosine", "cosine [warmup EPOCHS]", 0, 2, false,
                                                parse, rate, NULL};
