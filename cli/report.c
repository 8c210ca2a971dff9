#include "report.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "console.h"
#include "mlpt/figures.h"
#include "mlpt/model.h"

/* A label task's class probabilities: the outputs themselves (softmax), or
 * 1 - p and p of a single sigmoid. */
static void class_probs(const report_eval *e, size_t n, float *out)
{
    const size_t c = (size_t)e->n_classes;
    for (size_t i = 0; i < n; i++)
        for (size_t k = 0; k < c; k++)
            out[i * c + k] = c == e->width ? e->probs[i * c + k]
                                           : k ? e->probs[i] : 1.0f - e->probs[i];
}

int report_evaluate(const mlpt_model *m, const mlpt_samples *test,
                    const mlpt_metric_list *metrics, int threads, report_eval *out,
                    mlpt_error *err)
{
    memset(out, 0, sizeof *out);
    out->metrics = metrics;
    out->task = mlpt_task_of(m->spec.loss, m->output_width);
    out->width = m->output_width;
    const size_t n = test->n ? test->n : 1;
    out->probs = malloc(n * out->width * sizeof *out->probs);
    if (!out->probs)
        return mlpt_fail(err, "out of memory for the test predictions");
    if (mlpt_evaluate(m, test, metrics, threads, out->probs, &out->result, err) < 0) {
        report_eval_free(out);
        return -1;
    }
    if (out->task->values)
        return 0;
    const size_t c = (size_t)(out->n_classes = out->task->classes(out->width));
    out->class_probs = malloc(n * c * sizeof *out->class_probs);
    out->confusion = calloc(c * c, sizeof *out->confusion);
    if (!out->class_probs || !out->confusion) {
        report_eval_free(out);
        return mlpt_fail(err, "out of memory for the test predictions");
    }
    class_probs(out, test->n, out->class_probs);
    for (size_t i = 0; i < test->n; i++) {
        const size_t predicted = (size_t)report_predicted(out, i);
        out->confusion[test->labels[i] * c + predicted]++;
        out->correct += predicted == test->labels[i];
    }
    return 0;
}

void report_eval_free(report_eval *e)
{
    free(e->probs);
    free(e->class_probs);
    free(e->confusion);
    memset(e, 0, sizeof *e);
}

int report_predicted(const report_eval *e, size_t i)
{
    return (int)e->task->predict(e->probs + i * e->width, e->width);
}

void report_print_summary(FILE *f, const report_eval *e)
{
    char correct[32], total[32];
    fprintf(f, "test loss: %.4f\n", e->result.loss);
    for (int m = 0; m < e->metrics->n; m++) {
        const char *name = e->metrics->m[m].ops->name;
        fprintf(f, "test %s: %.4f", name, e->result.metrics[m]);
        if (!strcmp(name, "accuracy"))
            fprintf(f, " (%s of %s correct)", console_thousands(e->correct, correct),
                    console_thousands(e->result.n, total));
        fputc('\n', f);
    }
}

void report_print_classes(FILE *f, const report_eval *e, const mlpt_config *cfg)
{
    const int c = e->n_classes;
    if (!e->confusion)
        return;
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

/* The names of the outputs of a value task: the target columns of a
 * table, else "output 1", "output 2", ... (in buf). */
static void output_names(const mlpt_config *cfg, size_t width, const char **names,
                         char (*buf)[16])
{
    const char *p = NULL;
    for (size_t k = 0; k < width && k < MLPT_MAX_CLASSES; k++) {
        p = cfg->data.n_targets == (int)width ? mlpt_config_next_name(cfg->data.target,
                                                                      cfg->data.n_targets, p)
                                              : NULL;
        snprintf(buf[k], sizeof buf[k], "output %zu", k + 1);
        names[k] = p ? p : buf[k];
    }
}

/* The picture grids, for label tasks whose samples are pictures. */
static int draw_grids(FILE *f, const char *dir, const mlpt_config *cfg, unsigned want,
                      const mlpt_samples *train, const mlpt_samples *test, const report_eval *e,
                      mlpt_class_names names, mlpt_error *err)
{
    uint32_t ids[100]; /* [report] counts are at most 100 */
    char path[MLPT_PATH_LEN], title[160], correct[32], total[32];
    size_t n;
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
            mlpt_figure_predictions(path, title, test, e->class_probs, e->n_classes, ids, n,
                                    names, err) < 0)
            return -1;
        fprintf(f, "wrote %s\n", path);
    }
    n = pick_test_ids(test, e, true, (size_t)cfg->report.misclassified, ids);
    if ((want & MLPT_FIG_MISCLASSIFIED) && n > 0) { /* nothing to draw when all are right */
        snprintf(title, sizeof title, "Misclassified: %s of %s correct",
                 console_thousands(e->correct, correct), console_thousands(e->result.n, total));
        if (mlpt_path_join(path, sizeof path, dir, "misclassified.png", err) < 0 ||
            mlpt_figure_predictions(path, title, test, e->class_probs, e->n_classes, ids, n,
                                    names, err) < 0)
            return -1;
        fprintf(f, "wrote %s\n", path);
    }
    return 0;
}

