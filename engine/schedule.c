/* The schedule line and what every schedule shares (see mlpt/schedule.h);
 * the kinds are engine/schedule_*.c. */
#include "mlpt/schedule.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "grammar.h"

int mlpt_schedule_parse(const char *text, int epochs, mlpt_schedule *s, mlpt_why *why)
{
    char buf[MLPT_LINE_MAX + 1];
    mlpt_words words;
    const void *entry;
    if (mlpt_kind_line(text, MLPT_TABLE(mlpt_schedules), buf, &entry, &words, why) < 0)
        return -1;
    const mlpt_schedule_ops *kind = entry;
    if (words.n < kind->min_args || words.n > kind->max_args)
        return mlpt_fail_usage(MLPT_TABLE(mlpt_schedules), why);
    *s = (mlpt_schedule){.kind = kind};
    return kind->parse(&words, epochs, s, why);
}

mlpt_schedule_state mlpt_schedule_start(float lr0)
{
    return (mlpt_schedule_state){.rate = lr0, .best = INFINITY};
}

float mlpt_schedule_rate(const mlpt_schedule *s, float lr0, const mlpt_schedule_state *st,
                         const mlpt_schedule_at *at)
{
    return s->kind ? (float)s->kind->rate(s, lr0, st, at) : lr0;
}

/* As Keras's ReduceLROnPlateau(monitor="val_loss"), which falls back on the
 * loss when there is no val_loss. */
void mlpt_schedule_epoch_end(const mlpt_schedule *s, mlpt_schedule_state *st, double loss,
                             double val_loss)
{
    if (s->kind && s->kind->epoch_end)
        s->kind->epoch_end(s, st, isnan(val_loss) ? loss : val_loss);
}

bool mlpt_schedule_varies(const mlpt_schedule *s)
{
    return s->kind && !s->kind->fixed;
}
