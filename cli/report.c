#include "report.h"

#include <stdlib.h>
#include <string.h>

#include "console.h"
#include "mlpt/figures.h"
#include "mlpt/model.h"

int report_evaluate(const mlpt_model *m, const mlpt_samples *test, int threads,
                    report_eval *out, mlpt_error *err)
{
    memset(out, 0, sizeof *out);
    out->n_classes = (int)m->output_width;
    const size_t c = m->output_width;
    out->probs = malloc((test->n ? test->n : 1) * c * sizeof *out->probs);
    out->confusion = calloc(c * c, sizeof *out->confusion);
    if (!out->probs || !out->confusion) {
        report_eval_free(out);
        return mlpt_fail(err, "out of memory for the test predictions");
    }
    if (mlpt_evaluate(m, test, threads, out->probs, &out->result, err) < 0) {
        report_eval_free(out);
        return -1;
    }
    for (size_t i = 0; i < test->n; i++)
        out->confusion[test->labels[i] * c + (size_t)report_predicted(out, i)]++;
    return 0;
}

void report_eval_free(report_eval *e)
{
    free(e->probs);
    free(e->confusion);
    memset(e, 0, sizeof *e);
}

int report_predicted(const report_eval *e, size_t i)
{
    return (int)mlpt_argmax(e->probs + i * (size_t)e->n_classes, (size_t)e->n_classes);
}

void report_print_summary(FILE *f, const report_eval *e)
{
    char correct[32], total[32];
    fprintf(f, "test loss: %.4f - test accuracy: %.4f (%s of %s correct)\n", e->result.loss,
            e->result.accuracy, console_thousands(e->result.correct, correct),
            console_thousands(e->result.n, total));
}

void report_print_classes(FILE *f, const report_eval *e, const mlpt_config *cfg)
{
    const int c = e->n_classes;
    fprintf(f, "\n%-14s %9s %9s %9s %9s\n", "class", "precision", "recall", "f1", "support");
    double f1_sum = 0.0;
    for (int k = 0; k < c; k++) {
        size_t tp = e->confusion[k * c + k], predicted = 0, actual = 0;
        for (int j = 0; j < c; j++) {
            predicted += e->confusion[j * c + k];
            actual += e->confusion[k * c + j];
        }
        double p = predicted ? (double)tp / predicted : 0.0;
        double r = actual ? (double)tp / actual : 0.0;
        double f1 = p + r > 0 ? 2 * p * r / (p + r) : 0.0;
        f1_sum += f1;
        fprintf(f, "%-14.14s %9.4f %9.4f %9.4f %9zu\n", cfg->data.classes[k], p, r, f1, actual);
    }
    fprintf(f, "%-14s %9s %9s %9.4f %9zu\n", "macro avg", "", "", f1_sum / c, e->result.n);
    fprintf(f, "\nconfusion matrix (rows: true class, columns: predicted)\n%14s", "");
    for (int j = 0; j < c; j++)
        fprintf(f, " %6.6s", cfg->data.classes[j]);
    fputc('\n', f);
    for (int k = 0; k < c; k++) {
        fprintf(f, "%-14.14s", cfg->data.classes[k]);
        for (int j = 0; j < c; j++)
            fprintf(f, " %6zu", e->confusion[k * c + j]);
        fputc('\n', f);
    }
}

/* The first n test samples, or the first n misclassified ones: ids into
 * buf (capacity n); returns how many. */
static size_t pick_test_ids(const mlpt_samples *test, const report_eval *e, bool wrong_only,
                            size_t n, uint32_t *buf)
{
    size_t k = 0;
    for (size_t i = 0; i < test->n && k < n; i++)
        if (!wrong_only || report_predicted(e, i) != test->labels[i])
            buf[k++] = (uint32_t)i;
    return k;
}

int report_draw(FILE *f, const char *dir, const mlpt_config *cfg, const mlpt_samples *train,
                const mlpt_samples *test, const report_eval *e, const mlpt_history_row *history,
                size_t epochs, mlpt_error *err)
{
    const char *names[MLPT_MAX_CLASSES];
    for (int k = 0; k < cfg->data.n_classes; k++)
        names[k] = cfg->data.classes[k];
    unsigned want = cfg->report.figures;
    uint32_t ids[100]; /* [report] counts are at most 100 */
    char path[MLPT_PATH_LEN], title[160], correct[32], total[32];
    size_t n;

    /* Samples that are not pictures (features of a table, a volume) still
     * train: their image figures are left out, and the run stands. */
    const unsigned pictures = MLPT_FIG_SAMPLES | MLPT_FIG_PREDICTIONS | MLPT_FIG_MISCLASSIFIED;
    mlpt_error why;
    if ((want & pictures) && mlpt_figure_pictures(test, &why) < 0) {
        fprintf(f, "skipped samples.png, predictions.png and misclassified.png: %s\n", why.msg);
        want &= ~pictures;
    }

    if (want & MLPT_FIG_SAMPLES) {
        n = (size_t)cfg->report.samples < train->n ? (size_t)cfg->report.samples : train->n;
        for (size_t i = 0; i < n; i++)
            ids[i] = (uint32_t)i;
        if (mlpt_path_join(path, sizeof path, dir, "samples.png", err) < 0 ||
            mlpt_figure_samples(path, train, ids, n, names, err) < 0)
            return -1;
        fprintf(f, "wrote %s\n", path);
    }
    if (want & MLPT_FIG_PREDICTIONS) {
        n = pick_test_ids(test, e, false, (size_t)cfg->report.predictions, ids);
        snprintf(title, sizeof title, "Predictions on the first %zu test images", n);
        if (mlpt_path_join(path, sizeof path, dir, "predictions.png", err) < 0 ||
            mlpt_figure_predictions(path, title, test, e->probs, e->n_classes, ids, n, names,
                                    err) < 0)
            return -1;
        fprintf(f, "wrote %s\n", path);
    }
    n = pick_test_ids(test, e, true, (size_t)cfg->report.misclassified, ids);
    if ((want & MLPT_FIG_MISCLASSIFIED) && n > 0) { /* nothing to draw when all are right */
        snprintf(title, sizeof title, "Misclassified: %s of %s correct",
                 console_thousands(e->result.correct, correct),
                 console_thousands(e->result.n, total));
        if (mlpt_path_join(path, sizeof path, dir, "misclassified.png", err) < 0 ||
            mlpt_figure_predictions(path, title, test, e->probs, e->n_classes, ids, n, names,
                                    err) < 0)
            return -1;
        fprintf(f, "wrote %s\n", path);
    }
    if ((want & MLPT_FIG_CURVES) && history && epochs > 0) {
        if (mlpt_path_join(path, sizeof path, dir, "curves.png", err) < 0 ||
            mlpt_figure_curves(path, history, epochs, err) < 0)
            return -1;
        fprintf(f, "wrote %s\n", path);
    }
    if (want & MLPT_FIG_CONFUSION) {
        if (mlpt_path_join(path, sizeof path, dir, "confusion.png", err) < 0 ||
            mlpt_figure_confusion(path, e->confusion, e->n_classes, names, err) < 0)
            return -1;
        fprintf(f, "wrote %s\n", path);
    }
    return 0;
}
