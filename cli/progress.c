#define _POSIX_C_SOURCE 200809L
#include "progress.h"

#include <time.h>

enum { BAR_WIDTH = 30 };

double progress_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

void progress_begin(progress *p, FILE *f, bool live, const mlpt_metric_list *metrics,
                    bool show_lr, int epoch, int epochs)
{
    p->show_lr = show_lr;
    p->f = f;
    p->live = live;
    p->metrics = metrics;
    p->start = progress_now();
    p->last_draw = 0.0;
    fprintf(f, "Epoch %d/%d\n", epoch, epochs);
}

/* "640us", "12ms", "1s" */
static void print_duration(FILE *f, double seconds)
{
    if (seconds < 1e-3)
        fprintf(f, "%.0fus", seconds * 1e6);
    else if (seconds < 1.0)
        fprintf(f, "%.0fms", seconds * 1e3);
    else
        fprintf(f, "%.0fs", seconds);
}

/* " - loss: 0.2900 - accuracy: 0.9100", each name after prefix */
static void print_figures(const progress *p, const char *prefix, double loss,
                          const double *metrics)
{
    fprintf(p->f, " - %sloss: %.4f", prefix, loss);
    for (int m = 0; m < p->metrics->n; m++)
        fprintf(p->f, " - %s%s: %.4f", prefix, p->metrics->m[m].ops->name, metrics[m]);
}

static void draw(progress *p, const mlpt_epoch_stats *s, bool done)
{
    const double elapsed = progress_now() - p->start;
    const int filled = (int)(BAR_WIDTH * s->step / s->steps);
    int digits = snprintf(NULL, 0, "%zu", s->steps);
    fprintf(p->f, "%s%*zu/%zu [", p->live ? "\r" : "", digits, s->step, s->steps);
    for (int i = 0; i < BAR_WIDTH; i++)
        fputc(i < filled - 1 || (done && i < filled) ? '=' : i == filled - 1 ? '>' : '.', p->f);
    fputs("] - ", p->f);
    if (done) {
        print_duration(p->f, elapsed);
        fputc(' ', p->f);
        print_duration(p->f, elapsed / (double)s->step);
        fputs("/step", p->f);
    } else {
        fputs("ETA: ", p->f);
        print_duration(p->f, elapsed / (double)s->step * (double)(s->steps - s->step));
    }
    print_figures(p, "", s->loss, s->metrics);
    if (p->show_lr)
        fprintf(p->f, " - lr: %.4g", (double)s->lr);
}

int progress_step(const mlpt_epoch_stats *s, void *user)
{
    progress *p = user;
    if (!p->live || s->step == s->steps)
        return 0;
    const double now = progress_now();
    if (now - p->last_draw >= 0.1) {
        p->last_draw = now;
        draw(p, s, false);
        fputs("\033[K", p->f); /* clear what a longer previous line left */
        fflush(p->f);
    }
    return 0;
}

void progress_end(progress *p, const mlpt_epoch_stats *s, const mlpt_history_row *row,
                  bool validated)
{
    draw(p, s, true);
    if (validated)
        print_figures(p, "val_", row->val_loss, row->val_metrics);
    fputs(p->live ? "\033[K\n" : "\n", p->f);
    fflush(p->f);
}
