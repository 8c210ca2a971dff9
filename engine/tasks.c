/* The four tasks of mlpt/metrics.h. A task is no table of its own: the
 * loss names the task it trains (mlpt_loss_ops.task_one, task_many). */
#include "mlpt/metrics.h"
#include "mlpt/samples.h"

static int one_per_output(size_t width)
{
    return (int)width;
}

static int two(size_t width)
{
    (void)width;
    return 2;
}

/* A sigmoid's probability of class 1: above one half is class 1. */
static size_t above_half(const float *out, size_t width)
{
    (void)width;
    return out[0] > 0.5f;
}

const mlpt_task mlpt_task_multiclass = {"multiclass", MLPT_TASK_MULTICLASS, "accuracy", false,
                                        one_per_output, mlpt_argmax};
const mlpt_task mlpt_task_binary = {"binary", MLPT_TASK_BINARY, "accuracy auc", false, two,
                                    above_half};
const mlpt_task mlpt_task_multilabel = {"multi-label", MLPT_TASK_MULTILABEL,
                                        "binary_accuracy auc", true, NULL, NULL};
const mlpt_task mlpt_task_regression = {"regression", MLPT_TASK_REGRESSION, "mae r2", true,
                                        NULL, NULL};

const mlpt_task *mlpt_task_of(const mlpt_loss_ops *loss, size_t width)
{
    return width == 1 ? loss->task_one : loss->task_many;
}