/* What the figures after the grids draw from. */
typedef struct figure_args {
    const report_eval *e;
    const mlpt_samples *test;
    mlpt_class_names names;
    const mlpt_history_row *history;
    size_t epochs;
} figure_args;

static int curves(const char *path, const figure_args *a, mlpt_error *err)
{
    return mlpt_figure_curves(path, a->e->metrics, a->history, a->epochs, err);
}

static int confusion(const char *path, const figure_args *a, mlpt_error *err)
{
    return mlpt_figure_confusion(path, a->e->confusion, a->e->n_classes, a->names, err);
}

static int roc(const char *path, const figure_args *a, mlpt_error *err)
{
    return mlpt_figure_roc(path, a->test->n, a->e->probs, a->test->labels, a->names[1], err);
}

static int regression(const char *path, const figure_args *a, mlpt_error *err)
{
    return mlpt_figure_regression(path, a->test->n, a->e->width, a->e->probs, a->test->targets,
                                  a->names, err);
}

static int labels(const char *path, const figure_args *a, mlpt_error *err)
{
    return mlpt_figure_labels(path, a->test->n, a->e->width, a->e->probs, a->test->targets,
                              a->names, err);
}

int report_draw(FILE *f, const char *dir, const mlpt_config *cfg, const mlpt_samples *train,
                const mlpt_samples *test, const report_eval *e, const mlpt_history_row *history,
                size_t epochs, mlpt_error *err)
{
    const char *names[MLPT_MAX_CLASSES];
    static char numbered[MLPT_MAX_CLASSES][16];
    for (int k = 0; k < cfg->data.n_classes; k++)
        names[k] = cfg->data.classes[k];
    if (e->task->values)
        output_names(cfg, e->width, names, numbered);
    unsigned want = cfg->report.figures;
    char path[MLPT_PATH_LEN];

    /* Samples that are not pictures (features of a table, a volume) still
     * train: their image figures are left out, and the run stands. */
    const unsigned pictures = MLPT_FIG_SAMPLES | MLPT_FIG_PREDICTIONS | MLPT_FIG_MISCLASSIFIED;
    mlpt_error why;
    if ((want & pictures) && !e->task->values && mlpt_figure_pictures(test, &why) < 0) {
        fprintf(f, "skipped samples.png, predictions.png and misclassified.png: %s\n", why.msg);
        want &= ~pictures;
    }
    if (!e->task->values && draw_grids(f, dir, cfg, want, train, test, e, names, err) < 0)
        return -1;
    /* The other figures, each where it means something. */
    const bool trained = history && epochs > 0;
    const unsigned task = e->task->bit;
    const struct {
        unsigned bit;
        const char *file;
        bool applies;
        int (*draw)(const char *path, const figure_args *a, mlpt_error *err);
    } figures[] = {
        {MLPT_FIG_CURVES, "curves.png", trained, curves},
        {MLPT_FIG_CONFUSION, "confusion.png", !e->task->values, confusion},
        {MLPT_FIG_ROC, "roc.png", task == MLPT_TASK_BINARY, roc},
        {MLPT_FIG_REGRESSION, "regression.png", task == MLPT_TASK_REGRESSION, regression},
        {MLPT_FIG_LABELS, "labels.png", task == MLPT_TASK_MULTILABEL, labels},
    };
    const figure_args args = {e, test, names, history, epochs};
    for (size_t i = 0; i < sizeof figures / sizeof figures[0]; i++) {
        if (!(want & figures[i].bit) || !figures[i].applies)
            continue;
        if (mlpt_path_join(path, sizeof path, dir, figures[i].file, err) < 0 ||
            figures[i].draw(path, &args, err) < 0)
            return -1;
        fprintf(f, "wrote %s\n", path);
    }
    return 0;
}
