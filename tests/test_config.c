/* tests/test_config.c - the INI experiment parser: the tutorial config, each
 * kind of error with its FILE:LINE prefix, overrides, quoting, long lines,
 * CRLF, and the shipped configs/. */
#define _POSIX_C_SOURCE 200809L /* mkstemp, write, unlink */

#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "test_util.h"
#include "mlpt/config.h"
#include "mlpt/metrics.h"

static mlpt_config cfg;
static mlpt_error err;

/* The Keras MNIST tutorial; line numbers below refer to it. */
static const char *const tutorial =
    "[data]\n"                                                              /* 1 */
    "train_images = data/mnist/train-images-idx3-ubyte\n"
    "train_labels = data/mnist/train-labels-idx1-ubyte\n"
    "test_images  = data/mnist/t10k-images-idx3-ubyte\n"
    "test_labels  = data/mnist/t10k-labels-idx1-ubyte\n"                    /* 5 */
    "scale        = 255            ; inputs are divided by this\n"
    "validation   = 0              ; fraction of the training set held out each epoch\n"
    "classes      = 0 1 2 3 4 5 6 7 8 9\n"
    "\n"
    "[model]\n"                                                             /* 10 */
    "input = 28x28                 ; flattened\n"
    "layer = dense 128 relu\n"
    "layer = dropout 0.2\n"
    "layer = dense 10 softmax\n"
    "\n"                                                                    /* 15 */
    "[train]\n"
    "optimizer     = adam          ; adam | sgd (momentum) | rmsprop\n"
    "learning_rate = 0.001\n"
    "epsilon       = 1e-7\n"
    "loss          = sparse_categorical_crossentropy\n"                     /* 20 */
    "batch         = 32\n"
    "epochs        = 10\n"
    "shuffle       = true\n"
    "seed          = 42\n"
    "metrics       = loss accuracy\n"                                       /* 25 */
    "\n"
    "[run]\n"
    "threads = auto                ; auto = one per core that this process may use\n"
    "out     = runs/mnist\n";

/* A minimal valid config: 9 lines, so text appended to it starts on line 10. */
#define PATHS "[data]\ntrain_images = a\ntrain_labels = b\ntest_images = c\ntest_labels = d\n"
#define DATA PATHS "classes = 0 1 2\n"
#define MODEL "[model]\ninput = 4\nlayer = dense 3 softmax\n"
#define MINI DATA MODEL

static int parse_with(const char *name, const char *text, const char *const *sets, size_t n)
{
    mlpt_override ov[8];
    cr_assert(n <= 8);
    for (size_t i = 0; i < n; i++) ov[i] = (mlpt_override){sets[i], NULL};
    memset(&err, 0, sizeof err);
    return mlpt_config_parse(name, text, ov, n, &cfg, &err);
}

static int parse(const char *text) { return parse_with("t.ini", text, NULL, 0); }

static void parses(const char *text)
{
    cr_assert_eq(parse(text), 0, "unexpected error: %s", err.msg);
}

static void check_message(const char *prefix, const char *phrase)
{
    cr_assert(strncmp(err.msg, prefix, strlen(prefix)) == 0,
              "message \"%s\" should start with \"%s\"", err.msg, prefix);
    cr_assert(strstr(err.msg, phrase), "message \"%s\" should contain \"%s\"", err.msg, phrase);
}

/* Asserts that text fails and that the message starts with prefix (the
 * `t.ini:LINE: ` location) and contains phrase. */
static void fails(const char *text, const char *prefix, const char *phrase)
{
    cr_assert_eq(parse(text), -1, "should fail: %s", text);
    check_message(prefix, phrase);
    cr_assert(!err.command_line, "a file's error is no command-line error: %s", err.msg);
}

static void fails_with_set(const char *set, const char *prefix, const char *phrase)
{
    const char *sets[] = {set};
    cr_assert_eq(parse_with("t.ini", MINI, sets, 1), -1, "--set %s should fail", set);
    check_message(prefix, phrase);
    cr_assert(err.command_line, "an override's error is a command-line error: %s", err.msg);
}

static const mlpt_setting *find_setting(const char *section, const char *key)
{
    for (int i = 0; i < cfg.n_settings; i++)
        if (!strcmp(cfg.settings[i].section, section) && !strcmp(cfg.settings[i].key, key))
            return &cfg.settings[i];
    return NULL;
}

/* ---- the tutorial ---- */

Test(config, tutorial_fields)
{
    parses(tutorial);
    cr_assert_str_eq(cfg.path, "t.ini");
    cr_assert_str_eq(cfg.data.train_images, "data/mnist/train-images-idx3-ubyte");
    cr_assert_str_eq(cfg.data.train_labels, "data/mnist/train-labels-idx1-ubyte");
    cr_assert_str_eq(cfg.data.test_images, "data/mnist/t10k-images-idx3-ubyte");
    cr_assert_str_eq(cfg.data.test_labels, "data/mnist/t10k-labels-idx1-ubyte");
    cr_assert_eq(cfg.data.scale, 255.0f);
    cr_assert_eq(cfg.data.validation, 0.0);
    cr_assert_eq(cfg.data.n_classes, 10);
    for (int i = 0; i < 10; i++) {
        char name[12];
        snprintf(name, sizeof name, "%d", i);
        cr_assert_str_eq(cfg.data.classes[i], name);
    }

    const mlpt_model_spec *m = &cfg.model;
    cr_assert_eq(m->input_rank, 2);
    cr_assert_eq(m->input_dims[0], 28);
    cr_assert_eq(m->input_dims[1], 28);
    cr_assert_eq(m->n_layers, 3);
    cr_assert_eq(m->layers[0].kind, mlpt_layer_kind_named("dense"));
    cr_assert_eq(m->layers[0].units, 128);
    cr_assert_eq(m->layers[0].activation, mlpt_activation_named("relu"));
    cr_assert_eq(m->layers[0].init, mlpt_initializer_named("glorot_uniform"));
    cr_assert_eq(m->layers[1].kind, mlpt_layer_kind_named("dropout"));
    cr_assert_eq(m->layers[1].rate, 0.2f);
    cr_assert_eq(m->layers[2].kind, mlpt_layer_kind_named("dense"));
    cr_assert_eq(m->layers[2].units, 10);
    cr_assert_eq(m->layers[2].activation, mlpt_activation_named("softmax"));
    cr_assert_eq(m->layers[2].init, mlpt_initializer_named("glorot_uniform"));

    const mlpt_optimizer_spec *o = &cfg.train.optimizer;
    cr_assert_eq(o->kind, mlpt_optimizer_named("adam"));
    cr_assert_eq(o->learning_rate, 0.001f);
    cr_assert_eq(o->beta1, 0.9f);
    cr_assert_eq(o->beta2, 0.999f);
    cr_assert_eq(o->epsilon, 1e-7f);
    cr_assert_eq(cfg.train.batch, 32);
    cr_assert_eq(cfg.train.epochs, 10);
    cr_assert_eq(cfg.train.shards, 8);
    cr_assert(cfg.train.shuffle);
    cr_assert_eq(cfg.train.seed, 42);
    cr_assert_eq(cfg.train.metrics.n, 1);
    cr_assert_eq(cfg.train.metrics.m[0].ops, mlpt_metric_named("accuracy"));

    cr_assert_eq(cfg.run.threads, 0);
    cr_assert(cfg.run.bind);
    cr_assert_str_eq(cfg.run.out, "runs/mnist");
}

