/* mlptrain: train, evaluate, predict and report experiments described by
 * INI configs. The cli/ folder is the only place in the project that prints
 * to the user or exits. */
#include <cairo.h>
#include <hwloc.h>
#include <jansson.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "args.h"
#include "commands.h"
#include "console.h"
#include "interrupt.h"
#include "mlpt/config.h"
#include "mlpt/model.h"
#include "mlpt/topology.h"
#include "ranks.h"
#include "train.h"

static int print_version(void)
{
    printf("mlptrain %s\n", MLPT_VERSION);
    printf("built with OpenMP %d, hwloc %s, zlib %s, jansson %s, cairo %s; MPI: %s\n",
           _OPENMP, HWLOC_VERSION, zlibVersion(), JANSSON_VERSION, cairo_version_string(),
           ranks_library());
    return 0;
}

/* Appends s to line quoted for a POSIX shell when it needs it. */
static void append_word(char *line, size_t cap, const char *s)
{
    size_t used = strlen(line);
    bool plain = *s != '\0';
    for (const char *p = s; *p && plain; p++)
        plain = strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_./=:,+-@%",
                       *p) != NULL;
    if (used && used + 1 < cap)
        line[used++] = ' ';
    if (!plain && used + 1 < cap)
        line[used++] = '\'';
    for (const char *p = s; *p && used + 5 < cap; p++) {
        if (*p == '\'' && !plain) { /* ' becomes '\'' */
            memcpy(line + used, "'\\''", 4);
            used += 4;
        } else {
            line[used++] = *p;
        }
    }
    if (!plain && used + 1 < cap)
        line[used++] = '\'';
    line[used] = '\0';
}

/* argv as a command a shell runs again, without a --resume already there
 * (the hint adds it) or an --overwrite (which excludes it). */
static const char *command_line(int argc, char **argv)
{
    static char line[8192];
    line[0] = '\0';
    for (int i = 0; i < argc; i++)
        if (strcmp(argv[i], "--resume") && strcmp(argv[i], "--overwrite"))
            append_word(line, sizeof line, argv[i]);
    return line;
}

/* The commands that read a config, from its text as read once. */
static int with_config_text(const cli_args *a, const char *command, const char *text,
                            mlpt_error *err)
{
    static mlpt_config cfg; /* large (paths, class names): not on the stack */
    mlpt_topology topo;
    train_outcome outcome;
    /* Every process reads the config: one that cannot stops them all. */
    const int rc = text ? mlpt_config_parse(a->config, text, a->overrides, a->n_overrides, &cfg,
                                            err)
                        : -1;
    if (ranks_agree(rc, err) < 0)
        return -1;
    if (a->command == CLI_CHECK)
        return cli_check(&cfg, err);
    if (ranks_agree(mlpt_topology_probe(&topo, err), err) < 0)
        return -1;
    switch (a->command) {
    case CLI_EVALUATE:
        return cli_evaluate(a, &cfg, &topo, err);
    case CLI_SEEDS:
        return cli_seeds(a, &cfg, text, &topo, err);
    default:
        return train_run(&cfg, &topo,
                         &(train_options){.log = stdout, .quiet = a->quiet, .resume = a->resume,
                                          .overwrite = a->overwrite, .command = command,
                                          .config_text = text},
                         &outcome, err);
    }
}

static int with_config(const cli_args *a, const char *command, mlpt_error *err)
{
    char *text = mlpt_config_read(a->config, err);
    const int rc = with_config_text(a, command, text, err);
    free(text);
    return rc;
}

/* The command, in each process of the run. */
static int run_command(const cli_args *a, int argc, char **argv, mlpt_error *err)
{
    if (ranks_size() > 1 && a->command != CLI_TRAIN && a->command != CLI_CHECK)
        return mlpt_fail(err, "%s runs in one process: start it without mpirun (%d processes "
                              "here)",
                         cli_command_name(a->command), ranks_size());
    return a->command == CLI_PREDICT ? cli_predict(a, err)
                                     : with_config(a, command_line(argc, argv), err);
}

int main(int argc, char **argv)
{
    static cli_args args;
    mlpt_error err;
    if (ranks_init(&argc, &argv, &err) < 0) {
        if (ranks_rank() == 0)
            fprintf(stderr, "mlptrain: error: %s\n", err.msg);
        ranks_finalize();
        return 1;
    }
    /* Only the first process speaks; the others' errors reach it. */
    const bool speaks = ranks_rank() == 0;
    if (!speaks && !freopen("/dev/null", "w", stdout)) {
        ranks_finalize();
        return 1;
    }
    int rc = 0;
    char msg[512];
    if (cli_parse_args(argc, argv, &args, msg, sizeof msg) < 0) {
        if (speaks)
            fprintf(stderr, "mlptrain: %s\nTry 'mlptrain --help'.\n", msg);
        rc = 2;
    } else if (args.command == CLI_HELP) {
        fputs(cli_usage, stdout);
    } else if (args.command == CLI_VERSION) {
        rc = print_version();
    } else {
        /* A file-size limit (ulimit -f) must fail a write with EFBIG,
         * reported like a full disk, not kill the process. */
        signal(SIGXFSZ, SIG_IGN);
        rc = run_command(&args, argc, argv, &err);
        if (rc == TRAIN_INTERRUPTED) { /* every process stopped: exit as signalled */
            rc = 128 + ranks_max(interrupt_received());
        } else if (rc < 0) {
            fflush(stdout);
            if (speaks)
                fprintf(stderr, "mlptrain: error: %s\n", err.msg);
            rc = err.command_line ? 2 : 1;
        }
    }
    ranks_finalize();
    return rc;
}
