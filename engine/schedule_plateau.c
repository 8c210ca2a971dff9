/* plateau FACTOR PATIENCE: keras.callbacks.ReduceLROnPlateau(factor,
 * patience) with its defaults (min_delta 1e-4, cooldown 0, min_lr 0),
 * watching val_loss (the loss without a validation split): after PATIENCE
 * epochs in a row without an improvement of more than min_delta, the rate
 * is multiplied by FACTOR at the epoch's end. */
#include <math.h>

#include "grammar.h"
#include "mlpt/monitor.h"
#include "mlpt/schedule.h"

static const double min_delta = 1e-4;

static int parse(const mlpt_words *args, int epochs, mlpt_schedule *s, mlpt_why *why)
{
    (void)epochs;
    long long patience;
    if (mlpt_word_factor("factor", args->w[0], true, &s->factor, why) < 0 ||
        mlpt_word_count("patience", args->w[1], 0, 100000, &patience, why) < 0)
        return -1;
    s->epochs = (int)patience;
    return 0;
}

static double rate(const mlpt_schedule *s, double lr0, const mlpt_schedule_state *st,
                   const mlpt_schedule_at *at)
{
    (void)s, (void)lr0, (void)at;
    return st->rate;
}

static void epoch_end(const mlpt_schedule *s, mlpt_schedule_state *st, double loss)
{
    if (mlpt_monitor_improves(false, loss, st->best, min_delta)) {
        st->best = loss;
        st->wait = 0;
    } else if (++st->wait >= s->epochs) {
        /* Keras keeps the rate in a float variable: each product is rounded */
        st->rate = (float)fmax((double)st->rate * s->factor, 0.0);
        st->wait = 0;
    }
}

const mlpt_schedule_ops mlpt_schedule_plateau = {"plateau", "plateau FACTOR PATIENCE", 2, 2,
                                                 false, parse, rate, epoch_end};