Test(config, tutorial_settings_in_schema_order)
{
    static const struct {
        const char *section, *key, *value;
        mlpt_origin origin;
        int line;
    } want[] = {
        {"data", "train_images", "data/mnist/train-images-idx3-ubyte", MLPT_FROM_FILE, 2},
        {"data", "train_labels", "data/mnist/train-labels-idx1-ubyte", MLPT_FROM_FILE, 3},
        {"data", "test_images", "data/mnist/t10k-images-idx3-ubyte", MLPT_FROM_FILE, 4},
        {"data", "test_labels", "data/mnist/t10k-labels-idx1-ubyte", MLPT_FROM_FILE, 5},
        {"data", "scale", "255", MLPT_FROM_FILE, 6},
        {"data", "validation", "0", MLPT_FROM_FILE, 7},
        {"data", "normalize", "none", MLPT_FROM_DEFAULT, 0},
        {"data", "classes", "0 1 2 3 4 5 6 7 8 9", MLPT_FROM_FILE, 8},
        {"model", "input", "28x28", MLPT_FROM_FILE, 11},
        {"model", "layer", "dense 128 relu", MLPT_FROM_FILE, 12},
        {"model", "layer", "dropout 0.2", MLPT_FROM_FILE, 13},
        {"model", "layer", "dense 10 softmax", MLPT_FROM_FILE, 14},
        {"train", "optimizer", "adam", MLPT_FROM_FILE, 17},
        {"train", "learning_rate", "0.001", MLPT_FROM_FILE, 18},
        {"train", "beta1", "0.9", MLPT_FROM_DEFAULT, 0},
        {"train", "beta2", "0.999", MLPT_FROM_DEFAULT, 0},
        {"train", "epsilon", "1e-7", MLPT_FROM_FILE, 19},
        {"train", "weight_decay", "0", MLPT_FROM_DEFAULT, 0},
        {"train", "clip_norm", "0", MLPT_FROM_DEFAULT, 0},
        {"train", "loss", "sparse_categorical_crossentropy", MLPT_FROM_FILE, 20},
        {"train", "batch", "32", MLPT_FROM_FILE, 21},
        {"train", "epochs", "10", MLPT_FROM_FILE, 22},
        {"train", "shards", "8", MLPT_FROM_DEFAULT, 0},
        {"train", "shuffle", "true", MLPT_FROM_FILE, 23},
        {"train", "seed", "42", MLPT_FROM_FILE, 24},
        {"train", "init", "none", MLPT_FROM_DEFAULT, 0},
        {"train", "metrics", "loss accuracy", MLPT_FROM_FILE, 25},
        {"train", "class_weight", "none", MLPT_FROM_DEFAULT, 0},
        {"train", "schedule", "constant", MLPT_FROM_DEFAULT, 0},
        {"train", "early_stopping", "none", MLPT_FROM_DEFAULT, 0},
        {"run", "threads", "auto", MLPT_FROM_FILE, 28},
        {"run", "bind", "cores", MLPT_FROM_DEFAULT, 0},
        {"run", "checkpoint_every", "0", MLPT_FROM_DEFAULT, 0},
        {"run", "out", "runs/mnist", MLPT_FROM_FILE, 29},
        {"run", "save_best", "none", MLPT_FROM_DEFAULT, 0},
        {"report", "figures", "all", MLPT_FROM_DEFAULT, 0},
        {"report", "samples", "9", MLPT_FROM_DEFAULT, 0},
        {"report", "predictions", "12", MLPT_FROM_DEFAULT, 0},
        {"report", "misclassified", "12", MLPT_FROM_DEFAULT, 0},
    };
    const int n = (int)ARRAY_LEN(want);
    parses(tutorial);
    cr_assert_eq(cfg.n_settings, n);
    for (int i = 0; i < n; i++) {
        const mlpt_setting *s = &cfg.settings[i];
        cr_assert_str_eq(s->section, want[i].section, "setting %d", i);
        cr_assert_str_eq(s->key, want[i].key, "setting %d", i);
        cr_assert_str_eq(s->value, want[i].value, "setting %d", i);
        cr_assert_eq(s->origin, want[i].origin, "setting %d (%s)", i, s->key);
        cr_assert_eq(s->line, want[i].line, "setting %d (%s)", i, s->key);
    }
}

Test(config, defaults)
{
    cr_assert_eq(parse_with("some/dir/exp.v1.ini", MINI, NULL, 0), 0, "%s", err.msg);
    cr_assert_eq(cfg.data.scale, 0.0f, "auto: the data decides");
    cr_assert_eq(cfg.data.validation, 0.0);
    cr_assert_eq(cfg.train.optimizer.kind, mlpt_optimizer_named("adam"));
    cr_assert_eq(cfg.train.optimizer.learning_rate, 0.001f);
    cr_assert_eq(cfg.train.optimizer.epsilon, 1e-7f);
    cr_assert_eq(cfg.train.batch, 32);
    cr_assert_eq(cfg.train.epochs, 10);
    cr_assert_eq(cfg.train.shards, 8);
    cr_assert(cfg.train.shuffle);
    cr_assert_eq(cfg.train.seed, 42);
    cr_assert_eq(cfg.train.metrics.n, 1);
    cr_assert_eq(cfg.train.metrics.m[0].ops, mlpt_metric_named("accuracy"));
    cr_assert_eq(cfg.run.threads, 0);
    cr_assert(cfg.run.bind);
    cr_assert_str_eq(cfg.run.out, "runs/exp.v1");
    const mlpt_setting *out = find_setting("run", "out");
    cr_assert_not_null(out);
    cr_assert_str_eq(out->value, "runs/exp.v1");
    cr_assert_eq(out->origin, MLPT_FROM_DEFAULT);
    cr_assert_eq(find_setting("train", "learning_rate")->origin, MLPT_FROM_DEFAULT);
    cr_assert_null(find_setting("train", "momentum"));
    cr_assert_null(find_setting("train", "rho"));
    cr_assert_str_eq(cfg.train_init, "", "init = none: the seeded weights");
    cr_assert_str_eq(find_setting("train", "init")->value, "none");
}

/* init is a path; the word none only unquoted. */
Test(config, init_is_a_path_or_none)
{
    parses(MINI "[train]\ninit = runs/tiny/model.safetensors\n");
    cr_assert_str_eq(cfg.train_init, "runs/tiny/model.safetensors");
    parses(MINI "[train]\ninit = \"none\"\n");
    cr_assert_str_eq(cfg.train_init, "none");
    parses(MINI "[train]\ninit = none\n");
    cr_assert_str_eq(cfg.train_init, "");
}

/* Every optimizer of the table: its default learning rate and each key it
 * lists are ones the schema knows, and its keys are set only for it. */
Test(config, every_optimizer_and_its_keys)
{
    for (int o = 0; mlpt_optimizers[o]; o++) {
        const mlpt_optimizer_ops *kind = mlpt_optimizers[o];
        char text[512];
        int n = snprintf(text, sizeof text, MINI "[train]\noptimizer = %s\n", kind->name);
        for (int k = 0; kind->keys[k]; k++)
            n += snprintf(text + n, sizeof text - (size_t)n, "%s = 0.5\n", kind->keys[k]);
        parses(text);
        cr_assert_eq(cfg.train.optimizer.kind, kind);
        cr_assert_str_eq(find_setting("train", "learning_rate")->value, kind->learning_rate);
        cr_assert(kind->slots >= 1 && kind->slots <= MLPT_MAX_SLOTS, "%s", kind->name);
    }
}

Test(config, sgd_and_rmsprop_defaults)
{
    parses(MINI "[train]\noptimizer = sgd\n");
    cr_assert_eq(cfg.train.optimizer.kind, mlpt_optimizer_named("sgd"));
    cr_assert_eq(cfg.train.optimizer.learning_rate, 0.01f);
    cr_assert_eq(cfg.train.optimizer.momentum, 0.0f);
    cr_assert_str_eq(find_setting("train", "learning_rate")->value, "0.01");
    cr_assert_not_null(find_setting("train", "momentum"));
    cr_assert_null(find_setting("train", "beta1"));
    cr_assert_null(find_setting("train", "epsilon"));

    parses(MINI "[train]\noptimizer = rmsprop\nrho = 0.95\n");
    cr_assert_eq(cfg.train.optimizer.kind, mlpt_optimizer_named("rmsprop"));
    cr_assert_eq(cfg.train.optimizer.learning_rate, 0.001f);
    cr_assert_eq(cfg.train.optimizer.rho, 0.95f);
    cr_assert_eq(cfg.train.optimizer.epsilon, 1e-7f);
    cr_assert_null(find_setting("train", "beta2"));
}

Test(config, values_of_every_kind)
{
    parses(DATA "scale = 1\nvalidation = 0.1\n"
           "[model]\ninput = 3x32x32\n"
           "layer = dense 64 tanh he_uniform\nlayer = dense 32 sigmoid glorot_uniform\n"
           "layer = dropout 0\nlayer = dense 16 linear\nlayer = dense 3 softmax\n"
           "[train]\noptimizer = sgd\nmomentum = 0.9\nlearning_rate = 0.1\nbatch = 65536\n"
           "epochs = 100000\nshards = 256\nshuffle = no\nseed = 18446744073709551615\n"
           "metrics = loss\n[run]\nthreads = 1024\nbind = none\n");
    cr_assert_eq(cfg.data.scale, 1.0f);
    cr_assert_eq(cfg.data.validation, 0.1);
    cr_assert_eq(cfg.model.input_rank, 3);
    cr_assert_eq(cfg.model.input_dims[0], 3);
    cr_assert_eq(cfg.model.input_dims[2], 32);
    cr_assert_eq(cfg.model.n_layers, 5);
    cr_assert_eq(cfg.model.layers[0].activation, mlpt_activation_named("tanh"));
    cr_assert_eq(cfg.model.layers[0].init, mlpt_initializer_named("he_uniform"));
    cr_assert_eq(cfg.model.layers[1].activation, mlpt_activation_named("sigmoid"));
    cr_assert_eq(cfg.model.layers[2].rate, 0.0f);
    cr_assert_eq(cfg.model.layers[3].activation, mlpt_activation_named("linear"));
    cr_assert_eq(cfg.train.optimizer.momentum, 0.9f);
    cr_assert_eq(cfg.train.optimizer.learning_rate, 0.1f);
    cr_assert_eq(cfg.train.batch, 65536);
    cr_assert_eq(cfg.train.epochs, 100000);
    cr_assert_eq(cfg.train.shards, 256);
    cr_assert_not(cfg.train.shuffle);
    cr_assert_eq(cfg.train.seed, UINT64_MAX);
    cr_assert_eq(cfg.train.metrics.n, 0);
    cr_assert_eq(cfg.run.threads, 1024);
    cr_assert_not(cfg.run.bind);
}

