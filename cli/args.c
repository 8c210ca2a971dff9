#define _POSIX_C_SOURCE 200809L /* access */
#include "args.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const char cli_usage[] =
    "usage: mlptrain [train] CONFIG [--threads N|auto] [--seed N] [--epochs N]\n"
    "                [--out DIR] [--set SECTION.KEY=VALUE]... [--quiet]\n"
    "                [--resume | --overwrite]\n"
    "       mlptrain --check CONFIG [--threads, --seed, --epochs, --out, --set]\n"
    "       mlptrain predict MODEL INPUT... [--top K] [--json] [--csv FILE]\n"
    "       mlptrain evaluate MODEL CONFIG [--threads, --out, --set]\n"
    "       mlptrain seeds CONFIG --seeds LIST [--threads, --epochs, --out, --set]\n"
    "       mlptrain --help | --version\n"
    "\n"
    "mlptrain CONFIG (or mlptrain train CONFIG) trains, evaluates, saves and draws\n"
    "the experiment described by CONFIG (an INI file; see configs/mnist.ini and the\n"
    "README).\n"
    "\n"
    "  --check              validate CONFIG, print the resolved settings, the layer\n"
    "                       shapes and the memory training needs, and exit without\n"
    "                       loading data or training\n"
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
    "PNG (any size; a digit drawn dark on light or light on dark), an IDX or NumPy\n"
    "file (.npy, FILE.npz:ARRAY) with an optional index range, FILE:7 or FILE:0-8\n"
    "(inclusive), or for a model trained on a table a CSV file with its input columns\n"
    "(target columns may be there; they are not read). A row per sample, by task:\n"
    "  multiclass, binary   the predicted class and each class's probability (binary:\n"
    "                       the sigmoid's p is the second class's, 1 - p the first's)\n"
    "  multi-label          the labels on (p > 0.5) and each label's probability\n"
    "  regression           one value per target column\n"
    "  --top K              show the K most probable classes (default: all)\n"
    "  --json               one JSON object per sample: input, index, then\n"
    "                       classes: predicted (class index), class, probabilities\n"
    "                       (one per class), with --top K also top ([{class,\n"
    "                       probability}]); multi-label: predicted (indices of the\n"
    "                       labels on), labels (their names), probabilities (one per\n"
    "                       label); regression: values (one per target column)\n"
    "  --csv FILE           also write the predictions to FILE as CSV: input, index,\n"
    "                       predicted (the class; multi-label: the labels on,\n"
    "                       space-separated; regression: none), then a column per\n"
    "                       class, label or target, named by it\n"
    "\n"
    "evaluate measures MODEL on CONFIG's test set: loss, the config's metrics\n"
    "(for classes also per-class precision, recall and F1 and the confusion\n"
    "matrix) and the figures, in run.out.\n"
    "\n"
    "seeds trains CONFIG once per seed (LIST: 1-10, 1,4,9 or 1-3,7; distinct seeds,\n"
    "at most 1000) and reports the first metric listed (or the loss), the loss and\n"
    "the fingerprint per seed, with their mean, deviation and range.\n"
    "\n"
    "A flag a command does not take is refused. Exit status: 0 success, 1 a bad\n"
    "config, data file or run-time failure, 2 a bad command line (a flag's value\n"
    "included).\n"
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

#define ON(command) (1u << (command))
/* The commands that read a config take its overrides. */
#define CONFIGURED (ON(CLI_TRAIN) | ON(CLI_CHECK) | ON(CLI_EVALUATE) | ON(CLI_SEEDS))

/* Every flag but --help and --version, and the commands it means something
 * to: the only place that decides which flags a command takes. */
static const struct {
    const char *flag;
    bool valued;
    const char *key;   /* the config override it makes, if any */
    unsigned commands; /* ON() bits */
} flags[] = {
    {"--check", false, NULL, ON(CLI_TRAIN) | ON(CLI_CHECK)},
    {"--threads", true, "run.threads", CONFIGURED},
    /* seeds sets each run's seed itself; evaluate draws nothing at random */
    {"--seed", true, "train.seed", ON(CLI_TRAIN) | ON(CLI_CHECK)},
    {"--epochs", true, "train.epochs", ON(CLI_TRAIN) | ON(CLI_CHECK) | ON(CLI_SEEDS)},
    {"--out", true, "run.out", CONFIGURED},
    {"--set", true, NULL, CONFIGURED},
    /* seeds sends each run's progress nowhere; --check and evaluate show none */
    {"--quiet", false, NULL, ON(CLI_TRAIN)},
    {"--resume", false, NULL, ON(CLI_TRAIN)},
    {"--overwrite", false, NULL, ON(CLI_TRAIN)},
    {"--top", true, NULL, ON(CLI_PREDICT)},
    {"--json", false, NULL, ON(CLI_PREDICT)},
    {"--csv", true, NULL, ON(CLI_PREDICT)},
    {"--seeds", true, NULL, ON(CLI_SEEDS)},
};
enum { N_FLAGS = sizeof flags / sizeof *flags };

