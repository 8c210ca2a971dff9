#include "args.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char cli_usage[] =
    "usage: mlptrain [--check] CONFIG [options]\n"
    "       mlptrain predict MODEL INPUT... [--top K] [--json]\n"
    "       mlptrain evaluate MODEL CONFIG [options]\n"
    "       mlptrain seeds CONFIG --seeds LIST [options]\n"
    "       mlptrain --help | --version\n"
    "\n"
    "mlptrain CONFIG trains, evaluates, saves and draws the experiment described by\n"
    "CONFIG (an INI file; see configs/mnist.ini and the README).\n"
    "\n"
    "  --check              validate CONFIG, print the resolved settings and layer\n"
    "                       shapes, and exit without loading data or training\n"
    "  --threads N|auto     OpenMP threads (same as --set run.threads=N)\n"
    "  --seed N             seed for weights, shuffles, dropout (train.seed)\n"
    "  --epochs N           number of epochs (train.epochs)\n"
    "  --out DIR            output folder (run.out)\n"
    "  --set SECTION.KEY=VALUE\n"
    "                       override any config key; repeatable\n"
    "  --quiet              no progress bar, only one line per epoch\n"
    "  --resume             continue from OUT/checkpoint.mlpt (written every epoch,\n"
    "                       every run.checkpoint_every steps, and on Ctrl-C)\n"
    "  --overwrite          start over in OUT even though it holds an unfinished run\n"
    "                       (without it, that run is kept and this one refused)\n"
    "\n"
    "predict rebuilds the model from MODEL (a model.safetensors) alone. An INPUT is a\n"
    "PNG (any size; a digit drawn dark on light or light on dark) or an IDX image\n"
    "file with an optional index range, FILE:7 or FILE:0-8 (inclusive).\n"
    "  --top K              show the K most probable classes (default: all)\n"
    "  --json               one JSON object per input\n"
    "\n"
    "evaluate measures MODEL on CONFIG's test set: loss, accuracy, per-class\n"
    "precision, recall and F1, the confusion matrix, and the figures, in run.out.\n"
    "\n"
    "seeds trains CONFIG once per seed (LIST: 1-10 or 1,4,9) and reports test\n"
    "accuracy, loss and fingerprint per seed with their mean, deviation and range.\n"
    "\n"
    "The same config and seed give bit-identical weights for any thread count.\n";

/* If argv[*i] is `flag` or `flag=VALUE`, returns 1 and sets *value (the
 * next word for the first form; NULL when there is none); else returns 0. */
static int match_flag(const char *flag, int argc, char **argv, int *i, const char **value)
{
    size_t n = strlen(flag);
    if (strncmp(argv[*i], flag, n) != 0 || (argv[*i][n] != '=' && argv[*i][n] != '\0'))
        return 0;
    if (argv[*i][n] == '=')
        *value = argv[*i] + n + 1;
    else
        *value = *i + 1 < argc ? argv[++*i] : NULL;
    return 1;
}

static int add_override(cli_args *a, const char *key, const char *value, char *msg,
                        size_t msg_len)
{
    if (a->n_overrides == CLI_MAX_OVERRIDES) {
        snprintf(msg, msg_len, "too many overrides (at most %d)", CLI_MAX_OVERRIDES);
        return -1;
    }
    char *slot = a->storage[a->n_overrides];
    int len = key ? snprintf(slot, sizeof a->storage[0], "%s=%s", key, value)
                  : snprintf(slot, sizeof a->storage[0], "%s", value);
    if (len < 0 || (size_t)len >= sizeof a->storage[0]) {
        snprintf(msg, msg_len, "override '%.40s...' is too long", value);
        return -1;
    }
    a->overrides[a->n_overrides++].assignment = slot;
    return 0;
}

/* Flags that take a value; `key` names the config override they make. */
static const struct {
    const char *flag, *key;
} valued_flags[] = {
    {"--threads", "run.threads"}, {"--seed", "train.seed"}, {"--epochs", "train.epochs"},
    {"--out", "run.out"},         {"--set", NULL},          {"--top", NULL},
    {"--seeds", NULL},
};

static int take_value(cli_args *a, const char *flag, const char *key, const char *value,
                      char *msg, size_t msg_len)
{
    if (!strcmp(flag, "--top")) {
        char *end;
        errno = 0;
        long k = strtol(value, &end, 10);
        if (errno || *end || k < 1 || k > 256) {
            snprintf(msg, msg_len, "--top %s: expected a class count from 1 to 256", value);
            return -1;
        }
        a->top = (int)k;
        return 0;
    }
    if (!strcmp(flag, "--seeds")) {
        a->seeds = value;
        return 0;
    }
    return add_override(a, key, value, msg, msg_len);
}