Test(config, flags_accept_true_false_yes_no_1_0)
{
    static const char *const texts[] = {"true", "yes", "1", "false", "no", "0"};
    for (int i = 0; i < 6; i++) {
        char text[256];
        snprintf(text, sizeof text, MINI "[train]\nshuffle = %s\n", texts[i]);
        parses(text);
        cr_assert_eq(cfg.train.shuffle, i < 3, "shuffle = %s", texts[i]);
    }
}

/* ---- syntax ---- */

Test(config, comments_quotes_and_blanks)
{
    parses("; leading comment\n# another\n  \t\n"
           "[ data ]   ; a header may carry a comment\n"
           "train_images = runs/a#b;c\n"                /* no blank before '#': kept */
           "train_labels = \"x ; y # z\"   # quoted\n"
           "test_images=c\n"
           "test_labels =   d   \n"
           "classes = 0 1 2\n" MODEL);
    cr_assert_str_eq(cfg.data.train_images, "runs/a#b;c");
    cr_assert_str_eq(cfg.data.train_labels, "x ; y # z");
    cr_assert_str_eq(cfg.data.test_images, "c");
    cr_assert_str_eq(cfg.data.test_labels, "d");
}

Test(config, quoted_class_names_with_spaces)
{
    parses(PATHS "classes = T-shirt/top \"Ankle boot\" \"a ; b\"\n" MODEL);
    cr_assert_eq(cfg.data.n_classes, 3);
    cr_assert_str_eq(cfg.data.classes[0], "T-shirt/top");
    cr_assert_str_eq(cfg.data.classes[1], "Ankle boot");
    cr_assert_str_eq(cfg.data.classes[2], "a ; b");
}

Test(config, long_lines_are_not_truncated)
{
    static char text[20000];
    char path[1001], comment[5001];
    memset(path, 'p', 1000);
    path[1000] = '\0';
    memset(comment, 'c', 5000);
    comment[5000] = '\0';
    snprintf(text, sizeof text,
             "[data]\n;%s\ntrain_images = %s\ntrain_labels = b\ntest_images = c\n"
             "test_labels = d\nclasses = 0 1 2\n" MODEL "[train]\nbatch = 0\n",
             comment, path);
    fails(text, "t.ini:12: ", "[train] batch = 0");  /* line numbers survive long lines */
    snprintf(text, sizeof text,
             "[data]\n;%s\ntrain_images = %s\ntrain_labels = b\ntest_images = c\n"
             "test_labels = d\nclasses = 0 1 2\n" MODEL, comment, path);
    parses(text);
    cr_assert_str_eq(cfg.data.train_images, path);
    const mlpt_setting *s = find_setting("data", "train_images");
    cr_assert_eq(strlen(s->value), sizeof s->value - 1);  /* display copy is clipped... */
    cr_assert_str_eq(s->value + sizeof s->value - 4, "...");  /* ...visibly */
}

Test(config, path_too_long)
{
    static char text[MLPT_PATH_LEN + 512];
    char path[MLPT_PATH_LEN + 1];
    memset(path, 'p', MLPT_PATH_LEN);
    path[MLPT_PATH_LEN] = '\0';
    snprintf(text, sizeof text, MINI "[run]\nout = %s\n", path);
    fails(text, "t.ini:11: ", "shorter than 4096 characters");
}

Test(config, crlf_line_endings)
{
    parses("[data]\r\ntrain_images = a\r\ntrain_labels = b\r\ntest_images = c\r\n"
           "test_labels = d ; comment\r\nclasses = 0 1 \"2\"\r\n"
           "[model]\r\ninput = 4\r\nlayer = dense 3 softmax\r\n[run]\r\nout = x\r\n");
    cr_assert_str_eq(cfg.data.train_images, "a");
    cr_assert_str_eq(cfg.data.test_labels, "d");
    cr_assert_str_eq(cfg.data.classes[2], "2");
    cr_assert_str_eq(cfg.run.out, "x");
    fails("[data]\r\n\r\n[train]\r\nbatchx = 0\r\n", "t.ini:4: ", "unknown key 'batchx'");
}

Test(config, no_final_newline_and_bom)
{
    parses("\xEF\xBB\xBF" MINI "[run]\nout = x");
    cr_assert_str_eq(cfg.run.out, "x");
}

/* ---- one test per kind of error ---- */

Test(config, error_neither_header_nor_assignment)
{
    fails(MINI "[train]\nbatch 32\n", "t.ini:11: ", "expected [section] or key = value");
    fails(MINI "[train]\n= 32\n", "t.ini:11: ", "expected [section] or key = value");
}

Test(config, error_unterminated_header)
{
    fails(MINI "[train\n", "t.ini:10: ", "unterminated '['");
    fails(MINI "[train] x\n", "t.ini:10: ", "after ']'");
}

Test(config, error_key_before_section)
{
    fails("batch = 3\n" MINI, "t.ini:1: ", "before any [section]");
}

Test(config, error_unknown_section)
{
    fails(MINI "[training]\n", "t.ini:10: ", "unknown section [training]");
    cr_assert(strstr(err.msg, "[data] [model] [train] [run]"), "%s", err.msg);
}

Test(config, error_unknown_key)
{
    fails(MINI "[train]\nbatchsize = 3\n", "t.ini:11: ", "unknown key 'batchsize' in [train]");
    cr_assert(strstr(err.msg, "batch epochs shards"), "lists the keys: %s", err.msg);
    cr_assert_null(strstr(err.msg, "did you mean"), "%s", err.msg);
}

Test(config, error_key_in_wrong_section)
{
    fails(DATA "batch = 3\n" MODEL, "t.ini:7: ", "did you mean [train] batch?");
}

Test(config, error_duplicate_key)
{
    fails(MINI "[train]\nbatch = 3\nepochs = 2\nbatch = 4\n", "t.ini:13: ",
          "[train] batch is set twice, on lines 11 and 13");
}

Test(config, error_empty_value)
{
    fails(MINI "[train]\nbatch =\n", "t.ini:11: ", "[train] batch has an empty value");
    fails(MINI "[train]\nbatch =   ; nothing\n", "t.ini:11: ", "empty value");
}

Test(config, error_integer_out_of_range)
{
    cr_assert_eq(parse(MINI "[train]\nbatch = 0\n"), -1);
    cr_assert_str_eq(err.msg, "t.ini:11: [train] batch = 0: expected an integer from 1 to 65536");
}

Test(config, error_bad_integers)
{
    static const char *const bad[] = {
        "batch = 32x", "batch = 1e3", "batch = 3.0", "batch = 99999999999999999999",
        "epochs = -1", "epochs = 100001", "shards = 257", "batch = \" 3\"",
        "seed = -1", "seed = 18446744073709551616", "seed = 0x10", "seed = +5",
        "threads = 0", "threads = 1025", "threads = autox",
    };
    for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
        char text[256];
        const char *section = strncmp(bad[i], "threads", 7) ? "train" : "run";
        snprintf(text, sizeof text, MINI "[%s]\n%s\n", section, bad[i]);
        fails(text, "t.ini:11: ", "expected");
    }
}

