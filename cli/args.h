/* cli/args.h - the command line of `mlptrain`. */
#ifndef MLPT_CLI_ARGS_H
#define MLPT_CLI_ARGS_H

#include <stdbool.h>
#include <stddef.h>

#include "mlpt/config.h"

#define CLI_MAX_OVERRIDES 64

typedef enum { CLI_TRAIN, CLI_CHECK, CLI_HELP, CLI_VERSION } cli_command;

typedef struct cli_args {
    cli_command command;
    const char *config;
    bool quiet;                              /* no progress bar */
    size_t n_overrides;
    mlpt_override overrides[CLI_MAX_OVERRIDES];
    char storage[CLI_MAX_OVERRIDES][MLPT_PATH_LEN + 32]; /* built by flags */
} cli_args;

/* Parses argv; on a usage error fills msg and returns -1. */
int cli_parse_args(int argc, char **argv, cli_args *a, char *msg, size_t msg_len);

/* The --help text. */
extern const char cli_usage[];

#endif
