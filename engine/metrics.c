/* A run's metrics together: their states laid one after the other. */
#include <string.h>

#include "mlpt/metrics.h"

static size_t state_len(const mlpt_metric_ops *o, size_t width)
{
    return o->state_fixed + o->state_per_output * width;
}

size_t mlpt_metrics_state_len(const mlpt_metric_list *l, size_t width)
{
    size_t n = 0;
    for (int i = 0; i < l->n; i++)
        n += state_len(l->m[i].ops, width);
    return n;
}

void mlpt_metrics_add(const mlpt_metric_list *l, const mlpt_metric_rows *r, double *state)
{
    for (int i = 0; i < l->n; i++) {
        l->m[i].ops->add(r, l->m[i].arg, state);
        state += state_len(l->m[i].ops, r->width);
    }
}

void mlpt_metrics_values(const mlpt_metric_list *l, size_t width, const double *state,
                         double *values)
{
    for (int i = 0; i < l->n; i++) {
        values[i] = l->m[i].ops->value(state, width, l->m[i].arg);
        state += state_len(l->m[i].ops, width);
    }
}

const mlpt_metric_ops *mlpt_metric_named(const char *name)
{
    return mlpt_table_find(MLPT_TABLE(mlpt_metrics), name, strlen(name));
}
