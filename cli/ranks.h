/* cli/ranks.h - the processes of a run started by mpirun.
 *
 * A run started by an MPI launcher (mpirun or mpiexec: Open MPI, MPICH or
 * Slurm's PMI) trains one model across its processes; without one, or in a
 * build without MPI, there is one process and nothing here calls MPI. Only
 * rank 0 prints and writes files. Every rank reaches the same agreement
 * points, so an error on any rank stops them all, with its message printed
 * once by rank 0, and no rank waits for one that has given up. */
#ifndef MLPT_CLI_RANKS_H
#define MLPT_CLI_RANKS_H

#include <stdbool.h>

#include "mlpt/error.h"

/* Starts MPI when a launcher started this process. Returns -1 with err if
 * MPI cannot start. */
int ranks_init(int *argc, char ***argv, mlpt_error *err);

/* Ends MPI if ranks_init started it. */
void ranks_finalize(void);

int ranks_rank(void);
int ranks_size(void);

/* The run's processes on this machine (this one included). */
int ranks_local_size(void);

/* The MPI_Comm of all processes (for mlpt_trainer_distribute), or NULL in
 * a single process. */
const void *ranks_comm(void);

/* Collective: -1 on every rank if any rank's rc is negative, with err set
 * on every rank to the message of the lowest such rank; otherwise rc. */
int ranks_agree(int rc, mlpt_error *err);

/* Collective: the largest of every rank's value (a stop request, a signal
 * number). */
int ranks_max(int value);

/* The MPI library's name and version, or "no" in a build without MPI. */
const char *ranks_library(void);

#endif
