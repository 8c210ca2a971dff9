/* Monitors and Keras's decisions from them (see mlpt/monitor.h). */
#include "mlpt/monitor.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "grammar.h"
#include "mlpt/error.h"

int mlpt_monitor_parse(const char *word, const mlpt_metric_list *metrics, bool validation,
                       mlpt_monitor *m, mlpt_why *why)
{
    char shown[48];
    const bool val = strncmp(word, "val_", 4) == 0;
    const char *name = val ? word + 4 : word;
    *m = (mlpt_monitor){.set = true, .val = val, .metric = -1};
    if (strcmp(name, "loss")) {
        for (int i = 0; i < metrics->n && m->metric < 0; i++)
            if (!strcmp(metrics->m[i].ops->name, name))
                m->metric = i;
        if (m->metric < 0)
            return mlpt_why_fail(why, "\"%s\" is not computed: expected loss, or a name of "
                                      "[train] metrics, with or without val_",
                                 mlpt_quote(word, shown, sizeof shown));
        m->higher_is_better = metrics->m[m->metric].ops->higher_is_better;
    }
    if (val && !validation)
        return mlpt_why_fail(why, "%s needs a validation split ([data] validation above 0)",
                             mlpt_quote(word, shown, sizeof shown));
    return 0;
}

const char *mlpt_monitor_name(const mlpt_monitor *m, const mlpt_metric_list *metrics,
                              char *buf, size_t cap)
{
    snprintf(buf, cap, "%s%s", m->val ? "val_" : "",
             m->metric < 0 ? "loss" : metrics->m[m->metric].ops->name);
    return buf;
}

bool mlpt_monitor_improves(bool higher_is_better, double value, double best, double min_delta)
{
    return higher_is_better ? value > best + min_delta : value < best - min_delta;
}

double mlpt_monitor_worst(bool higher_is_better)
{
    return higher_is_better ? -INFINITY : INFINITY;
}

mlpt_watch mlpt_watch_start(const mlpt_monitor *m)
{
    return (mlpt_watch){.best = mlpt_monitor_worst(m->higher_is_better)};
}

/* As Keras 3: the wait counts every epoch and an improvement resets it;
 * the first epoch's weights are kept even when its figure is NaN, so that
 * there are always weights to restore. */
bool mlpt_early_stopping_update(const mlpt_early_stopping *es, mlpt_watch *w, int epoch,
                                double value, bool *keep)
{
    *keep = w->best_epoch == 0;
    if (*keep)
        w->best_epoch = epoch;
    w->wait++;
    if (mlpt_monitor_improves(es->monitor.higher_is_better, value, w->best, es->min_delta)) {
        w->best = value;
        w->best_epoch = epoch;
        w->wait = 0;
        *keep = true;
        return false;
    }
    return w->wait >= es->patience && epoch > 1;
}

bool mlpt_save_best_update(const mlpt_monitor *m, mlpt_watch *w, int epoch, double value)
{
    if (!mlpt_monitor_improves(m->higher_is_better, value, w->best, 0.0))
        return false;
    w->best = value;
    w->best_epoch = epoch;
    return true;
}