/* The index in `flags` of the flag at argv[*i] (moving *i past a value in
 * the next word, with *value set to it or NULL), or -1 when argv[*i] is
 * not one. */
static int find_flag(int argc, char **argv, int *i, const char **value)
{
    for (int f = 0; f < N_FLAGS; f++) {
        if (!flags[f].valued ? !strcmp(argv[*i], flags[f].flag)
                             : match_flag(flags[f].flag, argc, argv, i, value))
            return f;
    }
    return -1;
}

/* The words that name a command before its arguments. */
static const struct {
    const char *name;
    cli_command command;
} verbs[] = {{"train", CLI_TRAIN},
             {"predict", CLI_PREDICT},
             {"evaluate", CLI_EVALUATE},
             {"seeds", CLI_SEEDS}};
enum { N_VERBS = sizeof verbs / sizeof *verbs };

const char *cli_command_name(cli_command command)
{
    if (command == CLI_CHECK)
        return "--check";
    for (int v = 0; v < N_VERBS; v++)
        if (verbs[v].command == command)
            return verbs[v].name;
    return "mlptrain";
}

/* Edits (insertions, deletions, substitutions and swaps of neighbours)
 * between a and b, for words of at most 31 characters; more otherwise. */
static size_t edit_distance(const char *a, const char *b)
{
    enum { MAX = 32 };
    const size_t m = strlen(a), n = strlen(b);
    if (m >= MAX || n >= MAX)
        return MAX;
    size_t d[MAX][MAX];
    for (size_t i = 0; i <= m; i++)
        for (size_t j = 0; j <= n; j++) {
            if (i == 0 || j == 0) {
                d[i][j] = i + j;
                continue;
            }
            size_t best = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);
            best = d[i - 1][j] + 1 < best ? d[i - 1][j] + 1 : best;
            best = d[i][j - 1] + 1 < best ? d[i][j - 1] + 1 : best;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
                d[i - 2][j - 2] + 1 < best)
                best = d[i - 2][j - 2] + 1;
            d[i][j] = best;
        }
    return d[m][n];
}

/* A first word that is no file but nearly a command's name is a typo of
 * it, not a config file. */
static int check_misspelled_verb(const char *word, char *msg, size_t msg_len)
{
    if (access(word, F_OK) == 0)
        return 0;
    for (int v = 0; v < N_VERBS; v++)
        if (edit_distance(word, verbs[v].name) <= 2) {
            snprintf(msg, msg_len, "unknown command '%s'; did you mean %s?", word,
                     verbs[v].name);
            return -1;
        }
    return 0;
}

/* One seed of a --seeds list: digits as train.seed takes them. */
static bool parse_seed(const char *from, const char *to, uint64_t *seed)
{
    char digits[32];
    const size_t len = (size_t)(to - from);
    if (len >= sizeof digits)
        return false;
    memcpy(digits, from, len);
    digits[len] = '\0';
    return mlpt_config_parse_u64(digits, seed);
}

/* "1-10", "1,4,9" or a mix ("1-3,7"): distinct seeds, ranges going up. */
static int parse_seeds(const char *list, cli_args *a, char *msg, size_t msg_len)
{
    a->n_seeds = 0;
    for (const char *p = list;; p++) {
        const char *comma = strchr(p, ','), *end = comma ? comma : p + strlen(p);
        const char *dash = memchr(p, '-', (size_t)(end - p));
        uint64_t lo, hi;
        if (!parse_seed(p, dash ? dash : end, &lo) || (dash && !parse_seed(dash + 1, end, &hi))) {
            snprintf(msg, msg_len, "--seeds %s: '%.*s' is not a seed or a range: expected "
                     "unsigned integers like 1-10 or 1,4,9", list, (int)(end - p), p);
            return -1;
        }
        if (!dash)
            hi = lo;
        if (hi < lo) {
            snprintf(msg, msg_len, "--seeds %s: the range %.*s goes down; write it %llu-%llu",
                     list, (int)(end - p), p, (unsigned long long)hi, (unsigned long long)lo);
            return -1;
        }
        if (hi - lo >= CLI_MAX_SEEDS - a->n_seeds) {
            snprintf(msg, msg_len, "--seeds %s: more than %d seeds", list, CLI_MAX_SEEDS);
            return -1;
        }
        for (uint64_t k = 0; k <= hi - lo; k++) {
            for (size_t i = 0; i < a->n_seeds; i++)
                if (a->seeds[i] == lo + k) {
                    snprintf(msg, msg_len, "--seeds %s: seed %llu is listed twice", list,
                             (unsigned long long)(lo + k));
                    return -1;
                }
            a->seeds[a->n_seeds++] = lo + k;
        }
        if (!comma)
            return 0;
        p = comma;
    }
}

