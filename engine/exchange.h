/* engine/exchange.h - one step's shard results passed between the processes
 * of an MPI communicator.
 *
 * Rank r of R runs the forward and backward passes of shards
 * [S*r/R, S*(r+1)/R) of every batch. What the update needs of a shard is
 * per sample: the loss, for each dense layer the input's non-zeros and
 * dL/dZ, and for each normalization layer dL/d out and its normalized
 * input (gamma's and beta's gradient sums them). Every rank sends its
 * shards' and receives all the others' (one MPI_Allgatherv), so every
 * rank holds the whole batch, forms each
 * gradient row over all its samples in sample order and applies the same
 * update: the weights do not depend on the number of processes. No sum
 * ever crosses processes, so MPI's reduction order never matters. (Each
 * step also gathers the packed sizes first: two collectives.) A batchnorm
 * layer's statistics are sums over the batch too: before each of its
 * reductions the ranks exchange the per-sample values it reads, and each
 * rank sums them all in sample order.
 *
 * Bytes per sample: 4 (loss) + for each dense layer 4 + 8 per non-zero
 * input + 4 per output; for the tutorial about 2.2 KB, 70 KB per batch of
 * 32, against 400 KB for the gradient itself.
 *
 * In a build without MPI, mlpt_exchange_create fails and nothing else here
 * is reachable. */
#ifndef MLPT_ENGINE_EXCHANGE_H
#define MLPT_ENGINE_EXCHANGE_H

#include <stddef.h>
#include <stdint.h>

#include "mlpt/error.h"
#include "mlpt/model.h"
#include "pass.h"

typedef struct mlpt_exchange mlpt_exchange;

/* Joins the processes of the MPI communicator *comm (an MPI_Comm) for a
 * trainer of `shards` workspaces of `capacity` rows each; the buffers are
 * allocated once. Collective; fails on every process unless all pass the
 * same `agreement` (a hash of what they must have alike). */
mlpt_exchange *mlpt_exchange_create(const void *comm, const mlpt_model *m, int shards,
                                    size_t capacity, uint64_t agreement, mlpt_error *err);
void mlpt_exchange_free(mlpt_exchange *x);

/* This rank's shards: [*lo, *hi). */
void mlpt_exchange_own_shards(const mlpt_exchange *x, int *lo, int *hi);

/* Sends this rank's shards of ws (one workspace per shard, after
 * mlpt_backward) to every other rank and fills the others' shards in ws
 * with what they sent: collective, called by every rank at every step. */
int mlpt_exchange_shards(mlpt_exchange *x, const mlpt_model *m, mlpt_workspace *ws,
                         mlpt_error *err);

/* Before the reduction after phase p of a pass (pass.h: a batchnorm
 * layer's statistics over the whole batch): sends this rank's shards'
 * rows that the reduction reads (mlpt_phase_rows) to every other rank and
 * fills the others' shards with theirs, so every rank sums the same
 * values in the same order. Collective, as mlpt_exchange_shards. */
int mlpt_exchange_phase(mlpt_exchange *x, const mlpt_model *m, mlpt_workspace *ws, int phase,
                        mlpt_error *err);

/* Seconds spent in MPI so far. */
double mlpt_exchange_seconds(const mlpt_exchange *x);

#endif
