/* mlpt/train.h - data-parallel training and evaluation.
 *
 * Each minibatch of B samples is cut into `shards` logical shards with
 * boundaries floor(B*s/shards); OpenMP threads take whole shards through
 * the forward and backward passes, which compute every sample on its own
 * but at batchnorm layers, where every shard stops for the batch's
 * statistics, each a sum over its samples in sample order. Then, split
 * across threads by parameter range, each kernel row's (and gamma's and
 * beta's) gradient is formed as one sum over the batch's samples in sample
 * order, fused with the optimizer update. No sum depends on threads, shards or
 * (with mlpt_trainer_distribute) processes, so the trained weights are
 * bit-identical for any count of each. Dropout masks and shuffles come from a counter-based
 * generator keyed by (seed, epoch, sample, layer, unit).
 *
 * Training and evaluation flush denormal floats to zero in every thread
 * they compute on, the calling thread included, and leave that mode set. */
#ifndef MLPT_TRAIN_H
#define MLPT_TRAIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mlpt/samples.h"
#include "mlpt/error.h"
#include "mlpt/metrics.h"
#include "mlpt/model.h"
#include "mlpt/schedule.h"
#include "mlpt/tables.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The most logical shards a batch may be cut into. */
#define MLPT_MAX_SHARDS 256

typedef struct mlpt_optimizer_ops mlpt_optimizer_ops;

/* Keras's update rules and defaults:
 *   adam:    lr 0.001, beta1 0.9, beta2 0.999, epsilon 1e-7
 *   sgd:     lr 0.01, momentum 0
 *   rmsprop: lr 0.001, rho 0.9, epsilon 1e-7 */
typedef struct mlpt_optimizer_spec {
    const mlpt_optimizer_ops *kind; /* an entry of mlpt_optimizers */
    float learning_rate;
    float beta1, beta2, epsilon; /* adam (epsilon also rmsprop) */
    float momentum;              /* sgd */
    float rho;                   /* rmsprop */
    /* Every optimizer: >= 0. adam: decoupled, as Keras's AdamW (w -= lr wd
     * w before the update); sgd, rmsprop: L2, wd w added to the gradient.
     * Kernels only: biases are not decayed. */
    float weight_decay;
} mlpt_optimizer_spec;

/* Per-step constants, computed once per step by an optimizer's prepare. */
typedef struct mlpt_opt_step {
    float lr;     /* learning rate; for adam the bias-corrected alpha_t */
    float c1, c2; /* adam: 1 - beta1, 1 - beta2; rmsprop: rho, 1 - rho; sgd: momentum */
    float eps;
    float g_scale; /* g is multiplied by this first (1 from prepare; the trainer
                      sets 1/B to turn gradient sums into means) */
    float decay;   /* weight decay, as the optimizer applies it (adam: lr x
                      weight_decay; sgd, rmsprop: weight_decay); the trainer
                      sets 0 for biases */
} mlpt_opt_step;

#define MLPT_MAX_SLOTS 2

/* An optimizer (engine/adam.c, sgd.c, rmsprop.c), listed in mlpt_optimizers
 * (engine/tables.c), whose position is its number in checkpoints. Its
 * update is element-wise over a block of parameters, so the trainer fuses
 * it with the gradient and splits it across threads by parameter range
 * without changing a bit. */
struct mlpt_optimizer_ops {
    const char *name;          /* [train] optimizer = NAME */
    const char *learning_rate; /* its default learning_rate, as the config writes it */
    /* The other [train] keys it takes (their ranges and defaults are the
     * config's schema), NULL-terminated. */
    const char *const *keys;
    int slots;                 /* state floats per parameter, 1..MLPT_MAX_SLOTS */
    /* t is the 1-based number of the step about to be taken. */
    mlpt_opt_step (*prepare)(const mlpt_optimizer_spec *o, uint64_t t);
    /* Updates w[n] from the gradient g[n] * st->g_scale with its state
     * s[0][n] .. s[slots - 1][n]. */
    void (*apply)(const mlpt_opt_step *st, size_t n, float *restrict w,
                  const float *restrict g, float *restrict s1, float *restrict s2);
};

