#include "mlpt/topology.h"

#include <hwloc.h>
#include <omp.h>
#include <stdlib.h>

/* A loaded topology and the process's allowed PUs; both freed by close_topo. */
typedef struct {
    hwloc_topology_t topo;
    hwloc_bitmap_t allowed;
} topo_handle;

static void close_topo(topo_handle *h)
{
    if (h->allowed)
        hwloc_bitmap_free(h->allowed);
    if (h->topo)
        hwloc_topology_destroy(h->topo);
}

/* Under OMP_PROC_BIND, OpenMP has bound this thread to its first place
 * before main: the process's mask is then the union of OpenMP's places
 * (made from the mask the process started with). */
static int openmp_places(topo_handle *h, mlpt_error *err)
{
    hwloc_bitmap_zero(h->allowed);
    for (int p = 0; p < omp_get_num_places(); p++) {
        const int n = omp_get_place_num_procs(p);
        int *ids = malloc((size_t)(n > 0 ? n : 1) * sizeof *ids);
        if (!ids) {
            close_topo(h);
            return mlpt_fail(err, "out of memory for OpenMP's places");
        }
        omp_get_place_proc_ids(p, ids);
        for (int i = 0; i < n; i++)
            hwloc_bitmap_set(h->allowed, (unsigned)ids[i]);
        free(ids);
    }
    if (hwloc_bitmap_iszero(h->allowed)) /* no places: the machine's allowed set */
        hwloc_bitmap_copy(h->allowed, hwloc_topology_get_allowed_cpuset(h->topo));
    return 0;
}

static int open_topo(topo_handle *h, mlpt_error *err)
{
    h->topo = NULL;
    h->allowed = hwloc_bitmap_alloc();
    if (!h->allowed || hwloc_topology_init(&h->topo) < 0) {
        h->topo = NULL;
        close_topo(h);
        return mlpt_fail(err, "hwloc: cannot initialise the topology");
    }
    if (hwloc_topology_load(h->topo) < 0) {
        close_topo(h);
        return mlpt_fail(err, "hwloc: cannot load the machine topology");
    }
    if (omp_get_proc_bind() != omp_proc_bind_false)
        return openmp_places(h, err);
    if (hwloc_get_cpubind(h->topo, h->allowed, HWLOC_CPUBIND_PROCESS) < 0)
        hwloc_bitmap_copy(h->allowed, hwloc_topology_get_allowed_cpuset(h->topo));
    return 0;
}

/* The i-th core (in machine order) that has an allowed PU, or NULL. */
static hwloc_obj_t allowed_core(const topo_handle *h, int i)
{
    hwloc_obj_t core = NULL;
    while ((core = hwloc_get_next_obj_by_type(h->topo, HWLOC_OBJ_CORE, core)))
        if (hwloc_bitmap_intersects(core->cpuset, h->allowed) && i-- == 0)
            return core;
    return NULL;
}

int mlpt_topology_probe(mlpt_topology *t, mlpt_error *err)
{
    topo_handle h;
    if (open_topo(&h, err) < 0)
        return -1;
    t->packages = hwloc_get_nbobjs_by_type(h.topo, HWLOC_OBJ_PACKAGE);
    t->cores = hwloc_get_nbobjs_by_type(h.topo, HWLOC_OBJ_CORE);
    t->pus = hwloc_get_nbobjs_by_type(h.topo, HWLOC_OBJ_PU);
    t->allowed_pus = hwloc_bitmap_weight(h.allowed);
    t->openmp_binds = omp_get_proc_bind() != omp_proc_bind_false;
    t->allowed_cores = 0;
    while (allowed_core(&h, t->allowed_cores))
        t->allowed_cores++;
    hwloc_bitmap_list_snprintf(t->allowed_list, sizeof t->allowed_list, h.allowed);
    close_topo(&h);
    return 0;
}

int mlpt_bind_threads(const mlpt_topology *t, int threads, bool *bound, mlpt_error *err)
{
    *bound = false;
    if (t->openmp_binds) /* OpenMP's places decide */
        return 0;
    topo_handle h;
    if (open_topo(&h, err) < 0)
        return -1;
    /* The allowed set as probed, before any thread of ours was pinned. */
    if (hwloc_bitmap_list_sscanf(h.allowed, t->allowed_list) < 0) {
        close_topo(&h);
        return mlpt_fail(err, "hwloc: cannot parse the allowed PUs '%s'", t->allowed_list);
    }
    *bound = threads <= t->allowed_cores && allowed_core(&h, threads - 1) != NULL;
    int failures = 0;
#pragma omp parallel num_threads(threads) reduction(+ : failures)
    {
        hwloc_bitmap_t set = hwloc_bitmap_alloc();
        hwloc_obj_t core = *bound ? allowed_core(&h, omp_get_thread_num()) : NULL;
        failures += !set ||
                    (core ? hwloc_bitmap_and(set, core->cpuset, h.allowed)
                          : hwloc_bitmap_copy(set, h.allowed)) < 0 ||
                    hwloc_set_cpubind(h.topo, set, HWLOC_CPUBIND_THREAD) < 0;
        hwloc_bitmap_free(set);
    }
    close_topo(&h);
    if (failures)
        return mlpt_fail(err, "hwloc: could not bind %d of %d threads", failures, threads);
    return 0;
}