Test(config, error_bad_numbers)
{
    static const char *const bad[] = {
        "[data]\nscale = 0", "[data]\nscale = -1", "[data]\nscale = abc", "[data]\nscale = inf",
        "[data]\nscale = nan", "[data]\nscale = 1e39", "[data]\nscale = 255;x",
        "[data]\nvalidation = 1", "[data]\nvalidation = -0.1",
        "[train]\nlearning_rate = 1e999", "[train]\nepsilon = 1e-50",
        "[train]\nbeta1 = 1", "[train]\nbeta2 = 0.9999999999",
    };
    for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
        char text[256];
        /* [data] keys go in a second [data] header after the model */
        snprintf(text, sizeof text, MINI "%s\n", bad[i]);
        fails(text, "t.ini:11: ", "a number");
    }
    fails(MINI "[data]\nscale = 0\n", "t.ini:11: ", "[data] scale = 0: expected auto (255 for byte inputs, 1 for others) or a number >= 0.001");
    /* A tiny scale makes inputs no float trains on (it diverged, blaming
     * the learning rate). */
    fails(MINI "[data]\nscale = 1e-30\n", "t.ini:11: ",
          "[data] scale = 1e-30: expected auto (255 for byte inputs, 1 for others) or a number >= 0.001");
    fails(MINI "[data]\nscale = 0.0009\n", "t.ini:11: ", "or a number >= 0.001");
    parses(MINI "[data]\nscale = 0.001\n");
    parses(MINI "[data]\nscale = auto\n");
    fails(MINI "[data]\nvalidation = 1\n", "t.ini:11: ", "expected a number in [0, 1)");
}

Test(config, error_bad_choices)
{
    fails(MINI "[train]\noptimizer = adamw\n", "t.ini:11: ", "expected one of adam sgd rmsprop");
    fails(MINI "[train]\nloss = mse\n", "t.ini:11: ", "sparse_categorical_crossentropy");
    fails(MINI "[train]\nshuffle = maybe\n", "t.ini:11: ", "expected one of false true");
    fails(MINI "[run]\nbind = all\n", "t.ini:11: ", "expected one of none cores");
    fails(MINI "[train]\nmetrics = accuracy accuracy\n", "t.ini:11: ",
          "accuracy is listed twice");
    fails(MINI "[train]\nmetrics = loss f1\n", "t.ini:11: ",
          "'f1' is no metric: expected auto, or names from loss accuracy top_k_accuracy");
    fails(MINI "[train]\nmetrics = top_k_accuracy 0\n", "t.ini:11: ",
          "top_k_accuracy K '0': expected an integer from 1 to 1000");
    fails(MINI "[train]\nloss = huber 1\n", "t.ini:9: ", "the last layer must be `dense N linear`");
    fails(MINI "[train]\nloss = mean_squared_error 2\n", "t.ini:11: ",
          "mean_squared_error takes no parameter");
    fails(MINI "[train]\nloss = huber wide\n", "t.ini:11: ",
          "huber delta 'wide': expected a number above 0");
    fails(MINI "[train]\nloss = huber 1 2\n", "t.ini:11: ", "expected `huber [delta]`");
}

/* A metric that means nothing for the task is an error naming its line,
 * with the task's metrics listed. */
Test(config, metrics_fit_the_task)
{
    fails(MINI "[train]\nmetrics = auc\n", "t.ini:11: [train] metrics = auc: ",
          "auc does not apply to a multiclass model; its metrics are accuracy, top_k_accuracy");
    fails(PATHS "[model]\ninput = 4\nlayer = dense 1 linear\n[train]\n"
          "loss = mean_squared_error\nmetrics = accuracy\n", "t.ini:11: ",
          "accuracy does not apply to a regression model; its metrics are mae, mse, rmse, r2");
    fails(PATHS "[model]\ninput = 4\nlayer = dense 3 sigmoid\n[train]\n"
          "loss = binary_crossentropy\nmetrics = accuracy\n", "t.ini:11: ",
          "accuracy does not apply to a multi-label model; its metrics are binary_accuracy, "
          "auc, precision, recall");
    parses(PATHS "[model]\ninput = 4\nlayer = dense 1 sigmoid\n[train]\n"
           "loss = binary_crossentropy\nmetrics = loss accuracy auc\n");
    parses(MINI "[train]\nmetrics = top_k_accuracy 2 accuracy\n");
    cr_assert_eq(cfg.train.metrics.n, 2);
    cr_assert_eq(cfg.train.metrics.m[0].arg, 2);
    parses(MINI "[train]\nmetrics = accuracy top_k_accuracy\n");
    cr_assert_eq(cfg.train.metrics.m[1].arg, 5, "Keras's k");
}

/* MINI is 9 lines: [train] is line 10, its first key line 11. */
Test(config, schedules_and_their_arguments)
{
    parses(MINI "[train]\nepochs = 5\nschedule = cosine warmup 2\n");
    cr_assert_str_eq(cfg.train.schedule.kind->name, "cosine");
    cr_assert_eq(cfg.train.schedule.epochs, 2);
    parses(MINI "[train]\nschedule = step 0.5 3\n");
    cr_assert_eq(cfg.train.schedule.factor, 0.5);
    cr_assert_eq(cfg.train.schedule.epochs, 3);
    parses(MINI "[train]\nschedule = plateau 0.2 0\n");
    parses(MINI "[train]\nschedule = exponential 1\n");
    parses(MINI "[train]\nschedule = cosine\n");
    cr_assert_eq(cfg.train.schedule.epochs, 0, "no warmup");
    parses(MINI);
    cr_assert_str_eq(cfg.train.schedule.kind->name, "constant");
    cr_assert_not(mlpt_schedule_varies(&cfg.train.schedule));

    fails(MINI "[train]\nepochs = 3\nschedule = cosine warmup 3\n",
          "t.ini:12: [train] schedule = cosine warmup 3: ",
          "the warmup must leave epochs to decay over (epochs = 3)");
    fails(MINI "[train]\nschedule = step 0.5\n", "t.ini:11: [train] schedule = step 0.5: ",
          "expected `constant`, `step FACTOR EVERY`, `exponential RATE`, `cosine [warmup "
          "EPOCHS]` or `plateau FACTOR PATIENCE`");
    fails(MINI "[train]\nschedule = plateau 1 2\n", "t.ini:11: ",
          "factor \"1\": expected a number in (0, 1)");
    fails(MINI "[train]\nschedule = step 1.5 2\n", "t.ini:11: ",
          "factor \"1.5\": expected a number in (0, 1]");
    fails(MINI "[train]\nschedule = step 0.5 0\n", "t.ini:11: ",
          "every \"0\": expected an integer from 1 to 100000");
    fails(MINI "[train]\nschedule = exponential -0.1\n", "t.ini:11: ", "rate \"-0.1\"");
    fails(MINI "[train]\nschedule = cosine 2\n", "t.ini:11: ",
          "expected `cosine` or `cosine warmup EPOCHS`");
    fails(MINI "[train]\nschedule = linear\n", "t.ini:11: ", "expected `constant`");
    fails_with_set("train.schedule=plateau 0.5 x", "--set train.schedule=plateau 0.5 x: ",
                   "patience \"x\": expected an integer from 0 to 100000");
}

Test(config, early_stopping_and_save_best_watch_computed_figures)
{
    parses(MINI "[train]\nearly_stopping = loss 3\n");
    cr_assert(cfg.early_stopping.monitor.set);
    cr_assert_eq(cfg.early_stopping.monitor.metric, -1);
    cr_assert_not(cfg.early_stopping.monitor.higher_is_better);
    cr_assert_eq(cfg.early_stopping.patience, 3);
    cr_assert_eq(cfg.early_stopping.min_delta, 0.0);
    parses(DATA "validation = 0.25\n" MODEL "[train]\nmetrics = accuracy\n"
           "early_stopping = val_accuracy 2 min_delta 0.01\n[run]\nsave_best = val_loss\n");
    cr_assert(cfg.early_stopping.monitor.val);
    cr_assert_eq(cfg.early_stopping.monitor.metric, 0);
    cr_assert(cfg.early_stopping.monitor.higher_is_better, "accuracy: higher is better");
    cr_assert_eq(cfg.early_stopping.min_delta, 0.01);
    cr_assert(cfg.run.save_best.set && cfg.run.save_best.val);
    parses(PATHS "[model]\ninput = 4\nlayer = dense 1 linear\n[train]\n"
           "loss = mean_squared_error\nmetrics = mae\nearly_stopping = mae 1\n");
    cr_assert_not(cfg.early_stopping.monitor.higher_is_better, "an error: lower is better");
    parses(MINI);
    cr_assert_not(cfg.early_stopping.monitor.set);
    cr_assert_not(cfg.run.save_best.set);

    fails(MINI "[train]\nearly_stopping = val_loss 3\n",
          "t.ini:11: [train] early_stopping = val_loss 3: ",
          "val_loss needs a validation split ([data] validation above 0)");
    fails(MINI "[train]\nmetrics = loss\nearly_stopping = accuracy 3\n",
          "t.ini:12: [train] early_stopping = accuracy 3: ",
          "\"accuracy\" is not computed: expected loss, or a name of [train] metrics");
    fails(MINI "[train]\nearly_stopping = loss\n", "t.ini:11: ",
          "expected none or `MONITOR PATIENCE [min_delta D]`");
    fails(MINI "[train]\nearly_stopping = loss -1\n", "t.ini:11: ",
          "patience '-1': expected an integer from 0 to 100000");
    fails(MINI "[train]\nearly_stopping = loss 2 min_delta -0.5\n", "t.ini:11: ",
          "min_delta '-0.5': expected a number >= 0");
    fails(MINI "[train]\nearly_stopping = loss 2 delta 0.5\n", "t.ini:11: ",
          "expected `MONITOR PATIENCE [min_delta D]`");
    fails(MINI "[run]\nsave_best = val_accuracy\n", "t.ini:11: [run] save_best = val_accuracy: ",
          "needs a validation split");
    fails(MINI "[run]\nsave_best = auc\n", "t.ini:11: ", "\"auc\" is not computed");
    fails(MINI "[run]\nsave_best = loss accuracy\n", "t.ini:11: ", "expected none, or one MONITOR");
}

