#define _POSIX_C_SOURCE 200809L
#include "interrupt.h"

#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <string.h>
#include <unistd.h>

/* Lock-free, so safe in a handler, and seen by every thread: the signal may
 * land on an OpenMP worker. */
static atomic_int received;
static bool announce; /* only one process of a run says it is stopping */

static void on_signal(int sig)
{
    if (atomic_load(&received))
        _exit(128 + sig);
    atomic_store(&received, sig);
    static const char msg[] = "\nmlptrain: stopping after this step to save a checkpoint "
                              "(press Ctrl-C again to quit at once)\n";
    if (announce) {
        ssize_t ignored = write(STDERR_FILENO, msg, sizeof msg - 1); /* async-signal-safe */
        (void)ignored;
    }
}

static void handle_with(void (*handler)(int))
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = handler;
    sa.sa_flags = SA_RESTART; /* writes to a terminal or pipe are not cut short */
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

void interrupt_install(bool speak)
{
    announce = speak;
    handle_with(on_signal);
}

void interrupt_remove(void)
{
    handle_with(SIG_DFL);
}

int interrupt_received(void)
{
    return atomic_load(&received);
}
