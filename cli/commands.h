/* cli/commands.h - the verbs of `mlptrain` besides training. */
#ifndef MLPT_CLI_COMMANDS_H
#define MLPT_CLI_COMMANDS_H

#include "args.h"
#include "mlpt/config.h"
#include "mlpt/error.h"
#include "mlpt/topology.h"

/* mlptrain --check CONFIG: cfg is CONFIG with the overrides. Prints the
 * settings, the model and the memory training takes; fails when this
 * machine's memory cannot hold that. */
int cli_check(const mlpt_config *cfg, mlpt_error *err);

/* Fails, naming the config line of the largest layer, when training cfg's
 * model m with `threads` threads needs more memory than this machine has:
 * training refuses such a model before it loads data, as --check does. */
int cli_check_fits(const mlpt_config *cfg, const mlpt_model *m, int threads, mlpt_error *err);

/* mlptrain predict MODEL INPUT... */
int cli_predict(const cli_args *a, mlpt_error *err);

/* mlptrain evaluate MODEL CONFIG: cfg is CONFIG with the overrides. */
int cli_evaluate(const cli_args *a, const mlpt_config *cfg, const mlpt_topology *topo,
                 mlpt_error *err);

/* mlptrain seeds CONFIG --seeds LIST: cfg is CONFIG with the overrides,
 * parsed from config_text (each seed's run parses it again with its seed). */
int cli_seeds(const cli_args *a, const mlpt_config *cfg, const char *config_text,
              const mlpt_topology *topo, mlpt_error *err);

#endif