Test(config, error_unterminated_quote)
{
    fails(MINI "[run]\nout = \"runs/x ; y\n", "t.ini:11: ", "unterminated double quote");
}

Test(config, error_missing_required_key)
{
    cr_assert_eq(parse("[data]\ntrain_images = a\ntest_images = c\ntest_labels = d\n"
                       "classes = 0\n[model]\ninput = 4\nlayer = dense 1 softmax\n"), -1);
    cr_assert_str_eq(err.msg, "t.ini: [data] is missing required key 'train_labels' "
                              "(path to the IDX label file for training)");
    fails(DATA "[model]\ninput = 4\n", "t.ini: ", "[model] is missing required key 'layer'");
}

Test(config, error_missing_section)
{
    fails(DATA, "t.ini: ", "missing section [model] (required keys: input layer)");
    fails(MODEL, "t.ini: ", "missing section [data]");
}

Test(config, error_key_of_another_optimizer)
{
    fails(MINI "[train]\noptimizer = adam\nmomentum = 0.9\n", "t.ini:12: ",
          "[train] momentum belongs to optimizer = sgd, but this config uses adam");
    fails(MINI "[train]\nepsilon = 1e-8\noptimizer = sgd\n", "t.ini:11: ",
          "belongs to optimizer = adam or rmsprop");
    fails(MINI "[train]\nrho = 0.9\n", "t.ini:11: ", "optimizer = rmsprop");
}

Test(config, error_input)
{
    static const char *const bad[] = {"0", "28x", "28x0", "x28", "-3", "28 28", "28x28x",
                                      "1x1x1x1x1x1x1x1", "4294967296x4294967296x2", "abc"};
    for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
        char text[256];
        snprintf(text, sizeof text, DATA "[model]\ninput = %s\nlayer = dense 3 softmax\n", bad[i]);
        fails(text, "t.ini:8: ", "[model] input = ");
    }
    parses(DATA "[model]\ninput = 1x1x1x1x1x1x1\nlayer = dense 3 softmax\n");
    cr_assert_eq(cfg.model.input_rank, 7);
}

/* An input so wide that the first dense layer's parameters (or their
 * bytes) overflow size_t is refused at its line, naming that layer's. */
Test(config, error_input_too_wide_to_count)
{
    fails(DATA "[model]\ninput = 1125899906842624\nlayer = dropout 0.5\n"
               "layer = dense 1048576 relu\nlayer = dense 3 softmax\n",
          "t.ini:8: [model] input = 1125899906842624: ", "first dense layer (t.ini:10)");
    fails(DATA "[model]\ninput = 4611686018427387904\nlayer = dense 3 softmax\n",
          "t.ini:8: [model] input = 4611686018427387904: ", "too big to count");
    const char *sets[] = {"model.input=4611686018427387904"};
    cr_assert_eq(parse_with("t.ini", MINI, sets, 1), -1);
    check_message("--set model.input=4611686018427387904: ", "too big to count");
    cr_assert(err.command_line);
}

/* An activation's parameter follows it, before the initializer; without
 * one it is Keras's default (activation="leaky_relu": 0.2). */
Test(config, activation_alpha)
{
    parses(DATA "[model]\ninput = 4\nlayer = dense 16 leaky_relu 0.1\n"
           "layer = dense 8 leaky_relu he_uniform\nlayer = dense 8 leaky_relu 0 glorot_uniform\n"
           "layer = dense 8 gelu\nlayer = dense 3 softmax\n");
    cr_assert_eq(cfg.model.layers[0].activation, mlpt_activation_named("leaky_relu"));
    cr_assert_eq(cfg.model.layers[0].alpha, 0.1f);
    cr_assert_eq(cfg.model.layers[1].alpha, 0.2f);
    cr_assert_eq(cfg.model.layers[1].init, mlpt_initializer_named("he_uniform"));
    cr_assert_eq(cfg.model.layers[2].alpha, 0.0f);
    cr_assert_eq(cfg.model.layers[3].activation, mlpt_activation_named("gelu"));
    char line[64];
    mlpt_layer_format(&cfg.model.layers[0], line, sizeof line);
    cr_assert_str_eq(line, "dense 16 leaky_relu 0.1 glorot_uniform");
    mlpt_layer_format(&cfg.model.layers[3], line, sizeof line);
    cr_assert_str_eq(line, "dense 8 gelu glorot_uniform");
}

/* Keras's defaults (momentum 0.99, epsilon 0.001); either option or both,
 * in any order, written back in one order with both. */
Test(config, normalization_layers)
{
    parses(DATA "[model]\ninput = 4\nlayer = batchnorm\nlayer = dense 8 relu\n"
           "layer = batchnorm epsilon 1e-5 momentum 0.9\nlayer = layernorm\n"
           "layer = layernorm epsilon 0.01\nlayer = dense 3 softmax\n");
    const mlpt_layer_spec *l = cfg.model.layers;
    cr_assert_eq(l[0].kind, mlpt_layer_kind_named("batchnorm"));
    cr_assert_eq(l[0].momentum, 0.99f);
    cr_assert_eq(l[0].epsilon, 0.001f);
    cr_assert_eq(l[2].momentum, 0.9f);
    cr_assert_eq(l[2].epsilon, 1e-5f);
    cr_assert_eq(l[3].kind, mlpt_layer_kind_named("layernorm"));
    cr_assert_eq(l[3].epsilon, 0.001f);
    cr_assert_eq(l[4].epsilon, 0.01f);
    char line[64];
    mlpt_layer_format(&l[2], line, sizeof line);
    cr_assert_str_eq(line, "batchnorm momentum 0.9 epsilon 1e-05");
    mlpt_layer_format(&l[3], line, sizeof line);
    cr_assert_str_eq(line, "layernorm epsilon 0.001");
    fails(DATA "[model]\ninput = 4\nlayer = dense 3 softmax\nlayer = batchnorm\n",
          "t.ini:10: ", "the last layer must be `dense N softmax`");
}

Test(config, error_layer_forms)
{
    static const struct { const char *layer, *phrase; } bad[] = {
        {"dense relu", "expected `dense UNITS"},
        {"dense 0 relu", "units \"0\": expected an integer from 1 to 1048576"},
        {"dense 1048577 relu", "units"},
        {"dense 10 swish", "activation \"swish\": expected one of linear relu sigmoid tanh "
                           "leaky_relu elu selu softplus silu gelu softmax"},
        {"dense 10 leaky_relu 1", "leaky_relu alpha \"1\": expected a number in [0, 1)"},
        {"dense 10 leaky_relu -0.1 he_uniform", "leaky_relu alpha \"-0.1\": expected a number"},
        {"dense 10 leaky_relu slope", "leaky_relu alpha \"slope\": expected a number"},
        {"dense 10 leaky_relu he_uniform x",
         "\"x\" after the initializer: expected `dense UNITS ACTIVATION [ALPHA] [INITIALIZER]`"},
        {"dense 10 relu 0.1", "initializer \"0.1\": expected one of"},
        {"dense 10 relu glorot_normal", "initializer \"glorot_normal\""},
        {"dense 10 relu he_uniform extra", "\"extra\" after the initializer: expected `dense UNITS"},
        {"dense 10 leaky_relu 0.1 he_uniform extra", "expected `dense UNITS"},
        {"dropout 1", "rate \"1\": expected a number in [0, 1)"},
        {"dropout", "expected `dense UNITS"},
        {"batchnorm 0.9", "\"0.9\": expected momentum or epsilon (`batchnorm [momentum M] "
                          "[epsilon E]`)"},
        {"batchnorm momentum", "momentum needs a value: expected `batchnorm [momentum M] "
                               "[epsilon E]`"},
        {"batchnorm momentum 1", "momentum \"1\": expected a number in [0, 1)"},
        {"batchnorm momentum x", "momentum \"x\": expected a number in [0, 1)"},
        {"batchnorm epsilon 0", "epsilon \"0\": expected a number in [1e-10, 1]"},
        {"batchnorm epsilon 0.1 epsilon 0.2", "epsilon given twice"},
        {"batchnorm momentum 0.9 epsilon 0.001 center", "expected `dense UNITS"},
        {"layernorm momentum 0.9", "\"momentum\": expected epsilon (`layernorm [epsilon E]`)"},
        {"layernorm epsilon 2", "epsilon \"2\": expected a number in [1e-10, 1]"},
        {"layernorm epsilon", "epsilon needs a value: expected `layernorm [epsilon E]`"},
        {"conv 3", "expected `dense UNITS"},
        {"dense 10 relu he_uniformxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
         "initializer \"he_uniformxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx...\": expected one of"},
    };
    for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
        char text[512];
        snprintf(text, sizeof text,
                 DATA "[model]\ninput = 4\nlayer = %s\nlayer = dense 3 softmax\n", bad[i].layer);
        fails(text, "t.ini:9: ", bad[i].phrase);
    }
}

