/* auc: the area under the ROC curve, as Keras's AUC computes it: the
 * outputs' probabilities are counted against MLPT_AUC_THRESHOLDS
 * thresholds (-1e-7, 1/199, ..., 198/199, 1 + 1e-7), and the curve through
 * those points is integrated by trapezoids. Counting makes it a sum, so it
 * runs over batches like the other metrics; for multi-label it is the mean
 * over the outputs that have both positives and negatives (macro). */
#include <math.h>
#include <string.h>

#include "metric.h"

enum { T = MLPT_AUC_THRESHOLDS };

/* How many thresholds lie below p: p is predicted positive at threshold i
 * when its bucket is above i. */
static size_t bucket(float p)
{
    const double x = ceil((double)p * (T - 1)) - 1.0; /* the inner thresholds below p */
    return 1 + (size_t)(x > 0.0 ? fmin(x, T - 2) : 0.0);  /* NaN counts as 0 */
}

/* state: per output, positives then negatives per bucket (T each) */
static void add(const mlpt_metric_rows *m, int arg, double *state)
{
    (void)arg;
    for (size_t r = 0; r < m->rows; r++)
        for (size_t c = 0; c < m->width; c++) {
            double *s = state + 2 * T * c;
            s[(mlpt_truth(m, r, c) ? 0 : T) + bucket(m->out[r * m->width + c])] += 1.0;
        }
}

/* The curves of one output's counts (pos[T], neg[T]); returns the ROC area. */
static double curves(const double *pos, const double *neg, double *fpr, double *tpr,
                     double *precision, double *pr_auc)
{
    double p = 0.0, n = 0.0;
    for (size_t b = 0; b < T; b++) {
        p += pos[b];
        n += neg[b];
    }
    double tp = p, fp = n, roc = 0.0, pr = 0.0;
    for (size_t i = 0; i < T; i++) {
        tp -= pos[i]; /* bucket i is negative from threshold i on */
        fp -= neg[i];
        fpr[i] = n > 0.0 ? fp / n : (double)NAN;
        tpr[i] = p > 0.0 ? tp / p : (double)NAN;
        precision[i] = tp + fp > 0.0 ? tp / (tp + fp) : (double)NAN;
        if (i > 0) {
            roc += (fpr[i - 1] - fpr[i]) * (tpr[i - 1] + tpr[i]) / 2.0;
            if (!isnan(precision[i - 1])) /* the steps of average precision */
                pr += (tpr[i - 1] - tpr[i]) * precision[i - 1];
        }
    }
    *pr_auc = p > 0.0 ? pr : (double)NAN;
    return p > 0.0 && n > 0.0 ? roc : (double)NAN;
}

static double value(const double *state, size_t width, int arg)
{
    (void)arg;
    double fpr[T], tpr[T], precision[T], pr, sum = 0.0;
    size_t counted = 0;
    for (size_t c = 0; c < width; c++) {
        const double area = curves(state + 2 * T * c, state + 2 * T * c + T, fpr, tpr,
                                   precision, &pr);
        if (!isnan(area)) {
            sum += area;
            counted++;
        }
    }
    return counted ? sum / (double)counted : (double)NAN;
}

double mlpt_roc_curves(size_t n, const float *score, size_t stride, const uint8_t *truth,
                       double *fpr, double *tpr, double *precision, double *pr_auc)
{
    double counts[2 * T];
    memset(counts, 0, sizeof counts);
    for (size_t i = 0; i < n; i++)
        counts[(truth[i] ? 0 : T) + bucket(score[i * stride])] += 1.0;
    return curves(counts, counts + T, fpr, tpr, precision, pr_auc);
}

const mlpt_metric_ops mlpt_metric_auc = {"auc", NULL, 0, 0,
                                         MLPT_TASK_BINARY | MLPT_TASK_MULTILABEL, true,
                                         0, 2 * T, add, value};
