/* r2: the coefficient of determination, 1 - SSE / SST per output, averaged
 * over the outputs (scikit-learn's r2_score, uniform_average). An output
 * whose targets are all equal has no SST and is left out of the mean. */
#include <math.h>

#include "metric.h"

/* state: per output, rows, sum of y, sum of y^2, sum of squared errors */
static void add(const mlpt_metric_rows *m, int arg, double *state)
{
    (void)arg;
    for (size_t r = 0; r < m->rows; r++)
        for (size_t c = 0; c < m->width; c++) {
            const double y = m->y.values[r * m->width + c], e = m->out[r * m->width + c] - y;
            double *s = state + 4 * c;
            s[0] += 1.0;
            s[1] += y;
            s[2] += y * y;
            s[3] += e * e;
        }
}

static double value(const double *state, size_t width, int arg)
{
    (void)arg;
    double sum = 0.0;
    size_t counted = 0;
    for (size_t c = 0; c < width; c++) {
        const double *s = state + 4 * c;
        const double sst = s[0] > 0.0 ? s[2] - s[1] * s[1] / s[0] : 0.0;
        if (sst > 0.0) {
            sum += 1.0 - s[3] / sst;
            counted++;
        }
    }
    return counted ? sum / (double)counted : (double)NAN;
}

const mlpt_metric_ops mlpt_metric_r2 = {"r2", NULL, 0, 0, MLPT_TASK_REGRESSION, true,
                                        0, 4, add, value};