Test(config, error_softmax_not_last)
{
    fails(DATA "[model]\ninput = 4\nlayer = dense 8 softmax\nlayer = dense 3 softmax\n",
          "t.ini:9: ", "softmax is allowed only on the last layer");
}

Test(config, error_last_layer_not_softmax)
{
    fails(DATA "[model]\ninput = 4\nlayer = dense 3 relu\n", "t.ini:9: ",
          "the last layer must be `dense N softmax`");
    /* a kind without units is not named as the one to use */
    fails(DATA "[model]\ninput = 4\nlayer = dense 3 softmax\nlayer = dropout 0.5\n",
          "t.ini:10: ", "the last layer must be `dense N softmax`");
}

Test(config, error_units_differ_from_classes)
{
    fails(DATA "[model]\ninput = 4\nlayer = dense 4 softmax\n",
          "t.ini:9: [model] layer = dense 4 softmax: ",
          "tells 4 classes apart but [data] classes (t.ini:6) names 3 classes");
    fails(DATA "[model]\ninput = 4\nlayer = dense 1 sigmoid\n[train]\n"
          "loss = binary_crossentropy\n",
          "t.ini:9: [model] layer = dense 1 sigmoid: ",
          "tells 2 classes apart but [data] classes (t.ini:6) names 3 classes");
}

/* class_weight: none, balanced or a weight per class, for class labels. */
Test(config, class_weight)
{
    parses(MINI "[train]\nclass_weight = balanced\n");
    cr_assert_eq(cfg.train.class_weight.kind, MLPT_CLASS_WEIGHT_BALANCED);
    parses(MINI "[train]\nclass_weight = 1 0.5 2\n");
    cr_assert_eq(cfg.train.class_weight.kind, MLPT_CLASS_WEIGHT_LISTED);
    cr_assert_eq(cfg.train.class_weight.n, 3);
    cr_assert_eq(cfg.train.class_weight.w[1], 0.5f);
    parses(MINI);
    cr_assert_eq(cfg.train.class_weight.kind, MLPT_CLASS_WEIGHT_NONE);
    fails(MINI "[train]\nclass_weight = 1 2\n", "t.ini:11: [train] class_weight = 1 2: ",
          "2 weights, but the last layer (t.ini:9) tells 3 classes apart");
    fails(MINI "[train]\nclass_weight = 1 -2 1\n", "t.ini:11: ",
          "weight 2 '-2': expected none, balanced, or a number >= 0 per class");
    fails(MINI "[train]\nclass_weight = 0 0 0\n", "t.ini:11: ", "every weight is 0");
    fails(PATHS "[model]\ninput = 4\nlayer = dense 1 linear\n[train]\n"
          "loss = mean_squared_error\nclass_weight = balanced\n", "t.ini:11: ",
          "class weights apply to class labels; a regression model has none");
}

/* What each task's last layer, loss and targets must be. */
Test(config, tasks_pair_layer_loss_and_targets)
{
    /* the default metrics follow the task */
    parses(PATHS "[model]\ninput = 4\nlayer = dense 2 linear\n[train]\nloss = huber 0.5\n");
    cr_assert_eq(cfg.model.loss, mlpt_loss_named("huber"));
    cr_assert_eq(cfg.model.loss_param, 0.5f);
    cr_assert_eq(cfg.train.metrics.n, 2);
    cr_assert_eq(cfg.train.metrics.m[0].ops, mlpt_metric_named("mae"));
    cr_assert_eq(cfg.train.metrics.m[1].ops, mlpt_metric_named("r2"));
    parses(PATHS "[model]\ninput = 4\nlayer = dense 1 sigmoid\n[train]\n"
           "loss = binary_crossentropy\n");
    cr_assert_eq(cfg.train.metrics.n, 2, "accuracy auc");
    /* a last layer that does not fit the loss names the layer's line */
    fails(PATHS "[model]\ninput = 4\nlayer = dense 1 sigmoid\n",
          "t.ini:8: [model] layer = dense 1 sigmoid: ",
          "the last layer must be `dense N softmax`: the loss is sparse_categorical_crossentropy");
    fails(PATHS "[model]\ninput = 4\nlayer = dense 3 softmax\n[train]\n"
          "loss = binary_crossentropy\n", "t.ini:8: ",
          "the last layer must be `dense N sigmoid`: the loss is binary_crossentropy");
    /* value tasks have no classes */
    fails(DATA "[model]\ninput = 4\nlayer = dense 1 linear\n[train]\n"
          "loss = mean_squared_error\n", "t.ini:6: [data] classes = 0 1 2: ",
          "a regression model (loss mean_squared_error) predicts values, not classes");
    /* a table's target columns: one per output for value tasks, one for classes */
    parses("[data]\ntrain = t.csv\ntarget = a b\ntest_split = 0.2\n[model]\ninput = 4\n"
           "layer = dense 2 linear\n[train]\nloss = mean_absolute_error\n");
    cr_assert_eq(cfg.data.n_targets, 2);
    fails("[data]\ntrain = t.csv\ntarget = a b c\ntest_split = 0.2\n[model]\ninput = 4\n"
          "layer = dense 2 sigmoid\n[train]\nloss = binary_crossentropy\n", "t.ini:3: ",
          "[data] target = a b c: 3 target columns, but the last layer (t.ini:7) makes a "
          "multi-label model, which takes 2");
}

Test(config, error_too_many_layers)
{
    static char text[4096];
    snprintf(text, sizeof text, "%s", DATA "[model]\ninput = 4\n");
    for (int i = 0; i < MLPT_MAX_LAYERS; i++) strcat(text, "layer = dense 3 relu\n");
    strcat(text, "layer = dense 3 softmax\n");
    fails(text, "t.ini:41: ", "more than 32 layers");
}

Test(config, error_classes)
{
    fails(PATHS "classes = a b a\n", "t.ini:6: ", "class name 'a' is listed twice");
    fails(PATHS "classes = a \"\"\n", "t.ini:6: ", "class name 2 is empty");
    fails(PATHS "classes = a \"0123456789012345678901234567890123456789012345678\"\n",
          "t.ini:6: ", "longer than 47 characters");
    static char text[4096];
    snprintf(text, sizeof text, "%s", PATHS "classes =");
    for (int i = 0; i <= MLPT_MAX_CLASSES; i++) sprintf(text + strlen(text), " c%d", i);
    fails(text, "t.ini:6: ", "more than 256 class names");
}

/* ---- overrides ---- */

Test(config, override_replaces_file_value)
{
    const char *sets[] = {"train.batch=64", "run.threads = 2", "train.optimizer=sgd",
                          "train.momentum=0.5", "data.classes=x y \"z z\""};
    cr_assert_eq(parse_with("t.ini", MINI "[train]\nbatch = 16\n", sets, 5), 0, "%s", err.msg);
    cr_assert_eq(cfg.train.batch, 64);
    cr_assert_eq(cfg.run.threads, 2);
    cr_assert_eq(cfg.train.optimizer.kind, mlpt_optimizer_named("sgd"));
    cr_assert_eq(cfg.train.optimizer.momentum, 0.5f);
    cr_assert_str_eq(cfg.data.classes[2], "z z");
    const mlpt_setting *s = find_setting("train", "batch");
    cr_assert_eq(s->origin, MLPT_FROM_OVERRIDE);
    cr_assert_eq(s->line, 0);
    cr_assert_str_eq(s->value, "64");
    cr_assert_eq(find_setting("data", "train_images")->origin, MLPT_FROM_FILE);
}

