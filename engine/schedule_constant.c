/* constant: learning_rate at every step (Keras's default: a float rate). */
#include "mlpt/schedule.h"

static int parse(const mlpt_words *args, int epochs, mlpt_schedule *s, mlpt_why *why)
{
    (void)args, (void)epochs, (void)s, (void)why;
    return 0;
}

static double rate(const mlpt_schedule *s, double lr0, const mlpt_schedule_state *st,
                   const mlpt_schedule_at *at)
{
    (void)s, (void)st, (void)at;
    return lr0;
}

const mlpt_schedule_ops mlpt_schedule_constant = {"constant", "constant", 0, 0, true, parse,
                                                  rate, NULL};
