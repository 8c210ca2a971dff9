/* The schedule line and what every schedule shares (see mlpt/schedule.h);
 * the kinds are engine/schedule_*.c. */
#include "mlpt/schedule.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "grammar.h"

enum { LINE_MAX_LEN = 127 };

/* "expected `constant`, `step FACTOR EVERY`, ... or `plateau FACTOR PATIENCE`" */
static int fail_usage(mlpt_why *why)
{
    size_t n = (size_t)snprintf(why->msg, sizeof why->msg, "expected");
    for (int k = 0; mlpt_schedules[k] && n < sizeof why->msg; k++)
        n += (size_t)snprintf(why->msg + n, sizeof why->msg - n, "%s`%s`",
                              !k ? " " : mlpt_schedules[k + 1] ? ", " : " or ",
                              mlpt_schedules[k]->usage);
    return -1;
}

int mlpt_schedule_parse(const char *text, int epochs, mlpt_schedule *s, mlpt_why *why)
{
    char buf[LINE_MAX_LEN + 1];
    mlpt_words words;
    const char *name;
    const size_t len = strlen(text);
    if (len > LINE_MAX_LEN)
        return mlpt_why_fail(why, "longer than %d characters", LINE_MAX_LEN);
    memcpy(buf, text, len + 1);
    if (mlpt_words_split(buf, &name, &words) < 0)
        return fail_usage(why);
    const mlpt_schedule_ops *kind =
        name ? mlpt_table_find(MLPT_TABLE(mlpt_schedules), name, strlen(name)) : NULL;
    if (!kind || words.n < kind->min_args || words.n > kind->max_args)
        return fail_usage(why);
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