Test(config, override_later_wins)
{
    const char *sets[] = {"train.epochs=3", "train.epochs=5"};
    cr_assert_eq(parse_with("t.ini", MINI, sets, 2), 0, "%s", err.msg);
    cr_assert_eq(cfg.train.epochs, 5);
}

Test(config, override_errors)
{
    fails_with_set("train.batchsize=3", "--set train.batchsize=3: ", "unknown key 'batchsize'");
    fails_with_set("data.batch=3", "--set data.batch=3: ", "did you mean [train] batch?");
    fails_with_set("training.batch=3", "--set training.batch=3: ", "unknown section [training]");
    fails_with_set("model.layer=dense 3 softmax", "--set model.layer=dense 3 softmax: ",
                   "cannot be overridden");
    fails_with_set("trainbatch=3", "--set trainbatch=3: ", "expected section.key=value");
    fails_with_set("train.batch", "--set train.batch: ", "expected section.key=value");
    fails_with_set("train.batch=", "--set train.batch=: ", "empty value");
    fails_with_set("train.momentum=0.9", "--set train.momentum=0.9: ",
                   "belongs to optimizer = sgd");
    fails_with_set("data.classes=\"a", "--set data.classes=\"a: ", "unterminated double quote");
}

Test(config, override_bad_value)
{
    const char *sets[] = {"train.batch=0"};
    cr_assert_eq(parse_with("t.ini", MINI, sets, 1), -1);
    cr_assert_str_eq(err.msg,
                     "--set train.batch=0: [train] batch = 0: expected an integer from 1 to 65536");
    cr_assert(err.command_line);
}

/* A dedicated flag's value is taken as typed and the flag is named: ` 1`
 * is no seed, though `--set train.seed= 1` is trimmed like `seed =  1`. */
Test(config, override_from_a_flag)
{
    static const struct {
        const char *assignment, *flag, *message;
    } bad[] = {
        {"train.seed=-1", "--seed", "--seed -1: [train] seed = -1: expected an integer from 0 "},
        {"train.seed=+1", "--seed", "--seed +1: [train] seed = +1: expected"},
        {"train.seed= 1", "--seed", "--seed  1: [train] seed =  1: expected"},
        {"train.seed=1 ", "--seed", "--seed 1 : [train] seed = 1 : expected"},
        {"run.threads=0", "--threads", "--threads 0: [run] threads = 0: expected auto or an "},
    };
    for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
        const mlpt_override ov = {bad[i].assignment, bad[i].flag};
        memset(&err, 0, sizeof err);
        cr_assert_eq(mlpt_config_parse("t.ini", MINI, &ov, 1, &cfg, &err), -1, "%s",
                     bad[i].assignment);
        check_message(bad[i].message, "");
        cr_assert(err.command_line);
    }
    const char *sets[] = {"train.seed= 1"};
    cr_assert_eq(parse_with("t.ini", MINI, sets, 1), 0, "%s", err.msg);
    cr_assert_eq(cfg.train.seed, 1);
}

Test(config, parse_u64_takes_digits_only)
{
    static const char *const bad[] = {"-1", "+1", " 1", "1 ", "", "0x10", "1e3",
                                      "18446744073709551616", "99999999999999999999999"};
    uint64_t x = 7;
    for (size_t i = 0; i < ARRAY_LEN(bad); i++)
        cr_assert(!mlpt_config_parse_u64(bad[i], &x), "'%s' accepted", bad[i]);
    cr_assert_eq(x, 7);
    cr_assert(mlpt_config_parse_u64("18446744073709551615", &x));
    cr_assert_eq(x, UINT64_MAX);
    cr_assert(mlpt_config_parse_u64("0", &x));
    cr_assert_eq(x, 0);
}

/* ---- files ---- */

static void load(const char *file)
{
    memset(&err, 0, sizeof err);
    cr_assert_eq(mlpt_config_load(file, NULL, 0, &cfg, &err), 0, "%s", err.msg);
    cr_assert_str_eq(cfg.path, file);
}

Test(config, shipped_configs)
{
    load(MLPT_SOURCE_DIR "/configs/mnist.ini");
    cr_assert_eq(cfg.model.n_layers, 3);
    cr_assert_str_eq(cfg.run.out, "runs/mnist");

    load(MLPT_SOURCE_DIR "/configs/fashion.ini");
    cr_assert_eq(cfg.data.n_classes, 10);
    cr_assert_str_eq(cfg.data.classes[0], "T-shirt/top");
    cr_assert_str_eq(cfg.data.classes[9], "Ankle boot");
    cr_assert_str_eq(cfg.data.train_images,
                     "/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz");
    cr_assert_str_eq(cfg.run.out, "runs/fashion");

    load(MLPT_SOURCE_DIR "/configs/deep.ini");
    cr_assert_eq(cfg.model.n_layers, 5);
    cr_assert_eq(cfg.model.layers[0].units, 512);
    cr_assert_eq(cfg.model.layers[2].units, 256);
    cr_assert_str_eq(cfg.run.out, "runs/deep");

    load(MLPT_SOURCE_DIR "/configs/deep-batchnorm.ini");
    cr_assert_eq(cfg.model.n_layers, 7);
    cr_assert_eq(cfg.model.layers[1].kind, mlpt_layer_kind_named("batchnorm"));
    cr_assert_eq(cfg.model.layers[4].kind, mlpt_layer_kind_named("batchnorm"));
    cr_assert_str_eq(cfg.run.out, "runs/deep-batchnorm");

    load(MLPT_SOURCE_DIR "/configs/tiny.ini");
    cr_assert_eq(cfg.model.n_layers, 2);
    cr_assert_eq(cfg.model.layers[0].units, 32);
    cr_assert_eq(cfg.train.epochs, 1);
    cr_assert_eq(cfg.train.batch, 64);
    cr_assert_str_eq(cfg.run.out, "runs/tiny");
}

Test(config, shipped_mnist_matches_tutorial)
{
    static mlpt_config from_file;
    load(MLPT_SOURCE_DIR "/configs/mnist.ini");
    memcpy(&from_file, &cfg, sizeof cfg); /* with padding, for memcmp */
    parses(tutorial);
    cr_assert_eq(memcmp(&from_file.data, &cfg.data, sizeof cfg.data), 0);
    cr_assert_eq(memcmp(&from_file.model, &cfg.model, sizeof cfg.model), 0);
    cr_assert_eq(memcmp(&from_file.train, &cfg.train, sizeof cfg.train), 0);
    cr_assert_eq(memcmp(&from_file.run, &cfg.run, sizeof cfg.run), 0);
}

Test(config, load_errors)
{
    cr_assert_eq(mlpt_config_load("/nonexistent/x.ini", NULL, 0, &cfg, &err), -1);
    check_message("/nonexistent/x.ini: ", "cannot open");

    char path[] = "/tmp/mlpt_config_XXXXXX";
    int fd = mkstemp(path);
    cr_assert(fd >= 0);
    cr_assert_eq(write(fd, "[data]\n\0x", 9), 9);
    close(fd);
    cr_assert_eq(mlpt_config_load(path, NULL, 0, &cfg, &err), -1);
    unlink(path);
    check_message(path, "contains a NUL byte at offset 7");
}

Test(config, load_names_the_file_and_defaults_out_from_it)
{
    char path[] = "/tmp/mlpt_config_XXXXXX";
    int fd = mkstemp(path);
    cr_assert(fd >= 0);
    const char *text = MINI "[train]\nbatch = 0\n";
    cr_assert_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    cr_assert_eq(mlpt_config_load(path, NULL, 0, &cfg, &err), -1);
    char prefix[64];
    snprintf(prefix, sizeof prefix, "%s:11: ", path);
    check_message(prefix, "[train] batch = 0");

    const char *sets[] = {"train.batch=1"};
    mlpt_override ov = {sets[0], NULL};
    cr_assert_eq(mlpt_config_load(path, &ov, 1, &cfg, &err), 0, "%s", err.msg);
    unlink(path);
    char out[64];
    snprintf(out, sizeof out, "runs/%s", strrchr(path, '/') + 1);
    cr_assert_str_eq(cfg.run.out, out);
}