extern const mlpt_optimizer_ops *const mlpt_optimizers[];
const mlpt_optimizer_ops *mlpt_optimizer_named(const char *name);

/* Whether optimizer o takes the [train] key `key`. */
bool mlpt_optimizer_takes(const mlpt_optimizer_ops *o, const char *key);

/* Class weights (label tasks), as Keras's fit(class_weight=...): each
 * training row's loss and gradient are multiplied by its class's weight. */
#define MLPT_MAX_CLASS_WEIGHTS 256
typedef enum {
    MLPT_CLASS_WEIGHT_NONE,
    MLPT_CLASS_WEIGHT_BALANCED, /* n / (classes x count of the class), over the training
                                   rows, as scikit-learn's compute_class_weight */
    MLPT_CLASS_WEIGHT_LISTED,   /* w[0..n): one per class, in label order */
} mlpt_class_weight_kind;

typedef struct mlpt_class_weights {
    mlpt_class_weight_kind kind;
    int n;
    float w[MLPT_MAX_CLASS_WEIGHTS];
} mlpt_class_weights;

typedef struct mlpt_train_spec {
    mlpt_optimizer_spec optimizer;
    int batch;       /* samples per step, >= 1 */
    int epochs;      /* >= 1 */
    int shards;      /* logical shards per batch (1..MLPT_MAX_SHARDS): the unit of
                        parallelism */
    bool shuffle;    /* reshuffle the training set every epoch */
    uint64_t seed;   /* initial weights, shuffles and dropout masks */
    mlpt_metric_list metrics; /* computed over the training batches as they pass */
    /* > 0: the gradient, all of it, is scaled down to this norm when its
     * norm is larger (Keras's global_clipnorm); 0: no clipping. */
    float clip_norm;
    mlpt_class_weights class_weight;
    /* The learning rate of each step, from optimizer.learning_rate (kind
     * NULL: that rate throughout). */
    mlpt_schedule schedule;
} mlpt_train_spec;

/* Running figures of one epoch, as the progress bar shows them. */
typedef struct mlpt_epoch_stats {
    size_t step, steps;   /* steps done so far, steps in the epoch */
    size_t samples;       /* samples seen so far */
    double loss;          /* mean training loss so far */
    float lr;             /* the learning rate of the last step (of the next, at step 0) */
    double metrics[MLPT_MAX_METRICS]; /* spec.metrics over the samples so far */
    /* The exact sums behind them, for resuming: the loss's, and the
     * metrics' state (mlpt_metrics_state_len doubles; the trainer's own
     * buffer, which a `from` is copied into). */
    double loss_sum;
    double *metric_state;
    size_t metric_state_len;
} mlpt_epoch_stats;

/* Called on the calling thread after every step; returning non-zero stops
 * the epoch early (mlpt_trainer_epoch then returns 1). */
typedef int (*mlpt_step_fn)(const mlpt_epoch_stats *s, void *user);

typedef struct mlpt_trainer mlpt_trainer;

/* Allocates every buffer training needs, once: per-shard activations,
 * per-thread gradient row lists, optimizer state, the sample order, for
 * training on `train` (its size, scale and normalization; the epochs must
 * be given the same; balanced class weights are counted on its labels).
 * threads >= 1. */
mlpt_trainer *mlpt_trainer_create(mlpt_model *m, const mlpt_train_spec *spec,
                                  const mlpt_samples *train, int threads, mlpt_error *err);
void mlpt_trainer_free(mlpt_trainer *t);

/* What mlpt_trainer_create allocates, in bytes (the kernels' slack left
 * out); a figure beyond size_t reads SIZE_MAX. */
typedef struct mlpt_train_memory {
    size_t params;     /* the weights */
    size_t optimizer;  /* the optimizer's moments and the update plan */
    size_t batch;      /* one batch through every shard's workspace: activations,
                          dropout masks, dL/dZ and the layer inputs' non-zeros */
    size_t per_thread; /* each thread's lists of a batch's non-zeros per kernel row */
    size_t per_sample; /* each training sample's place in the shuffle; the data's own
                          bytes are the caller's to count */
} mlpt_train_memory;

