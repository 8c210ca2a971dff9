/* engine/metric.h - what the metric entries share: reading a row's truth
 * the way every task stores it. */
#ifndef MLPT_ENGINE_METRIC_H
#define MLPT_ENGINE_METRIC_H

#include <math.h>
#include <stddef.h>

#include "mlpt/metrics.h"

/* Whether output c of row r is truly positive: a 0/1 value (multi-label;
 * above one half counts as 1) or the row's class label (binary). */
static inline int mlpt_truth(const mlpt_metric_rows *m, size_t r, size_t c)
{
    return m->y.values ? m->y.values[r * m->width + c] > 0.5f : m->y.labels[r] != 0;
}

/* Sums over every output of every row: sum[0] += f(...) and sum[1] counts. */
static inline double mlpt_ratio(const double *state)
{
    return state[1] > 0.0 ? state[0] / state[1] : (double)NAN;
}

/* mlpt_ratio as a metric's value function. */
static inline double mlpt_ratio_value(const double *state, size_t width, int arg)
{
    (void)width, (void)arg;
    return mlpt_ratio(state);
}

#endif