static int add_override(cli_args *a, const char *flag, const char *key, const char *value,
                        char *msg, size_t msg_len)
{
    if (a->n_overrides == CLI_MAX_OVERRIDES) {
        snprintf(msg, msg_len, "too many overrides (at most %d)", CLI_MAX_OVERRIDES);
        return -1;
    }
    char *slot = a->storage[a->n_overrides];
    int len = key ? snprintf(slot, sizeof a->storage[0], "%s=%s", key, value)
                  : snprintf(slot, sizeof a->storage[0], "%s", value);
    if (len < 0 || (size_t)len >= sizeof a->storage[0]) {
        snprintf(msg, msg_len, "%s %.40s...: too long", flag, value);
        return -1;
    }
    a->overrides[a->n_overrides++] = (mlpt_override){slot, key ? flag : NULL};
    return 0;
}

/* The value of flags[f]; values that go into the config are checked there. */
static int take_value(cli_args *a, int f, const char *value, char *msg, size_t msg_len)
{
    const char *flag = flags[f].flag;
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
    if (!strcmp(flag, "--seeds"))
        return parse_seeds(value, a, msg, msg_len);
    if (!strcmp(flag, "--csv")) {
        a->csv = value;
        return 0;
    }
    return add_override(a, flag, flags[f].key, value, msg, msg_len);
}

static void set_flag(cli_args *a, const char *flag)
{
    if (!strcmp(flag, "--quiet"))
        a->quiet = true;
    else if (!strcmp(flag, "--resume"))
        a->resume = true;
    else if (!strcmp(flag, "--overwrite"))
        a->overwrite = true;
    else if (!strcmp(flag, "--json"))
        a->json = true;
}

/* "--threads, --out, --set": the flags that command takes. */
static void flags_of(cli_command command, char *buf, size_t cap)
{
    buf[0] = '\0';
    for (int f = 0; f < N_FLAGS; f++)
        if ((flags[f].commands & ON(command)) && strcmp(flags[f].flag, "--check")) {
            const size_t used = strlen(buf);
            snprintf(buf + used, cap - used, "%s%s", used ? ", " : "", flags[f].flag);
        }
}

/* Which positional arguments each command takes. */
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
        if (a->command == CLI_SEEDS && !a->n_seeds) {
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

int cli_parse_args(int argc, char **argv, cli_args *a, char *msg, size_t msg_len)
{
    static const char *pos[CLI_MAX_INPUTS + 1];
    size_t n_pos = 0;
    unsigned seen = 0; /* bit f: flags[f] was given */
    memset(a, 0, sizeof *a);
    a->command = CLI_TRAIN;
    int first = 1;
    for (int v = 0; argc > 1 && v < N_VERBS; v++)
        if (!strcmp(argv[1], verbs[v].name)) {
            a->command = verbs[v].command;
            first = 2;
        }
    /* First the command (--check may come last), then the values, so that a
     * flag is judged by the command it was given to. */
    for (int i = first; i < argc; i++) {
        const char *arg = argv[i], *value = NULL;
        if (!strcmp(arg, "-h") || !strcmp(arg, "--help")) {
            a->command = CLI_HELP;
            return 0;
        }
        if (!strcmp(arg, "--version")) {
            a->command = CLI_VERSION;
            return 0;
        }
        const int f = find_flag(argc, argv, &i, &value);
        if (f >= 0) {
            if (flags[f].valued && !value) {
                snprintf(msg, msg_len, "%s needs a value", flags[f].flag);
                return -1;
            }
            seen |= 1u << f;
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
    /* Before the flags are judged by a command the user did not mean. */
    if (first == 1 && n_pos > 0 && pos[0] == argv[1] &&
        check_misspelled_verb(pos[0], msg, msg_len) < 0)
        return -1;
    if ((seen & 1u) && a->command == CLI_TRAIN) /* flags[0] is --check */
        a->command = CLI_CHECK;
    for (int f = 0; f < N_FLAGS; f++)
        if ((seen & (1u << f)) && !(flags[f].commands & ON(a->command))) {
            char takes[256];
            flags_of(a->command, takes, sizeof takes);
            snprintf(msg, msg_len, "%s does not apply to %s (it takes %s)", flags[f].flag,
                     cli_command_name(a->command), takes[0] ? takes : "no options");
            return -1;
        }
    for (int i = first; i < argc; i++) {
        const char *value = NULL;
        const int f = find_flag(argc, argv, &i, &value);
        if (f >= 0 && flags[f].valued && take_value(a, f, value, msg, msg_len) < 0)
            return -1;
        if (f >= 0 && !flags[f].valued)
            set_flag(a, flags[f].flag);
    }
    if (a->resume && a->overwrite) {
        snprintf(msg, msg_len, "--resume continues the run in OUT and --overwrite starts over: "
                               "give one of them");
        return -1;
    }
    return check_positionals(a, pos, n_pos, msg, msg_len);
}
