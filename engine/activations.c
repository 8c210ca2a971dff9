/* The activations: each an entry of mlpt_activations (engine/tables.c).
 * forward works in place over a block of values; backward multiplies dL/da
 * by the derivative, written in terms of the output a. */
#include <math.h>

#include "mlpt/tables.h"

static void relu_forward(size_t n, float *a)
{
    for (size_t i = 0; i < n; i++)
        a[i] = a[i] < 0.0f ? 0.0f : a[i]; /* NaN passes: divergence must show */
}

static void relu_backward(size_t n, const float *a, float *d)
{
    for (size_t i = 0; i < n; i++)
        d[i] = a[i] > 0.0f ? d[i] : 0.0f;
}

static void sigmoid_forward(size_t n, float *a)
{
    for (size_t i = 0; i < n; i++)
        a[i] = 1.0f / (1.0f + expf(-a[i]));
}

static void sigmoid_backward(size_t n, const float *a, float *d)
{
    for (size_t i = 0; i < n; i++)
        d[i] *= a[i] * (1.0f - a[i]);
}

static void tanh_forward(size_t n, float *a)
{
    for (size_t i = 0; i < n; i++)
        a[i] = tanhf(a[i]);
}

static void tanh_backward(size_t n, const float *a, float *d)
{
    for (size_t i = 0; i < n; i++)
        d[i] *= 1.0f - a[i] * a[i];
}

const mlpt_activation_ops mlpt_linear = {"linear", false, NULL, NULL};
const mlpt_activation_ops mlpt_relu = {"relu", false, relu_forward, relu_backward};
const mlpt_activation_ops mlpt_sigmoid = {"sigmoid", false, sigmoid_forward, sigmoid_backward};
const mlpt_activation_ops mlpt_tanh = {"tanh", false, tanh_forward, tanh_backward};
/* Computed with the loss it pairs with (sparse_categorical_crossentropy). */
const mlpt_activation_ops mlpt_softmax = {"softmax", true, NULL, NULL};
