/* The metric table against values computed by hand, and the ROC curves
 * against the exact (rank) area. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "mlpt/metrics.h"

static const mlpt_metric_ops *named(const char *name)
{
    const mlpt_metric_ops *m = mlpt_metric_named(name);
    cr_assert(m, "no metric %s", name);
    return m;
}

/* One metric over rows, with its default argument unless arg is set. */
static double metric(const char *name, int arg, const mlpt_metric_rows *r)
{
    const mlpt_metric_list l = {1, {{named(name), arg ? arg : named(name)->arg_default}}};
    double *state = calloc(mlpt_metrics_state_len(&l, r->width) + 1, sizeof *state), v;
    mlpt_metrics_add(&l, r, state);
    mlpt_metrics_values(&l, r->width, state, &v);
    free(state);
    return v;
}

Test(metrics, accuracy_and_top_k)
{
    const float p[4 * 3] = {0.7f, 0.2f, 0.1f, /* 0 */ 0.1f, 0.3f, 0.6f, /* 2 */
                            0.3f, 0.4f, 0.3f, /* 1 */ 0.5f, 0.1f, 0.4f /* 0 */};
    const uint8_t labels[4] = {0, 1, 1, 2};
    const mlpt_metric_rows r = {4, 3, p, {.labels = labels}, &mlpt_task_multiclass};
    cr_assert_eq(metric("accuracy", 0, &r), 0.5);
    /* row 2's label 1 is second (0.3 < 0.6), row 4's label 2 second: 4 of 4 in the top 2 */
    cr_assert_eq(metric("top_k_accuracy", 2, &r), 1.0);
    cr_assert_eq(metric("top_k_accuracy", 1, &r), 0.5);

    const float q[4] = {0.9f, 0.4f, 0.6f, 0.2f};
    const uint8_t y[4] = {1, 1, 0, 0};
    const mlpt_metric_rows b = {4, 1, q, {.labels = y}, &mlpt_task_binary};
    cr_assert_eq(metric("accuracy", 0, &b), 0.5, "above one half is class 1");
    cr_assert_eq(metric("binary_accuracy", 0, &b), 0.5);
}

Test(metrics, precision_recall_micro)
{
    /* 2 rows x 2 labels: predictions 1 1 / 0 1, truths 1 0 / 1 1 */
    const float p[4] = {0.8f, 0.7f, 0.2f, 0.9f}, t[4] = {1, 0, 1, 1};
    const mlpt_metric_rows r = {2, 2, p, {.values = t}, &mlpt_task_multilabel};
    cr_assert_float_eq(metric("precision", 0, &r), 2.0 / 3.0, 1e-12); /* tp 2, fp 1 */
    cr_assert_float_eq(metric("recall", 0, &r), 2.0 / 3.0, 1e-12);    /* tp 2, fn 1 */
    cr_assert_eq(metric("binary_accuracy", 0, &r), 0.5);
    const float none[2] = {0.1f, 0.2f}, zero[2] = {0, 0};
    const mlpt_metric_rows n = {2, 1, none, {.values = zero}, &mlpt_task_multilabel};
    cr_assert(isnan(metric("precision", 0, &n)), "nothing predicted positive");
}

Test(metrics, regression_errors_and_r2)
{
    /* 3 rows x 2 outputs */
    const float p[6] = {1, 10, 2, 20, 4, 30}, t[6] = {1, 12, 3, 20, 2, 31};
    const mlpt_metric_rows r = {3, 2, p, {.values = t}, &mlpt_task_regression};
    /* errors 0 -2 -1 0 2 -1 */
    cr_assert_float_eq(metric("mae", 0, &r), 6.0 / 6.0, 1e-12);
    cr_assert_float_eq(metric("mse", 0, &r), 10.0 / 6.0, 1e-12);
    cr_assert_float_eq(metric("rmse", 0, &r), sqrt(10.0 / 6.0), 1e-12);
    /* output 1: y 1 3 2, SST 2, SSE 5; output 2: y 12 20 31, SST 182, SSE 5 */
    cr_assert_float_eq(metric("r2", 0, &r), ((1 - 5.0 / 2.0) + (1 - 5.0 / 182.0)) / 2, 1e-9);
}