Test(config, report_section)
{
    parses(MINI "[report]\nfigures = curves confusion\nsamples = 16\n");
    cr_assert_eq(cfg.report.figures, MLPT_FIG_CURVES | MLPT_FIG_CONFUSION);
    cr_assert_eq(cfg.report.samples, 16);
    cr_assert_eq(cfg.report.predictions, 12);
    parses(MINI "[report]\nfigures = none\n");
    cr_assert_eq(cfg.report.figures, 0u);
    parses(MINI);
    cr_assert_eq(cfg.report.figures, MLPT_FIG_SAMPLES | MLPT_FIG_PREDICTIONS |
                                         MLPT_FIG_MISCLASSIFIED | MLPT_FIG_CURVES |
                                         MLPT_FIG_CONFUSION | MLPT_FIG_ROC |
                                         MLPT_FIG_REGRESSION | MLPT_FIG_LABELS);
    fails(MINI "[report]\nfigures = curves pictures\n", "t.ini:11: ", "figures = curves pictures");
    fails(MINI "[report]\nfigures = none curves\n", "t.ini:11: ", "all or none alone");
    fails(MINI "[report]\nsamples = 0\n", "t.ini:11: ", "from 1 to 100");
}

/* What the model file will store must be storable: checked before training. */
Test(config, text_is_utf8_and_class_names_have_no_control_characters)
{
    fails(MINI "; caf\xe9\n", "t.ini:10: ", "not UTF-8 text (byte 0xe9)");
    /* Strict UTF-8 (RFC 3629), as the model file's JSON needs: a config
     * jansson refuses would train and then fail to save. */
    fails(MINI "; \xed\xa0\x80\n", "t.ini:10: ", "not UTF-8 text (byte 0xed)");     /* surrogate */
    fails(MINI "; \xe0\x80\x80\n", "t.ini:10: ", "not UTF-8 text (byte 0xe0)");     /* overlong */
    fails(MINI "; \xf0\x80\x80\x80\n", "t.ini:10: ", "not UTF-8 text (byte 0xf0)"); /* overlong */
    fails(MINI "; \xf4\x90\x80\x80\n", "t.ini:10: ", "not UTF-8 text (byte 0xf4)"); /* > U+10FFFF */
    fails(MINI "; \xf5\x80\x80\x80\n", "t.ini:10: ", "not UTF-8 text (byte 0xf5)");
    parses(MINI "; \xed\x9f\xbf \xf0\x90\x80\x80 \xf4\x8f\xbf\xbf\n"); /* U+D7FF U+10000 U+10FFFF */
    fails(PATHS "classes = a \"b\tc\" d\n" MODEL, "t.ini:6: ", "class name 2 holds a control character");
    fails_with_set("data.classes=x \xff z", "--set data.classes=x", "not UTF-8");
    parses(PATHS "classes = caf\xc3\xa9 th\xc3\xa9 \xe2\x82\xac\n" MODEL);
    cr_assert_str_eq(cfg.data.classes[0], "caf\xc3\xa9");
}

/* ---- [data]: the array keys' other names, CSV tables, and what the data decides ---- */

#define TABLE "[data]\ntrain = t.csv\ntarget = kind\n"   /* 3 lines */

Test(config, array_keys_have_input_and_target_names)
{
    parses("[data]\ntrain_inputs = a\ntrain_targets = b\ntest_inputs = c\ntest_targets = d\n"
           "classes = 0 1 2\n" MODEL);
    cr_assert_str_eq(cfg.data.train_images, "a");
    cr_assert_str_eq(cfg.data.train_labels, "b");
    cr_assert_str_eq(cfg.data.test_images, "c");
    cr_assert_str_eq(cfg.data.test_labels, "d");
    fails("[data]\ntrain_images = a\ntrain_inputs = b\n", "t.ini:3: ",
          "[data] train_images (line 2) and train_inputs (line 3) are two names of one key");
    fails("[data]\ntrain_inputs = a\ntrain_labels = b\ntest_images = c\ntest_labels = d\n"
          "classes = 0\n[model]\ninput = 4\nlayer = dense 1 softmax\n"
          "[data]\ntrain_inputs = -\n", "t.ini:11: ", "set twice, on lines 2 and 11");
    /* a value is named as written */
    fails("[data]\ntrain_inputs = \"\"\n", "t.ini:2: ", "[data] train_inputs = \"\": expected a "
          "non-empty path");
}

Test(config, csv_table_keys)
{
    parses(TABLE "inputs = a \"b c\" d\none_hot = d\ndelimiter = tab\ntest_split = 0.25\n"
           "normalize = minmax\nclasses = auto\n" MODEL);
    cr_assert_str_eq(cfg.data.train, "t.csv");
    cr_assert_str_eq(cfg.data.target, "kind");
    cr_assert_eq(cfg.data.n_targets, 1);
    cr_assert_eq(cfg.data.n_inputs, 3);
    const char *name = mlpt_config_next_name(cfg.data.inputs, cfg.data.n_inputs, NULL);
    cr_assert_str_eq(name, "a");
    cr_assert_str_eq(name = mlpt_config_next_name(cfg.data.inputs, 3, name), "b c");
    cr_assert_str_eq(name = mlpt_config_next_name(cfg.data.inputs, 3, name), "d");
    cr_assert_null(mlpt_config_next_name(cfg.data.inputs, 3, name));
    cr_assert_eq(cfg.data.n_one_hot, 1);
    cr_assert_eq(cfg.data.delimiter, '\t');
    cr_assert_eq(cfg.data.test_split, 0.25);
    cr_assert_eq(cfg.data.normalize, MLPT_NORMALIZE_MINMAX);
    cr_assert_eq(cfg.data.n_classes, 0, "auto: the data decides");
    cr_assert_null(find_setting("data", "train_images"));

    /* the defaults, each a setting */
    parses(TABLE "test = u.csv\nclasses = x y z\n" MODEL);
    cr_assert_eq(cfg.data.n_inputs, 0);
    cr_assert_eq(cfg.data.n_one_hot, 0);
    cr_assert_eq(cfg.data.delimiter, ',');
    cr_assert_eq(cfg.data.normalize, MLPT_NORMALIZE_NONE);
    cr_assert_str_eq(find_setting("data", "inputs")->value, "all");
    cr_assert_str_eq(find_setting("data", "one_hot")->value, "none");
    cr_assert_eq(find_setting("data", "delimiter")->origin, MLPT_FROM_DEFAULT);
    cr_assert_null(find_setting("data", "test_split"));
}

Test(config, csv_table_errors)
{
    fails(TABLE "train_images = a\nclasses = auto\n" MODEL, "t.ini:4: ",
          "[data] train_images belongs to arrays, but this config reads a CSV table "
          "(train, t.ini:2); the two sources do not mix");
    fails(DATA "target = kind\n" MODEL, "t.ini:7: ",
          "[data] target belongs to CSV tables (train = FILE.csv)");
    fails("[data]\ntrain = t.csv\ntest = u.csv\nclasses = auto\n" MODEL, "t.ini: ",
          "[data] is missing required key 'target'");
    fails(TABLE "classes = auto\n" MODEL, "t.ini: ", "missing required key 'test'");
    fails(TABLE "test = u.csv\ntest_split = 0.2\nclasses = auto\n" MODEL, "t.ini:4: ",
          "[data] test names a test file, but test_split (t.ini:5) holds the test set out");
    fails(PATHS "test_split = 0.2\nclasses = 0 1 2\n" MODEL, "t.ini:4: ",
          "[data] test_images names a test file, but test_split (t.ini:6)");
    fails(TABLE "test_split = 1\nclasses = auto\n" MODEL, "t.ini:4: ",
          "[data] test_split = 1: expected a number in (0, 1)");
    fails(TABLE "test_split = 0.2\ntarget = a b\n" MODEL, "t.ini:5: ",
          "[data] target is set twice");
    fails("[data]\ntrain = t.csv\ntarget = a b\ntest_split = 0.2\nclasses = auto\n" MODEL,
          "t.ini:3: ", "[data] target = a b: 2 target columns, but the last layer (t.ini:8) "
          "makes a multiclass model, which takes 1");
    fails(TABLE "test_split = 0.2\ninputs = a b a\nclasses = auto\n" MODEL, "t.ini:5: ",
          "column 'a' is named twice");
    fails(TABLE "test_split = 0.2\ndelimiter = |\nclasses = auto\n" MODEL, "t.ini:5: ",
          "[data] delimiter = |: expected one of , ; tab");
    fails(TABLE "test_split = 0.2\nnormalize = zscore\nclasses = auto\n" MODEL, "t.ini:5: ",
          "[data] normalize = zscore: expected one of none standard minmax");
}

Test(config, classes_auto_leaves_the_count_to_the_data)
{
    parses(PATHS "classes = auto\n[model]\ninput = 4\nlayer = dense 7 softmax\n");
    cr_assert_eq(cfg.data.n_classes, 0);
    char where[256];
    cr_assert_str_eq(mlpt_config_origin(&cfg, "layer", 0, where, sizeof where),
                     "t.ini:9: [model] layer = dense 7 softmax");
    cr_assert_str_eq(mlpt_config_origin(&cfg, "normalize", 0, where, sizeof where),
                     "[data] normalize = none (default)");
}
