/* Each optimizer's update against values computed by hand (in double) from
 * Keras's formulas. */
#include <criterion/criterion.h>
#include <math.h>

#include "mlpt/train.h"

#define ADAM {mlpt_optimizer_named("adam"), 0.001f, 0.9f, 0.999f, 1e-7f, 0, 0, 0}

Test(optimizer, adam_two_steps_match_hand_computation)
{
    const mlpt_optimizer_spec adam = ADAM;
    float w[2] = {1.0f, -0.5f}, m[2] = {0}, v[2] = {0};
    const float g1[2] = {0.5f, -2.0f}, g2[2] = {0.1f, 1.0f};
    double W[2] = {1.0, -0.5}, M[2] = {0}, V[2] = {0};
    const double b1 = 0.9f, b2 = 0.999f; /* the float hyperparameters, exactly */
    const float *grads[2] = {g1, g2};
    for (int t = 1; t <= 2; t++) {
        mlpt_opt_step st = adam.kind->prepare(&adam, (uint64_t)t);
        adam.kind->apply(&st, 2, w, grads[t - 1], m, v);
        double alpha = (double)0.001f * sqrt(1.0 - pow(b2, t)) / (1.0 - pow(b1, t));
        for (int i = 0; i < 2; i++) {
            double g = grads[t - 1][i];
            M[i] = b1 * M[i] + (1.0 - b1) * g;
            V[i] = b2 * V[i] + (1.0 - b2) * g * g;
            W[i] -= alpha * M[i] / (sqrt(V[i]) + 1e-7);
            cr_assert_float_eq(m[i], M[i], 1e-7, "m[%d] at step %d", i, t);
            cr_assert_float_eq(v[i], V[i], 1e-9, "v[%d] at step %d", i, t);
            cr_assert_float_eq(w[i], W[i], 1e-6, "w[%d] at step %d", i, t);
        }
    }
}

Test(optimizer, adam_first_step_is_learning_rate_times_sign)
{
    const mlpt_optimizer_spec adam = ADAM;
    float w = 2.0f, m = 0.0f, v = 0.0f;
    const float g = 3.0f;
    mlpt_opt_step st = adam.kind->prepare(&adam, 1);
    adam.kind->apply(&st, 1, &w, &g, &m, &v);
    cr_assert_float_eq(w, 2.0f - 0.001f, 1e-6f);
}

Test(optimizer, sgd_with_momentum)
{
    const mlpt_optimizer_spec sgd = {mlpt_optimizer_named("sgd"), 0.1f, 0, 0, 0, 0.9f, 0, 0};
    float w = 1.0f, vel = 0.0f, unused = 0.0f;
    const float g = 2.0f;
    mlpt_opt_step st = sgd.kind->prepare(&sgd, 1);
    sgd.kind->apply(&st, 1, &w, &g, &vel, &unused);
    cr_assert_float_eq(w, 0.8f, 1e-6f); /* v = -0.2 */
    sgd.kind->apply(&st, 1, &w, &g, &vel, &unused);
    cr_assert_float_eq(vel, -0.38f, 1e-6f); /* 0.9 * -0.2 - 0.2 */
    cr_assert_float_eq(w, 0.42f, 1e-6f);
}

Test(optimizer, rmsprop)
{
    const mlpt_optimizer_spec rms = {mlpt_optimizer_named("rmsprop"), 0.01f, 0, 0, 1e-7f, 0, 0.9f,
                                     0};
    float w = 1.0f, ms = 0.0f, unused = 0.0f;
    const float g = 0.5f;
    mlpt_opt_step st = rms.kind->prepare(&rms, 1);
    rms.kind->apply(&st, 1, &w, &g, &ms, &unused);
    double MS = 0.1 * 0.25;
    cr_assert_float_eq(ms, MS, 1e-8);
    cr_assert_float_eq(w, 1.0 - 0.01 * 0.5 / sqrt(MS + 1e-7), 1e-6);
}

/* weight_decay in adam is Keras's AdamW: w -= lr wd w, then the Adam step
 * (decoupled: the moments never see it). */
Test(optimizer, adamw_step_matches_hand_computation)
{
    mlpt_optimizer_spec adam = ADAM;
    adam.weight_decay = 0.1f;
    float w[2] = {1.0f, -0.5f}, m[2] = {0}, v[2] = {0};
    const float g[2] = {0.5f, -2.0f};
    mlpt_opt_step st = adam.kind->prepare(&adam, 1);
    adam.kind->apply(&st, 2, w, g, m, v);
    const double b1 = 0.9f, b2 = 0.999f, lr = 0.001f, wd = 0.1f;
    const double alpha = lr * sqrt(1.0 - b2) / (1.0 - b1);
    const double W[2] = {1.0, -0.5};
    for (int i = 0; i < 2; i++) {
        const double M = (1 - b1) * g[i], V = (1 - b2) * g[i] * g[i];
        const double want = W[i] - lr * wd * W[i] - alpha * M / (sqrt(V) + 1e-7);
        cr_assert_float_eq(w[i], want, 1e-7, "w[%d]: %.9f, AdamW %.9f", i, w[i], want);
        cr_assert_float_eq(m[i], M, 1e-9, "the moments do not see the decay");
    }
}

/* weight_decay in sgd and rmsprop is L2: wd w added to the gradient. */
Test(optimizer, sgd_and_rmsprop_l2_match_hand_computation)
{
    mlpt_optimizer_spec sgd = {mlpt_optimizer_named("sgd"), 0.1f, 0, 0, 0, 0.9f, 0, 0.5f};
    float w = 1.0f, vel = 0.0f, unused = 0.0f;
    const float g = 2.0f;
    mlpt_opt_step st = sgd.kind->prepare(&sgd, 1);
    sgd.kind->apply(&st, 1, &w, &g, &vel, &unused);
    cr_assert_float_eq(w, 1.0 - 0.1 * (2.0 + 0.5 * 1.0), 1e-6); /* 0.75 */
    mlpt_optimizer_spec rms = {mlpt_optimizer_named("rmsprop"), 0.01f, 0, 0, 1e-7f, 0, 0.9f,
                               0.5f};
    float x = 1.0f, ms = 0.0f;
    st = rms.kind->prepare(&rms, 1);
    rms.kind->apply(&st, 1, &x, &g, &ms, &unused);
    const double G = 2.0 + 0.5, MS = 0.1 * G * G;
    cr_assert_float_eq(ms, MS, 1e-6);
    cr_assert_float_eq(x, 1.0 - 0.01 * G / sqrt(MS + 1e-7), 1e-6);
}
