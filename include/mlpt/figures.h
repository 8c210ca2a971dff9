/* mlpt/figures.h - the pictures of a run, as PNG files (cairo, headless).
 *
 * Grey images are drawn as the Keras tutorial shows them: dark strokes on
 * white (the grey value inverted); colour images in their colours; both
 * nearest-neighbour scaled. Every figure is
 * written atomically. Class names label everything, so a Fashion-MNIST
 * figure says "Ankle boot", not 9. */
#ifndef MLPT_FIGURES_H
#define MLPT_FIGURES_H

#include <stddef.h>
#include <stdint.h>

#include "mlpt/samples.h"
#include "mlpt/error.h"
#include "mlpt/fileio.h"
#include "mlpt/metrics.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Class names, indexed by label. */
typedef const char *const *mlpt_class_names;

/* Whether d's samples are pictures the image figures can draw: H x W
 * (grey), or C x H x W with C = 1 (grey) or 3 (red, green, blue planes).
 * Returns 0 if so, else -1 with the reason in why (naming no file), for a
 * caller that skips those figures. */
int mlpt_figure_pictures(const mlpt_samples *d, mlpt_error *why);

/* A grid of n images of d (ids[0..n)) with their true class names as
 * captions, as square as n allows (9 -> 3x3). The samples must be pictures
 * (mlpt_figure_pictures). */
int mlpt_figure_samples(const char *path, const mlpt_samples *d, const uint32_t *ids, size_t n,
                        mlpt_class_names names, mlpt_error *err);

/* n test images ids[0..n) of d, each beside a bar chart of its class
 * probabilities probs[id * n_classes ..]: the predicted bar red, the true
 * bar blue (blue alone when they agree), and the caption
 * `pred: 7 100% (true: 7)` in blue when right, red when wrong. `title` goes
 * on top (e.g. "Misclassified: 9,793 of 10,000 correct"). */
int mlpt_figure_predictions(const char *path, const char *title, const mlpt_samples *d,
                            const float *probs, int n_classes, const uint32_t *ids, size_t n,
                            mlpt_class_names names, mlpt_error *err);

/* The loss and each metric per epoch, training and (when not NaN)
 * validation: a chart each, three to a line. */
int mlpt_figure_curves(const char *path, const mlpt_metric_list *metrics,
                       const mlpt_history_row *rows, size_t n, mlpt_error *err);

/* The confusion matrix: counts[true * n_classes + predicted], shaded by
 * the fraction of the true class, counts written in the cells, class names
 * on both axes. */
int mlpt_figure_confusion(const char *path, const size_t *counts, int n_classes,
                          mlpt_class_names names, mlpt_error *err);

/* A binary model's ROC curve (with the diagonal of chance) and its
 * precision-recall curve (with the positives' share, chance's precision),
 * side by side, each titled with its area: n scores (the probability of
 * the positive class, named `positive` on the axes) against their 0/1
 * truths, at the auc metric's thresholds (mlpt_roc_curves), so the ROC
 * area is the one `test auc` prints; a NaN score counts as 0 there too.
 * Truths of one class only still draw, the missing area given as n/a. */
int mlpt_figure_roc(const char *path, size_t n, const float *score, const uint8_t *truth,
                    const char *positive, mlpt_error *err);

/* A regression model's predictions against the truth (n x width each,
 * row-major): a scatter of predicted against true with the diagonal of a
 * perfect fit, every output in its own colour named by names[k], titled
 * with R^2 as `test r2` computes it; and a histogram of the residuals
 * (predicted - true) of every output, titled with their mean and standard
 * deviation. A row with a value that is not finite (a diverged prediction)
 * is left out of all of it. */
int mlpt_figure_regression(const char *path, size_t n, size_t width, const float *predicted,
                           const float *truth, mlpt_class_names names, mlpt_error *err);

/* A multi-label model's precision and recall per label, at a threshold of
 * one half: a pair of bars per label, named by names[k] (cut past 18
 * characters), from n x width probabilities and 0/1 truths, counted as the
 * precision and recall metrics count them (a NaN probability is below one
 * half); a ratio with nothing to count (no positive predicted, or none
 * true) is marked n/a. */
int mlpt_figure_labels(const char *path, size_t n, size_t width, const float *prob,
                       const float *truth, mlpt_class_names names, mlpt_error *err);

/* A line chart: series of (x, y) points on linear axes; a dashed series
 * draws no markers, and a series with an empty label has no legend entry
 * (it shares the one before it). The x axis starts at zero, the y axis too when
 * y_from_zero (speedups), else at the data (accuracies that differ in the
 * third digit). */
typedef struct mlpt_series {
    const char *label;
    const double *x, *y;
    size_t n;
    double rgb[3];
    int dashed;
} mlpt_series;

int mlpt_figure_lines(const char *path, const char *title, const char *xlabel,
                      const char *ylabel, const mlpt_series *series, size_t n_series,
                      int y_from_zero, mlpt_error *err);

#ifdef __cplusplus
}
#endif
#endif
