#include <math.h>

#include "grammar.h"
#include "mlpt/fileio.h"

/* A metric cell: empty for NaN (no validation split, or a metric no row
 * told anything about). */
static void cell(FILE *f, double v)
{
    if (isnan(v))
        fputc(',', f);
    else
        fprintf(f, ",%.6f", v);
}

int mlpt_history_write(const char *path, const mlpt_metric_list *metrics,
                       const mlpt_history_row *rows, size_t n, mlpt_error *err)
{
    mlpt_atomic_file a;
    if (mlpt_atomic_open(&a, path, err) < 0)
        return -1;
    fputs("epoch,loss", a.f);
    for (int m = 0; m < metrics->n; m++)
        fprintf(a.f, ",%s", metrics->m[m].ops->name);
    fputs(",val_loss", a.f);
    for (int m = 0; m < metrics->n; m++)
        fprintf(a.f, ",val_%s", metrics->m[m].ops->name);
    fputs(",lr,seconds,samples_per_s\n", a.f);
    for (size_t i = 0; i < n; i++) {
        const mlpt_history_row *r = &rows[i];
        fprintf(a.f, "%d", r->epoch);
        cell(a.f, r->loss);
        for (int m = 0; m < metrics->n; m++)
            cell(a.f, r->metrics[m]);
        cell(a.f, r->val_loss);
        for (int m = 0; m < metrics->n; m++)
            cell(a.f, r->val_metrics[m]);
        char lr[MLPT_FLOAT_WORD];
        fprintf(a.f, ",%s,%.3f,%.1f\n", mlpt_float_word((float)r->lr, lr), r->seconds,
                r->samples_per_s);
    }
    return mlpt_atomic_commit(&a, err);
}
