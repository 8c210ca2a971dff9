/* mlpt/topology.h - which cores this process may use (hwloc), and pinning
 * OpenMP threads to them.
 *
 * Threads are only ever bound inside the process's own CPU mask (taskset,
 * cgroups, a batch scheduler's allocation): hwloc reports the whole machine,
 * so the allowed set is read from the process binding and intersected.
 * When OpenMP binds threads (omp_get_proc_bind() is not false: OMP_PROC_BIND
 * other than false, or OMP_PLACES alone), it binds them to its places and
 * mlptrain leaves them there; the allowed set is then
 * the union of those places. */
#ifndef MLPT_TOPOLOGY_H
#define MLPT_TOPOLOGY_H

#include <stdbool.h>

#include "mlpt/error.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct mlpt_topology {
    int packages;          /* sockets in the machine */
    int cores, pus;        /* physical cores and hardware threads in the machine */
    int allowed_cores;     /* cores with at least one PU this process may use */
    int allowed_pus;
    char allowed_list[128];/* the allowed PUs, e.g. "0-1" */
    bool openmp_binds;     /* OpenMP binds (proc-bind not false), not mlptrain */
} mlpt_topology;

/* Reads the machine and the CPUs this process may use. Call it before any
 * mlpt_bind_threads: afterwards the calling thread's binding would be taken
 * for the process's. */
int mlpt_topology_probe(mlpt_topology *t, mlpt_error *err);

/* Pins thread i of an OpenMP team of `threads` threads to the allowed PUs of
 * the i-th allowed core of t, if threads <= allowed cores; otherwise (more
 * threads than cores) lets every thread run on any allowed PU, undoing an
 * earlier pinning. *bound says which. Does nothing (*bound false) when
 * OpenMP binds (t->openmp_binds). The binding lasts as long as OpenMP
 * keeps the team's threads, i.e. for later parallel regions of that size. */
int mlpt_bind_threads(const mlpt_topology *t, int threads, bool *bound, mlpt_error *err);

#ifdef __cplusplus
}
#endif
#endif
