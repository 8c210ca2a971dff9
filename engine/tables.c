/* Every table of mlpt/tables.h, mlpt/train.h and mlpt/schedule.h: adding a
 * layer kind, activation, initializer, loss, metric, optimizer or schedule
 * is its entry (in its own file) and one line here. Order matters only
 * where it is written down: the first initializer and the first schedule
 * are the defaults, and an optimizer's position is its number in
 * checkpoints (append new ones). */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "mlpt/metrics.h"
#include "mlpt/schedule.h"
#include "mlpt/tables.h"
#include "mlpt/train.h"

extern const mlpt_layer_ops mlpt_dense, mlpt_dropout, mlpt_batchnorm, mlpt_layernorm;
const mlpt_layer_ops *const mlpt_layer_kinds[] = {&mlpt_dense, &mlpt_dropout, &mlpt_batchnorm,
                                                  &mlpt_layernorm, NULL};

extern const mlpt_activation_ops mlpt_linear, mlpt_relu, mlpt_sigmoid, mlpt_tanh,
    mlpt_leaky_relu, mlpt_elu, mlpt_selu, mlpt_softplus, mlpt_silu, mlpt_gelu, mlpt_softmax;
const mlpt_activation_ops *const mlpt_activations[] = {
    &mlpt_linear, &mlpt_relu,     &mlpt_sigmoid, &mlpt_tanh, &mlpt_leaky_relu, &mlpt_elu,
    &mlpt_selu,   &mlpt_softplus, &mlpt_silu,    &mlpt_gelu, &mlpt_softmax,    NULL};

extern const mlpt_initializer_ops mlpt_glorot_uniform, mlpt_he_uniform;
const mlpt_initializer_ops *const mlpt_initializers[] = {&mlpt_glorot_uniform, &mlpt_he_uniform,
                                                         NULL};

extern const mlpt_loss_ops mlpt_sparse_categorical_crossentropy, mlpt_binary_crossentropy,
    mlpt_mean_squared_error, mlpt_mean_absolute_error, mlpt_huber;
const mlpt_loss_ops *const mlpt_losses[] = {
    &mlpt_sparse_categorical_crossentropy, &mlpt_binary_crossentropy, &mlpt_mean_squared_error,
    &mlpt_mean_absolute_error, &mlpt_huber, NULL};

extern const mlpt_metric_ops mlpt_metric_accuracy, mlpt_metric_top_k_accuracy,
    mlpt_metric_binary_accuracy, mlpt_metric_auc, mlpt_metric_precision, mlpt_metric_recall,
    mlpt_metric_mae, mlpt_metric_mse, mlpt_metric_rmse, mlpt_metric_r2;
const mlpt_metric_ops *const mlpt_metrics[] = {
    &mlpt_metric_accuracy, &mlpt_metric_top_k_accuracy, &mlpt_metric_binary_accuracy,
    &mlpt_metric_auc,      &mlpt_metric_precision,      &mlpt_metric_recall,
    &mlpt_metric_mae,      &mlpt_metric_mse,            &mlpt_metric_rmse,
    &mlpt_metric_r2,       NULL};

/* Append only: the position is the optimizer's number in checkpoints. */
extern const mlpt_optimizer_ops mlpt_adam, mlpt_sgd, mlpt_rmsprop;
const mlpt_optimizer_ops *const mlpt_optimizers[] = {&mlpt_adam, &mlpt_sgd, &mlpt_rmsprop, NULL};

/* The first is the default. */
extern const mlpt_schedule_ops mlpt_schedule_constant, mlpt_schedule_step,
    mlpt_schedule_exponential, mlpt_schedule_cosine, mlpt_schedule_plateau;
const mlpt_schedule_ops *const mlpt_schedules[] = {
    &mlpt_schedule_constant, &mlpt_schedule_step, &mlpt_schedule_exponential,
    &mlpt_schedule_cosine, &mlpt_schedule_plateau, NULL};

/* ---- lookups ---- */

/* Every entry begins with its name: a pointer to the entry is one to it. */
static const char *name_of(const void *entry)
{
    return *(const char *const *)entry;
}

const void *mlpt_table_find(const void *const *table, const char *name, size_t len)
{
    for (int i = 0; table[i]; i++) {
        const char *n = name_of(table[i]);
        if (strlen(n) == len && !memcmp(n, name, len))
            return table[i];
    }
    return NULL;
}

int mlpt_name_index(const char *const *names, const char *name, size_t len)
{
    for (int i = 0; names[i]; i++)
        if (strlen(names[i]) == len && !memcmp(names[i], name, len))
            return i;
    return -1;
}

int mlpt_table_index(const void *const *table, const void *entry)
{
    for (int i = 0; table[i]; i++)
        if (table[i] == entry)
            return i;
    return -1;
}

const char *mlpt_table_names(const void *const *table, const char *sep, char *buf, size_t cap)
{
    size_t n = 0;
    buf[0] = '\0';
    for (int i = 0; table[i] && n < cap; i++) {
        int w = snprintf(buf + n, cap - n, "%s%s", i ? sep : "", name_of(table[i]));
        n += w > 0 ? (size_t)w : 0;
    }
    return buf;
}

const char *mlpt_keras_name(const mlpt_layer_ops *kind, char *buf, size_t cap)
{
    size_t n = 0;
    for (const char *c = kind->keras_type; *c && n + 2 < cap; c++) {
        if (isupper((unsigned char)*c) && c != kind->keras_type)
            buf[n++] = '_';
        buf[n++] = (char)tolower((unsigned char)*c);
    }
    buf[n] = '\0';
    return buf;
}

const mlpt_layer_ops *mlpt_layer_kind_named(const char *name)
{
    return mlpt_table_find(MLPT_TABLE(mlpt_layer_kinds), name, strlen(name));
}

const mlpt_activation_ops *mlpt_activation_named(const char *name)
{
    return mlpt_table_find(MLPT_TABLE(mlpt_activations), name, strlen(name));
}

const mlpt_initializer_ops *mlpt_initializer_named(const char *name)
{
    return mlpt_table_find(MLPT_TABLE(mlpt_initializers), name, strlen(name));
}

const mlpt_loss_ops *mlpt_loss_named(const char *name)
{
    return mlpt_table_find(MLPT_TABLE(mlpt_losses), name, strlen(name));
}

const mlpt_optimizer_ops *mlpt_optimizer_named(const char *name)
{
    return mlpt_table_find(MLPT_TABLE(mlpt_optimizers), name, strlen(name));
}

bool mlpt_optimizer_takes(const mlpt_optimizer_ops *o, const char *key)
{
    for (int k = 0; o->keys[k]; k++)
        if (!strcmp(o->keys[k], key))
            return true;
    return false;
}
