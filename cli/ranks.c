#include "ranks.h"

#include <stdlib.h>

/* Whether an MPI launcher started this process (a plain `mlptrain` then
 * never pays for starting MPI, nor needs its daemons). */
static bool launched(void)
{
    const char *vars[] = {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_RANK", "PMI_SIZE"};
    for (size_t i = 0; i < sizeof vars / sizeof *vars; i++)
        if (getenv(vars[i]))
            return true;
    return false;
}

/* The rank the launcher gave this process, known before (or without) MPI:
 * so that an MPI that cannot start is reported once, not by every process. */
static int launcher_rank(void)
{
    const char *vars[] = {"OMPI_COMM_WORLD_RANK", "PMIX_RANK", "PMI_RANK"};
    for (size_t i = 0; i < sizeof vars / sizeof *vars; i++)
        if (getenv(vars[i]))
            return atoi(getenv(vars[i]));
    return 0;
}

#ifdef MLPT_HAVE_MPI
#include <mpi.h>
#include <string.h>

static bool started;
static int rank, size = 1, local_size = 1;
static MPI_Comm world;

int ranks_init(int *argc, char ***argv, mlpt_error *err)
{
    if (!launched())
        return 0;
    int provided = MPI_THREAD_SINGLE;
    if (MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided) != MPI_SUCCESS)
        return mlpt_fail(err, "MPI did not start");
    started = true;
    world = MPI_COMM_WORLD;
    MPI_Comm_set_errhandler(world, MPI_ERRORS_RETURN);
    MPI_Comm_rank(world, &rank);
    MPI_Comm_size(world, &size);
    MPI_Comm local;
    if (MPI_Comm_split_type(world, MPI_COMM_TYPE_SHARED, rank, MPI_INFO_NULL, &local) ==
        MPI_SUCCESS) {
        MPI_Comm_size(local, &local_size);
        MPI_Comm_free(&local);
    }
    if (provided < MPI_THREAD_FUNNELED)
        return mlpt_fail(err, "this MPI offers no thread support (MPI_THREAD_FUNNELED is "
                              "needed alongside OpenMP)");
    return 0;
}

void ranks_finalize(void)
{
    if (started)
        MPI_Finalize();
    started = false;
}

int ranks_rank(void)
{
    return started ? rank : launcher_rank();
}

int ranks_size(void)
{
    return size;
}

int ranks_local_size(void)
{
    return local_size;
}

const void *ranks_comm(void)
{
    return started ? &world : NULL;
}

int ranks_agree(int rc, mlpt_error *err)
{
    if (size == 1)
        return rc;
    int mine = rc < 0 ? rank : size, first = size;
    if (MPI_Allreduce(&mine, &first, 1, MPI_INT, MPI_MIN, world) != MPI_SUCCESS)
        return mlpt_fail(err, "MPI_Allreduce failed: the processes lost touch");
    if (first == size)
        return rc;
    if (MPI_Bcast(err, sizeof *err, MPI_BYTE, first, world) != MPI_SUCCESS)
        return mlpt_fail(err, "process %d failed, and its message was lost", first);
    err->msg[sizeof err->msg - 1] = '\0';
    return -1;
}

int ranks_max(int value)
{
    if (size == 1)
        return value;
    int most = value;
    if (MPI_Allreduce(&value, &most, 1, MPI_INT, MPI_MAX, world) != MPI_SUCCESS)
        return value > 0 ? value : 1; /* the others cannot be reached: stop */
    return most;
}

const char *ranks_library(void)
{
    static char text[MPI_MAX_LIBRARY_VERSION_STRING];
    int len = 0;
    MPI_Get_library_version(text, &len);
    char *end = strpbrk(text, ",\n"); /* the name and version, not the build details */
    if (end)
        *end = '\0';
    return text;
}

#else /* no MPI in this build: always one process */

int ranks_init(int *argc, char ***argv, mlpt_error *err)
{
    (void)argc, (void)argv;
    if (launched())
        return mlpt_fail(err, "this mlptrain was built without MPI, so each process started "
                              "by mpirun would train alone: run it without mpirun, or rebuild "
                              "with libopenmpi-dev installed");
    return 0;
}

void ranks_finalize(void)
{
}

int ranks_rank(void)
{
    return launcher_rank();
}

int ranks_size(void)
{
    return 1;
}

int ranks_local_size(void)
{
    return 1;
}

const void *ranks_comm(void)
{
    return NULL;
}

int ranks_agree(int rc, mlpt_error *err)
{
    (void)err;
    return rc;
}

int ranks_max(int value)
{
    return value;
}

const char *ranks_library(void)
{
    return "no";
}

#endif
