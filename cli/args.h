/* cli/args.h - the command line of `mlptrain`. */
#ifndef MLPT_CLI_ARGS_H
#define MLPT_CLI_ARGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mlpt/config.h"

#define CLI_MAX_OVERRIDES 64
#define CLI_MAX_INPUTS 4096
#define CLI_MAX_SEEDS 1000

typedef enum {
    CLI_TRAIN,    /* mlptrain [train] CONFIG */
    CLI_CHECK,    /* mlptrain --check CONFIG */
    CLI_PREDICT,  /* mlptrain predict MODEL INPUT... */
    CLI_EVALUATE, /* mlptrain evaluate MODEL CONFIG */
    CLI_SEEDS,    /* mlptrain seeds CONFIG --seeds LIST */
    CLI_HELP,
    CLI_VERSION
} cli_command;

typedef struct cli_args {
    cli_command command;
    const char *config;                     /* train, check, evaluate, seeds */
    const char *model;                      /* predict, evaluate */
    size_t n_inputs;                        /* predict */
    const char *inputs[CLI_MAX_INPUTS];
    bool quiet;                             /* no progress bar */
    bool resume;                            /* train: continue from the checkpoint */
    bool overwrite;                         /* train: start over an unfinished run */
    bool json;                              /* predict: JSON lines */
    const char *csv;                        /* predict: also write the rows here; or NULL */
    int top;                                /* predict: classes shown, 0 = all */
    size_t n_seeds;                         /* seeds: distinct, as listed */
    uint64_t seeds[CLI_MAX_SEEDS];
    size_t n_overrides;
    mlpt_override overrides[CLI_MAX_OVERRIDES];
    char storage[CLI_MAX_OVERRIDES][MLPT_PATH_LEN + 32]; /* built by flags */
} cli_args;

/* Parses argv; on a usage error (an unknown or misplaced flag, a bad
 * --top or --seeds, a misspelled command) fills msg and returns -1. The
 * values of flags that become overrides are checked with the config. */
int cli_parse_args(int argc, char **argv, cli_args *a, char *msg, size_t msg_len);

/* The word that names a command on the command line ("predict",
 * "--check"), or "mlptrain" for those that have none. */
const char *cli_command_name(cli_command command);

/* The --help text. */
extern const char cli_usage[];

#endif