/* Summed a batch at a time or all at once, counts are the same. */
Test(metrics, batches_add_up)
{
    enum { N = 1000 };
    static float p[N];
    static uint8_t y[N];
    for (int i = 0; i < N; i++) {
        p[i] = (float)((i * 7919) % 1000) / 1000.0f;
        y[i] = (uint8_t)((i * 31 + (int)(p[i] * 10)) % 3 == 0);
    }
    const mlpt_metric_list l = {3, {{named("accuracy"), 0}, {named("auc"), 0},
                                    {named("recall"), 0}}};
    const size_t len = mlpt_metrics_state_len(&l, 1);
    double *once = calloc(len, sizeof *once), *parts = calloc(len, sizeof *parts);
    const mlpt_metric_rows all = {N, 1, p, {.labels = y}, &mlpt_task_binary};
    mlpt_metrics_add(&l, &all, once);
    for (size_t lo = 0; lo < N; lo += 32) {
        const size_t rows = N - lo < 32 ? N - lo : 32;
        const mlpt_metric_rows b = {rows, 1, p + lo, {.labels = y + lo}, &mlpt_task_binary};
        mlpt_metrics_add(&l, &b, parts);
    }
    cr_assert_arr_eq(once, parts, len * sizeof *once);
    free(once);
    free(parts);
}

/* The exact area: the chance that a positive outscores a negative (ties
 * half). */
static double rank_auc(size_t n, const float *s, const uint8_t *y)
{
    double wins = 0, pairs = 0;
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++)
            if (y[i] && !y[j]) {
                pairs++;
                wins += s[i] > s[j] ? 1.0 : s[i] == s[j] ? 0.5 : 0.0;
            }
    return wins / pairs;
}

Test(metrics, auc_close_to_the_exact_area)
{
    enum { N = 2000 };
    static float s[N];
    static uint8_t y[N];
    unsigned seed = 7;
    for (int i = 0; i < N; i++) {
        y[i] = (uint8_t)(i % 3 == 0);
        seed = seed * 1103515245u + 12345u;
        const double noise = (double)(seed >> 8) / (double)(1u << 24);
        s[i] = (float)(1.0 / (1.0 + exp(-(y[i] ? 1.0 : -1.0) - 3.0 * (noise - 0.5))));
    }
    const mlpt_metric_rows r = {N, 1, s, {.labels = y}, &mlpt_task_binary};
    const double exact = rank_auc(N, s, y), area = metric("auc", 0, &r);
    cr_assert(exact > 0.7 && exact < 0.95, "a test of a middling model: %f", exact);
    cr_assert(fabs(area - exact) < 0.01, "auc %f, exact %f", area, exact);

    double fpr[MLPT_AUC_THRESHOLDS], tpr[MLPT_AUC_THRESHOLDS], prec[MLPT_AUC_THRESHOLDS], ap;
    cr_assert_eq(mlpt_roc_curves(N, s, 1, y, fpr, tpr, prec, &ap), area, "the figure's area");
    cr_assert_eq(fpr[0], 1.0);
    cr_assert_eq(tpr[0], 1.0);
    cr_assert_eq(fpr[MLPT_AUC_THRESHOLDS - 1], 0.0);
    cr_assert_float_eq(prec[0], 1.0 / 3.0, 1e-3, "everything positive: the positives' share");
    cr_assert(ap > 1.0 / 3.0 && ap <= 1.0, "average precision %f", ap);

    /* perfectly separated, then reversed */
    const float sep[4] = {0.1f, 0.2f, 0.8f, 0.9f};
    const uint8_t truth[4] = {0, 0, 1, 1}, reversed[4] = {1, 1, 0, 0};
    const mlpt_metric_rows a = {4, 1, sep, {.labels = truth}, &mlpt_task_binary};
    const mlpt_metric_rows b = {4, 1, sep, {.labels = reversed}, &mlpt_task_binary};
    cr_assert_float_eq(metric("auc", 0, &a), 1.0, 1e-12);
    cr_assert_float_eq(metric("auc", 0, &b), 0.0, 1e-12);
}

/* Multi-label auc is the mean over labels that have both classes. */
Test(metrics, auc_macro_over_labels)
{
    const float p[4 * 2] = {0.1f, 0.5f, 0.2f, 0.5f, 0.8f, 0.5f, 0.9f, 0.5f};
    const float t[4 * 2] = {0, 1, 1, 1, 0, 1, 1, 1}; /* label 2 is always on: left out */
    const mlpt_metric_rows r = {4, 2, p, {.values = t}, &mlpt_task_multilabel};
    /* label 1: positives 0.2, 0.9 against negatives 0.1, 0.8: 3 of 4 pairs */
    cr_assert_float_eq(metric("auc", 0, &r), 0.75, 1e-12);
}

/* No rows: every metric is NaN, not a division by zero. */
Test(metrics, empty_is_nan)
{
    for (int i = 0; mlpt_metrics[i]; i++) {
        const mlpt_metric_rows r = {0, 1, NULL, {0}, &mlpt_task_regression};
        cr_assert(isnan(metric(mlpt_metrics[i]->name, 0, &r)), "%s", mlpt_metrics[i]->name);
    }
}