/* Which positional arguments each command takes, and its name for messages. */
static int check_positionals(cli_args *a, const char **pos, size_t n, char *msg, size_t msg_len)
{
    switch (a->command) {
    case CLI_TRAIN:
    case CLI_CHECK:
    case CLI_SEEDS:
        if (n != 1) {
            snprintf(msg, msg_len, n ? "one config file expected, got %zu arguments"
                                     : "no config file given", n);
            return -1;
        }
        a->config = pos[0];
        if (a->command == CLI_SEEDS && !a->seeds) {
            snprintf(msg, msg_len, "seeds needs --seeds LIST (e.g. --seeds 1-10)");
            return -1;
        }
        return 0;
    case CLI_PREDICT:
        if (n < 2) {
            snprintf(msg, msg_len, "predict needs a model file and at least one input");
            return -1;
        }
        a->model = pos[0];
        a->n_inputs = n - 1;
        memcpy(a->inputs, pos + 1, (n - 1) * sizeof *pos);
        return 0;
    case CLI_EVALUATE:
        if (n != 2) {
            snprintf(msg, msg_len, "evaluate needs a model file and a config file");
            return -1;
        }
        a->model = pos[0];
        a->config = pos[1];
        return 0;
    case CLI_HELP:
    case CLI_VERSION:
        break;
    }
    return 0;
}

/* The commands named by a word before the arguments. */
static const struct {
    const char *name;
    cli_command command;
} verbs[] = {{"predict", CLI_PREDICT}, {"evaluate", CLI_EVALUATE}, {"seeds", CLI_SEEDS}};

const char *cli_command_name(cli_command command)
{
    for (size_t v = 0; v < sizeof verbs / sizeof *verbs; v++)
        if (verbs[v].command == command)
            return verbs[v].name;
    return "mlptrain";
}

int cli_parse_args(int argc, char **argv, cli_args *a, char *msg, size_t msg_len)
{
    static const char *pos[CLI_MAX_INPUTS + 1];
    size_t n_pos = 0;
    memset(a, 0, sizeof *a);
    a->command = CLI_TRAIN;
    int first = 1;
    for (size_t v = 0; argc > 1 && v < sizeof verbs / sizeof *verbs; v++)
        if (!strcmp(argv[1], verbs[v].name)) {
            a->command = verbs[v].command;
            first = 2;
        }
    for (int i = first; i < argc; i++) {
        const char *arg = argv[i];
        if (!strcmp(arg, "-h") || !strcmp(arg, "--help")) {
            a->command = CLI_HELP;
            return 0;
        }
        if (!strcmp(arg, "--version")) {
            a->command = CLI_VERSION;
            return 0;
        }
        if (!strcmp(arg, "--check") && a->command == CLI_TRAIN) {
            a->command = CLI_CHECK;
            continue;
        }
        if (!strcmp(arg, "--quiet")) {
            a->quiet = true;
            continue;
        }
        if (!strcmp(arg, "--resume") || !strcmp(arg, "--overwrite")) {
            if (a->command != CLI_TRAIN && a->command != CLI_CHECK) {
                snprintf(msg, msg_len, "%s does not apply here", arg);
                return -1;
            }
            a->resume |= !strcmp(arg, "--resume");
            a->overwrite |= !strcmp(arg, "--overwrite");
            continue;
        }
        if (!strcmp(arg, "--json") && a->command == CLI_PREDICT) {
            a->json = true;
            continue;
        }
        size_t k = 0, n = sizeof valued_flags / sizeof *valued_flags;
        const char *value = NULL;
        while (k < n && !match_flag(valued_flags[k].flag, argc, argv, &i, &value))
            k++;
        if (k < n) {
            const bool for_predict = !strcmp(valued_flags[k].flag, "--top");
            const bool for_seeds = !strcmp(valued_flags[k].flag, "--seeds");
            const bool one_seed = !strcmp(valued_flags[k].flag, "--seed");
            if ((a->command == CLI_PREDICT) != for_predict || (a->command == CLI_SEEDS) < for_seeds ||
                (a->command == CLI_SEEDS && one_seed)) {
                snprintf(msg, msg_len, "%s does not apply here", valued_flags[k].flag);
                return -1;
            }
            if (!value) {
                snprintf(msg, msg_len, "%s needs a value", valued_flags[k].flag);
                return -1;
            }
            if (take_value(a, valued_flags[k].flag, valued_flags[k].key, value, msg, msg_len) < 0)
                return -1;
            continue;
        }
        if (arg[0] == '-' && arg[1] != '\0') {
            snprintf(msg, msg_len, "unknown option '%s'", arg);
            return -1;
        }
        if (n_pos > CLI_MAX_INPUTS) {
            snprintf(msg, msg_len, "too many arguments (predict takes at most %d inputs)",
                     CLI_MAX_INPUTS);
            return -1;
        }
        pos[n_pos++] = arg;
    }
    if ((a->resume || a->overwrite) && a->command == CLI_CHECK) {
        snprintf(msg, msg_len, "%s does not apply to --check",
                 a->resume ? "--resume" : "--overwrite");
        return -1;
    }
    if (a->resume && a->overwrite) {
        snprintf(msg, msg_len, "--resume continues the run in OUT and --overwrite starts over: "
                               "give one of them");
        return -1;
    }
    return check_positionals(a, pos, n_pos, msg, msg_len);
}
