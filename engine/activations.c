/* The activations: each an entry of mlpt_activations (engine/tables.c).
 * forward works in place over a block of values; backward multiplies dL/da
 * by the derivative, written in terms of the output a where f' is a
 * function of it, else (from_z) of z. The formulas are Keras's. */
#include <math.h>

#include "mlpt/tables.h"

static void relu_forward(size_t n, float *a, float alpha)
{
    (void)alpha;
    for (size_t i = 0; i < n; i++)
        a[i] = a[i] < 0.0f ? 0.0f : a[i]; /* NaN passes: divergence must show */
}

static void relu_backward(size_t n, const float *a, float alpha, float *d)
{
    (void)alpha;
    for (size_t i = 0; i < n; i++)
        d[i] = a[i] > 0.0f ? d[i] : 0.0f;
}

static void sigmoid_forward(size_t n, float *a, float alpha)
{
    (void)alpha;
    for (size_t i = 0; i < n; i++)
        a[i] = 1.0f / (1.0f + expf(-a[i]));
}

static void sigmoid_backward(size_t n, const float *a, float alpha, float *d)
{
    (void)alpha;
    for (size_t i = 0; i < n; i++)
        d[i] *= a[i] * (1.0f - a[i]);
}

static void tanh_forward(size_t n, float *a, float alpha)
{
    (void)alpha;
    for (size_t i = 0; i < n; i++)
        a[i] = tanhf(a[i]);
}

static void tanh_backward(size_t n, const float *a, float alpha, float *d)
{
    (void)alpha;
    for (size_t i = 0; i < n; i++)
        d[i] *= 1.0f - a[i] * a[i];
}

/* alpha z below zero: with alpha >= 0, a > 0 exactly where z > 0. */
static void leaky_relu_forward(size_t n, float *a, float alpha)
{
    for (size_t i = 0; i < n; i++)
        a[i] = a[i] < 0.0f ? alpha * a[i] : a[i];
}

static void leaky_relu_backward(size_t n, const float *a, float alpha, float *d)
{
    for (size_t i = 0; i < n; i++)
        d[i] *= a[i] > 0.0f ? 1.0f : alpha;
}

/* selu is elu scaled: scale (z or alpha (e^z - 1)); below zero f' =
 * scale alpha e^z = a + scale alpha. elu is the case alpha = scale = 1. */
static void scaled_elu_forward(size_t n, float *a, float alpha, float scale)
{
    for (size_t i = 0; i < n; i++)
        a[i] = scale * (a[i] > 0.0f ? a[i] : alpha * expm1f(a[i]));
}

static void scaled_elu_backward(size_t n, const float *a, float alpha, float scale, float *d)
{
    for (size_t i = 0; i < n; i++)
        d[i] *= a[i] > 0.0f ? scale : a[i] + scale * alpha;
}

static void elu_forward(size_t n, float *a, float alpha)
{
    (void)alpha;
    scaled_elu_forward(n, a, 1.0f, 1.0f);
}

static void elu_backward(size_t n, const float *a, float alpha, float *d)
{
    (void)alpha;
    scaled_elu_backward(n, a, 1.0f, 1.0f, d);
}

/* Keras's selu constants (Klambauer et al. 2017). */
#define SELU_ALPHA 1.67326324f
#define SELU_SCALE 1.05070098f

static void selu_forward(size_t n, float *a, float alpha)
{
    (void)alpha;
    scaled_elu_forward(n, a, SELU_ALPHA, SELU_SCALE);
}

static void selu_backward(size_t n, const float *a, float alpha, float *d)
{
    (void)alpha;
    scaled_elu_backward(n, a, SELU_ALPHA, SELU_SCALE, d);
}

/* log(1 + e^z), written so that e^z never overflows; f' = sigmoid(z) =
 * 1 - e^-a, as -expm1 to keep its digits when a is small. */
static void softplus_forward(size_t n, float *a, float alpha)
{
    (void)alpha;
    for (size_t i = 0; i < n; i++)
        a[i] = a[i] > 0.0f ? a[i] + log1pf(expf(-a[i])) : log1pf(expf(a[i]));
}

static void softplus_backward(size_t n, const float *a, float alpha, float *d)
{
    (void)alpha;
    for (size_t i = 0; i < n; i++)
        d[i] *= -expm1f(-a[i]);
}

/* z sigmoid(z); f' = s (1 + z (1 - s)), s = sigmoid(z), from z. */
static void silu_forward(size_t n, float *a, float alpha)
{
    (void)alpha;
    for (size_t i = 0; i < n; i++)
        a[i] = a[i] / (1.0f + expf(-a[i]));
}

static void silu_backward(size_t n, const float *z, float alpha, float *d)
{
    (void)alpha;
    for (size_t i = 0; i < n; i++) {
        const float s = 1.0f / (1.0f + expf(-z[i]));
        d[i] *= s * (1.0f + z[i] * (1.0f - s));
    }
}

/* The exact form, z Phi(z) with Phi the normal CDF (Keras's default,
 * approximate=False); f' = Phi(z) + z phi(z), from z. */
#define SQRT1_2 0.707106781f          /* 1 / sqrt(2) */
#define INV_SQRT_2PI 0.398942280f     /* 1 / sqrt(2 pi) */

static void gelu_forward(size_t n, float *a, float alpha)
{
    (void)alpha;
    for (size_t i = 0; i < n; i++)
        a[i] = 0.5f * a[i] * (1.0f + erff(a[i] * SQRT1_2));
}

static void gelu_backward(size_t n, const float *z, float alpha, float *d)
{
    (void)alpha;
    for (size_t i = 0; i < n; i++)
        d[i] *= 0.5f * (1.0f + erff(z[i] * SQRT1_2)) +
                z[i] * INV_SQRT_2PI * expf(-0.5f * z[i] * z[i]);
}

const mlpt_activation_ops mlpt_linear = {.name = "linear"};
const mlpt_activation_ops mlpt_relu = {
    .name = "relu", .forward = relu_forward, .backward = relu_backward};
const mlpt_activation_ops mlpt_sigmoid = {
    .name = "sigmoid", .forward = sigmoid_forward, .backward = sigmoid_backward};
const mlpt_activation_ops mlpt_tanh = {
    .name = "tanh", .forward = tanh_forward, .backward = tanh_backward};
/* The slope below zero defaults to keras.activations.leaky_relu's 0.2 (what
 * activation="leaky_relu" gives), not layers.LeakyReLU's 0.3; below 1 so
 * that it stays a rectifier (alpha 0 is relu). */
const mlpt_activation_ops mlpt_leaky_relu = {
    .name = "leaky_relu", .alpha = "alpha", .alpha_default = 0.2f, .alpha_max = 1.0f,
    .forward = leaky_relu_forward, .backward = leaky_relu_backward};
const mlpt_activation_ops mlpt_elu = {
    .name = "elu", .forward = elu_forward, .backward = elu_backward};
const mlpt_activation_ops mlpt_selu = {
    .name = "selu", .forward = selu_forward, .backward = selu_backward};
const mlpt_activation_ops mlpt_softplus = {
    .name = "softplus", .forward = softplus_forward, .backward = softplus_backward};
const mlpt_activation_ops mlpt_silu = {
    .name = "silu", .from_z = true, .forward = silu_forward, .backward = silu_backward};
const mlpt_activation_ops mlpt_gelu = {
    .name = "gelu", .from_z = true, .forward = gelu_forward, .backward = gelu_backward};
/* Computed with the loss it pairs with (sparse_categorical_crossentropy). */
const mlpt_activation_ops mlpt_softmax = {.name = "softmax", .last_only = true};
