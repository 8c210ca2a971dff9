#include "args.h"

#include <stdio.h>
#include <string.h>

const char cli_usage[] =
    "usage: mlptrain [--check] CONFIG [options]\n"
    "       mlptrain --help | --version\n"
    "\n"
    "Trains, evaluates and reports the experiment described by CONFIG (an INI file;\n"
    "see configs/mnist.ini and the README).\n"
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
    "  -h, --help           this help\n"
    "  --version            version and build features\n"
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

int cli_parse_args(int argc, char **argv, cli_args *a, char *msg, size_t msg_len)
{
    static const struct { const char *flag, *key; } shorthands[] = {
        {"--threads", "run.threads"}, {"--seed", "train.seed"},
        {"--epochs", "train.epochs"}, {"--out", "run.out"}, {"--set", NULL},
    };
    memset(a, 0, sizeof *a);
    a->command = CLI_TRAIN;
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        if (!strcmp(arg, "-h") || !strcmp(arg, "--help")) {
            a->command = CLI_HELP;
            return 0;
        }
        if (!strcmp(arg, "--version")) {
            a->command = CLI_VERSION;
            return 0;
        }
        if (!strcmp(arg, "--check")) {
            a->command = CLI_CHECK;
            continue;
        }
        if (!strcmp(arg, "--quiet")) {
            a->quiet = true;
            continue;
        }
        size_t k = 0, n = sizeof shorthands / sizeof *shorthands;
        const char *value = NULL;
        while (k < n && !match_flag(shorthands[k].flag, argc, argv, &i, &value))
            k++;
        if (k < n) {
            if (!value) {
                snprintf(msg, msg_len, "%s needs a value", shorthands[k].flag);
                return -1;
            }
            if (add_override(a, shorthands[k].key, value, msg, msg_len) < 0)
                return -1;
            continue;
        }
        if (arg[0] == '-' && arg[1] != '\0') {
            snprintf(msg, msg_len, "unknown option '%s'", arg);
            return -1;
        }
        if (a->config) {
            snprintf(msg, msg_len, "one config file expected, got '%s' and '%s'", a->config,
                     arg);
            return -1;
        }
        a->config = arg;
    }
    if (!a->config) {
        snprintf(msg, msg_len, "no config file given");
        return -1;
    }
    return 0;
}