/* The memory a trainer for m (planned: params may be NULL) with spec takes,
 * computed without allocating, so that a model too big to train can be
 * refused before it is tried. */
mlpt_train_memory mlpt_train_memory_of(const mlpt_model *m, const mlpt_train_spec *spec);

/* The parameters, optimizer state, batch and `threads` threads' lists
 * together (the samples left out); SIZE_MAX when beyond size_t. */
size_t mlpt_train_memory_total(const mlpt_train_memory *mem, int threads);

/* Trains one model with the other processes of an MPI communicator
 * (comm points to an MPI_Comm; the caller initialised MPI, with at least
 * MPI_THREAD_FUNNELED, on the thread that calls mlpt_trainer_epoch). Rank r
 * of R takes shards [S*r/R, S*(r+1)/R) of every batch through the forward
 * and backward passes; the ranks then exchange what the update needs of
 * each sample (its loss, per dense layer its non-zero inputs and dL/dZ, per
 * normalization layer dL/d out and its normalized input; and before each of
 * a batchnorm layer's reductions, the values it sums), and every rank
 * forms the whole batch's gradient in sample order and takes the same
 * optimizer step. The weights are therefore the same as
 * in one process, for any number of processes and threads. Every rank
 * must then make the same mlpt_trainer_epoch calls with the same data.
 * Fails in a build without MPI (mlpt_mpi_available). */
int mlpt_trainer_distribute(mlpt_trainer *t, const void *comm, mlpt_error *err);

/* Whether this build can train across processes (it was built with MPI). */
bool mlpt_mpi_available(void);

/* Seconds this process has spent exchanging shard results with the others
 * (0 in a single process). */
double mlpt_trainer_comm_seconds(const mlpt_trainer *t);

/* Trains one epoch (0-based `epoch`) over `train`, which must have
 * train_size samples of the model's input width. With `from` (NULL: the
 * start), continues an epoch interrupted after from->step steps, with its
 * running sums. Returns 0 when the epoch completed, 1 when on_step asked to
 * stop, -1 on error (a non-finite loss: the message names the epoch and
 * step; the weights stay those of the last good step; or a failed exchange
 * between processes). *out gets the
 * epoch's figures so far. */
int mlpt_trainer_epoch(mlpt_trainer *t, const mlpt_samples *train, int epoch,
                       const mlpt_epoch_stats *from, mlpt_step_fn on_step, void *user,
                       mlpt_epoch_stats *out, mlpt_error *err);

/* Everything of a trainer that a checkpoint must hold to continue it bit for
 * bit, as pointers into it (shuffles and dropout masks need no state: they
 * are keyed by seed, epoch and sample). */
typedef struct mlpt_trainer_state {
    const mlpt_optimizer_ops *optimizer;
    size_t n_params;
    float *params;          /* the model's */
    float *state1, *state2; /* optimizer state; state2 is NULL unless it has 2 slots */
    uint64_t *steps_taken;  /* optimizer steps so far (adam's t) */
    mlpt_schedule_state *schedule; /* what epoch ends changed of the rate (the plateau's);
                                      the caller's mlpt_schedule_epoch_end changes it */
} mlpt_trainer_state;

mlpt_trainer_state mlpt_trainer_state_of(mlpt_trainer *t);

/* Inference over every sample of d (take a mlpt_samples_slice for part of
 * it): the outputs (probabilities, or values) written to probs (d->n x
 * output_width) when probs is not NULL, the mean loss and the metrics,
 * added up over the samples in order. Dropout is off. Uses `threads`
 * threads; the results do not depend on it. */
typedef struct mlpt_eval_result {
    double loss;
    double metrics[MLPT_MAX_METRICS]; /* in the order of the list asked for */
    size_t n;
} mlpt_eval_result;

int mlpt_evaluate(const mlpt_model *m, const mlpt_samples *d, const mlpt_metric_list *metrics,
                  int threads, float *probs, mlpt_eval_result *out, mlpt_error *err);

#ifdef __cplusplus
}
#endif
#endif
