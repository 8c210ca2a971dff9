/* test_modelfile.c - safetensors model files: a round trip, the layout an
 * independent reader expects, every kind of damage the reader must refuse,
 * and the writer's failures. */
#define _POSIX_C_SOURCE 200809L /* test_util.h: mkdtemp, PATH_MAX under -std=c11 */

#include <criterion/criterion.h>

#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "test_util.h"
#include "mlpt/modelfile.h"
#include "test_spec.h"

static void make_scratch(void)
{
    scratch_make("test_modelfile");
}

TestSuite(modelfile, .init = make_scratch, .fini = scratch_remove);

/* ---- the fixture: dropout and three dense layers, all different ---- */

static const char fixture_config[] =
    "[model]\ninput = 4x3\nlayer = dense 6 relu he_uniform\n"
    "; \"quotes\", a back\\slash, a tab\t and caf\xc3\xa9\n";
static const char fixture_layers[] =
    "dense 6 relu he_uniform\ndropout 0.2\ndense 5 leaky_relu 0.1 glorot_uniform\n"
    "dense 3 softmax he_uniform";

static mlpt_model fixture_model(void)
{
    mlpt_model_spec spec = {.input_rank = 2, .input_dims = {4, 3}, .n_layers = 4,
                            .loss = SCCE};
    spec.layers[0] = layer("dense 6 relu he_uniform");
    spec.layers[1] = layer("dropout 0.2");
    spec.layers[2] = layer("dense 5 leaky_relu 0.1 glorot_uniform");
    spec.layers[3] = layer("dense 3 softmax he_uniform");
    mlpt_model m;
    mlpt_error err;
    cr_assert_eq(mlpt_model_create(&spec, &m, &err), 0, "%s", err.msg);
    mlpt_model_init_params(&m, 42);
    /* Values a decimal or host-order round trip would lose. */
    float *bias = m.params + m.geom[0].b_offset;
    bias[0] = -0.0f;
    bias[1] = 1e-40f;
    bias[2] = 0.1f;
    return m;
}

static mlpt_model_info fixture_info(void)
{
    mlpt_model_info info = {.n_classes = 3, .classes = {"T-shirt/top", "Ankle boot", "Bag"},
                            .scale = 127.5f, .config_text = (char *)fixture_config};
    return info;
}

/* Saves the fixture to the scratch folder as name and returns the path. */
static const char *save_fixture(const char *name)
{
    const char *path = scratch_path(name);
    mlpt_model m = fixture_model();
    mlpt_model_info info = fixture_info();
    mlpt_error err;
    cr_assert_eq(mlpt_model_save(path, &m, &info, &err), 0, "%s", err.msg);
    mlpt_model_free(&m);
    return path;
}

/* ---- the file's bytes ---- */

static void write_all(const char *path, const void *p, size_t len)
{
    FILE *f = fopen(path, "wb");
    cr_assert(f, "cannot create %s", path);
    cr_assert_eq(fwrite(p, 1, len, f), len);
    cr_assert_eq(fclose(f), 0);
}

static uint64_t get_le64(const unsigned char *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

static void put_le64(unsigned char *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

/* Rewrites path with this header text (length field declaring
 * declared_len) and the data section path has now. */
static void replace_header_declaring(const char *path, const char *text, uint64_t declared_len)
{
    file_bytes old = read_all(path);
    size_t data_at = 8 + (size_t)get_le64(old.p), len = strlen(text);
    size_t data_len = old.len - data_at;
    unsigned char *out = malloc(8 + len + data_len);
    cr_assert(out);
    put_le64(out, declared_len);
    memcpy(out + 8, text, len);
    memcpy(out + 8 + len, old.p + data_at, data_len);
    write_all(path, out, 8 + len + data_len);
    free(out);
    free(old.p);
}

static void replace_header(const char *path, const char *text)
{
    replace_header_declaring(path, text, strlen(text));
}

static char *header_text(const char *path)
{
    file_bytes b = read_all(path);
    size_t n = (size_t)get_le64(b.p);
    char *text = malloc(n + 1);
    cr_assert(text);
    memcpy(text, b.p + 8, n);
    text[n] = '\0';
    free(b.p);
    return text;
}

static json_t *header_json(const char *path)
{
    char *text = header_text(path);
    json_error_t jerr;
    json_t *h = json_loads(text, JSON_REJECT_DUPLICATES, &jerr);
    cr_assert(json_is_object(h), "header of %s: %s", path, jerr.text);
    free(text);
    return h;
}

/* Sets header[outer][key] (header[key] when outer is NULL) to value, or
 * deletes it when value is NULL, and rewrites the file. */
static void edit_header(const char *path, const char *outer, const char *key, json_t *value)
{
    json_t *h = header_json(path);
    json_t *obj = outer ? json_object_get(h, outer) : h;
    cr_assert(obj, "no %s in %s", outer, path);
    if (value)
        cr_assert_eq(json_object_set_new(obj, key, value), 0);
    else
        cr_assert_eq(json_object_del(obj, key), 0, "no %s to delete", key);
    char *text = json_dumps(h, JSON_PRESERVE_ORDER | JSON_COMPACT);
    replace_header(path, text);
    free(text);
    json_decref(h);
}

static void set_meta(const char *path, const char *key, const char *value)
{
    edit_header(path, "__metadata__", key, json_string(value));
}

/* ---- checking results ---- */

/* The load must fail, leave *m and *info zeroed, and say so in one line
 * that starts with the path and contains phrase. */
static void expect_load_failure(const char *path, const char *phrase)
{
    mlpt_model m;
    mlpt_model_info info;
    mlpt_error err = {0};
    cr_assert_eq(mlpt_model_load(path, &m, &info, &err), -1, "loading %s should fail (%s)",
                 path, phrase);
    cr_assert(is_zeroed(&m, sizeof m), "a failed load must leave the model zeroed");
    cr_assert(is_zeroed(&info, sizeof info), "a failed load must leave the info zeroed");
    cr_assert_eq(strncmp(err.msg, path, strlen(path)), 0, "message should start with the path: %s",
                 err.msg);
    cr_assert(strstr(err.msg, phrase), "message should mention \"%s\": %s", phrase, err.msg);
    cr_assert_null(strchr(err.msg, '\n'), "message should be one line: %s", err.msg);
}

/* A fresh fixture damaged by set_meta(key, value) must fail with phrase. */
static void expect_meta_failure(const char *key, const char *value, const char *phrase)
{
    const char *path = save_fixture("m.safetensors");
    set_meta(path, key, value);
    expect_load_failure(path, phrase);
}

/* Each of n values of __metadata__[key] must fail, naming the key. */
static void expect_meta_failures(const char *key, const char *const *values, size_t n)
{
    char phrase[64];
    snprintf(phrase, sizeof phrase, "__metadata__ \"%s\": ", key);
    for (size_t i = 0; i < n; i++)
        expect_meta_failure(key, values[i], phrase);
}

/* A fresh fixture with header[tensor][key] = value must fail with phrase. */
static void expect_tensor_failure(const char *tensor, const char *key, json_t *value,
                                  const char *phrase)
{
    const char *path = save_fixture("m.safetensors");
    edit_header(path, tensor, key, value);
    expect_load_failure(path, phrase);
}

/* ---- good files ---- */

Test(modelfile, round_trip_is_exact)
{
    const char *path = save_fixture("m.safetensors");
    mlpt_model saved = fixture_model(), loaded;
    mlpt_model_info info;
    mlpt_error err;
    cr_assert_eq(mlpt_model_load(path, &loaded, &info, &err), 0, "%s", err.msg);

    const mlpt_model_spec *a = &saved.spec, *b = &loaded.spec;
    cr_assert_eq(b->input_rank, a->input_rank);
    cr_assert_arr_eq(b->input_dims, a->input_dims, sizeof a->input_dims);
    cr_assert_eq(b->n_layers, a->n_layers);
    for (int l = 0; l < a->n_layers; l++) {
        cr_assert_eq(b->layers[l].kind, a->layers[l].kind, "layer %d", l);
        cr_assert_eq(b->layers[l].units, a->layers[l].units, "layer %d", l);
        cr_assert_eq(b->layers[l].activation, a->layers[l].activation, "layer %d", l);
        cr_assert_eq(b->layers[l].init, a->layers[l].init, "layer %d", l);
        cr_assert_arr_eq(&b->layers[l].rate, &a->layers[l].rate, sizeof(float), "layer %d", l);
        cr_assert_arr_eq(&b->layers[l].alpha, &a->layers[l].alpha, sizeof(float), "layer %d", l);
    }
    cr_assert_eq(loaded.n_params, saved.n_params);
    cr_assert_arr_eq(loaded.params, saved.params, saved.n_params * sizeof(float),
                     "parameters must be bit-identical");

    mlpt_model_info want = fixture_info();
    cr_assert_eq(info.n_classes, 3);
    for (int c = 0; c < 3; c++)
        cr_assert_str_eq(info.classes[c], want.classes[c]);
    cr_assert_arr_eq(&info.scale, &want.scale, sizeof(float));
    cr_assert_eq(info.fingerprint, mlpt_model_fingerprint(&saved));
    cr_assert_str_eq(info.config_text, fixture_config);

    mlpt_model_info_free(&info);
    cr_assert_null(info.config_text);
    mlpt_model_free(&loaded);
    mlpt_model_free(&saved);
}

/* Normalization layers' tensors, named as Keras names its layers (the
 * k-th of a kind, as dense's), each [out]: gamma, beta and batchnorm's
 * moving averages, read back bit for bit with the layers' options. */
Test(modelfile, normalization_layers_round_trip)
{
    const char *path = scratch_path("norm.safetensors");
    mlpt_model_spec spec = {.input_rank = 2, .input_dims = {4, 3}, .n_layers = 5, .loss = SCCE};
    spec.layers[0] = layer("batchnorm momentum 0.123456789");
    spec.layers[1] = layer("dense 6 relu");
    spec.layers[2] = layer("layernorm epsilon 1e-5");
    spec.layers[3] = layer("batchnorm epsilon 0.01");
    spec.layers[4] = layer("dense 3 softmax");
    mlpt_model m, got;
    mlpt_model_info info = fixture_info(), got_info;
    mlpt_error err;
    cr_assert_eq(mlpt_model_create(&spec, &m, &err), 0, "%s", err.msg);
    mlpt_model_init_params(&m, 42);
    for (int l = 0; l < spec.n_layers; l++) /* every tensor its own values */
        if (!spec.layers[l].kind->kernel)
            for (size_t i = 0; i < m.geom[l].n_params; i++)
                m.params[m.geom[l].w_offset + i] = 0.1f * (float)l + 0.01f * (float)i;
    cr_assert_eq(mlpt_model_save(path, &m, &info, &err), 0, "%s", err.msg);

    json_t *h = header_json(path);
    const struct { const char *name; int width; } tensors[] = {
        {"batch_normalization_0.gamma", 12}, {"batch_normalization_0.beta", 12},
        {"batch_normalization_0.moving_mean", 12}, {"batch_normalization_0.moving_variance", 12},
        {"dense_0.kernel", 12}, {"layer_normalization_0.gamma", 6},
        {"layer_normalization_0.beta", 6}, {"batch_normalization_1.moving_variance", 6},
        {"dense_1.bias", 3}};
    for (size_t i = 0; i < ARRAY_LEN(tensors); i++) {
        json_t *shape = json_object_get(json_object_get(h, tensors[i].name), "shape");
        cr_assert(shape, "no tensor %s", tensors[i].name);
        cr_assert_eq(json_integer_value(json_array_get(shape, 0)), tensors[i].width, "%s",
                     tensors[i].name);
    }
    cr_assert_eq(json_object_size(h), 1 + 4 + 2 + 2 + 4 + 2, "the tensors and __metadata__");
    json_decref(h);

    cr_assert_eq(mlpt_model_load(path, &got, &got_info, &err), 0, "%s", err.msg);
    cr_assert_eq(got.n_params, m.n_params);
    cr_assert_arr_eq(got.params, m.params, m.n_params * sizeof(float));
    for (int l = 0; l < spec.n_layers; l++) {
        cr_assert_eq(got.spec.layers[l].kind, spec.layers[l].kind);
        cr_assert_arr_eq(&got.spec.layers[l].momentum, &spec.layers[l].momentum, sizeof(float));
        cr_assert_arr_eq(&got.spec.layers[l].epsilon, &spec.layers[l].epsilon, sizeof(float));
    }
    mlpt_model_info_free(&got_info);
    mlpt_model_free(&got);
    mlpt_model_free(&m);
}

Test(modelfile, dropout_rate_needing_nine_digits_round_trips)
{
    const char *path = scratch_path("m.safetensors");
    mlpt_model m = fixture_model();
    mlpt_model_info info = fixture_info(), got_info;
    mlpt_model got;
    mlpt_error err;
    m.spec.layers[1].rate = 0.123456789f;
    info.config_text = NULL;
    cr_assert_eq(mlpt_model_save(path, &m, &info, &err), 0, "%s", err.msg);
    cr_assert_eq(mlpt_model_load(path, &got, &got_info, &err), 0, "%s", err.msg);
    cr_assert_arr_eq(&got.spec.layers[1].rate, &m.spec.layers[1].rate, sizeof(float));
    cr_assert_str_eq(got_info.config_text, "", "no config is saved as an empty one");
    mlpt_model_info_free(&got_info);
    mlpt_model_free(&got);
    mlpt_model_free(&m);
}

/* An activation's parameter is written back exactly too; the line without
 * one (a file from before activations took any) reads as the default. */
Test(modelfile, activation_alpha_round_trips)
{
    const char *path = scratch_path("m.safetensors");
    mlpt_model m = fixture_model();
    mlpt_model_info info = fixture_info(), got_info;
    mlpt_model got;
    mlpt_error err;
    m.spec.layers[2].alpha = 0.123456789f;
    cr_assert_eq(mlpt_model_save(path, &m, &info, &err), 0, "%s", err.msg);
    cr_assert_eq(mlpt_model_load(path, &got, &got_info, &err), 0, "%s", err.msg);
    cr_assert_arr_eq(&got.spec.layers[2].alpha, &m.spec.layers[2].alpha, sizeof(float));
    mlpt_model_info_free(&got_info);
    mlpt_model_free(&got);
    mlpt_model_free(&m);
    cr_assert_eq(layer("dense 5 leaky_relu glorot_uniform").alpha, 0.2f);
}

/* A spec built in code, not parsed, has its alpha checked by the plan. */
Test(modelfile, plan_refuses_alpha_out_of_range)
{
    mlpt_model_spec spec = {.input_rank = 1, .input_dims = {4}, .n_layers = 2, .loss = SCCE};
    spec.layers[0] = layer("dense 5 leaky_relu");
    spec.layers[1] = layer("dense 3 softmax");
    spec.layers[0].alpha = 1.0f;
    mlpt_model m;
    mlpt_error err;
    cr_assert_eq(mlpt_model_plan(&spec, &m, &err), -1);
    cr_assert(strstr(err.msg, "leaky_relu alpha 1 is outside [0, 1)"), "%s", err.msg);
}

Test(modelfile, data_starts_8_byte_aligned)
{
    char *text = header_text(save_fixture("m.safetensors"));
    size_t n = strlen(text), json_len = strrchr(text, '}') - text + 1;
    cr_assert_eq((8 + n) % 8, 0, "8 + N = %zu", 8 + n);
    cr_assert_lt(n - json_len, 8, "at most 7 bytes of padding");
    for (size_t i = json_len; i < n; i++)
        cr_assert_eq(text[i], ' ', "padding is spaces");
    free(text);
}

/* What a minimal independent reader sees: N, JSON, metadata strings as
 * documented, and tensors whose offsets cover the data in layer order and
 * whose little-endian bytes are the parameters. */
Test(modelfile, layout_matches_safetensors)
{
    const char *path = save_fixture("m.safetensors");
    file_bytes b = read_all(path);
    uint64_t n = get_le64(b.p);
    json_error_t jerr;
    json_t *h = json_loadb((const char *)b.p + 8, (size_t)n, 0, &jerr);
    cr_assert(json_is_object(h), "%s", jerr.text);

    json_t *md = json_object_get(h, "__metadata__");
    cr_assert_str_eq(json_string_value(json_object_get(md, "format")), "mlptrain");
    cr_assert_str_eq(json_string_value(json_object_get(md, "input")), "4x3");
    cr_assert_str_eq(json_string_value(json_object_get(md, "layers")), fixture_layers);
    cr_assert_str_eq(json_string_value(json_object_get(md, "classes")),
                     "T-shirt/top\nAnkle boot\nBag");
    cr_assert_str_eq(json_string_value(json_object_get(md, "scale")), "127.5");
    cr_assert_str_eq(json_string_value(json_object_get(md, "config")), fixture_config);
    mlpt_model m = fixture_model();
    char fingerprint[17];
    snprintf(fingerprint, sizeof fingerprint, "%016llx",
             (unsigned long long)mlpt_model_fingerprint(&m));
    cr_assert_str_eq(json_string_value(json_object_get(md, "fingerprint")), fingerprint);
    cr_assert_eq(json_object_size(h), 1 + 6, "six tensors and the metadata");

    static const char *const names[] = {"dense_0.kernel", "dense_0.bias", "dense_1.kernel",
                                        "dense_1.bias", "dense_2.kernel", "dense_2.bias"};
    const int layer_of[] = {0, 0, 2, 2, 3, 3};
    json_int_t cursor = 0;
    for (int t = 0; t < 6; t++) {
        json_t *e = json_object_get(h, names[t]);
        cr_assert_str_eq(json_string_value(json_object_get(e, "dtype")), "F32");
        json_t *shape = json_object_get(e, "shape"), *offs = json_object_get(e, "data_offsets");
        const mlpt_layer_geom *g = &m.geom[layer_of[t]];
        int kernel = t % 2 == 0;
        cr_assert_eq(json_array_size(shape), kernel ? 2u : 1u, "%s", names[t]);
        if (kernel) {
            cr_assert_eq(json_integer_value(json_array_get(shape, 0)), (json_int_t)g->in);
            cr_assert_eq(json_integer_value(json_array_get(shape, 1)), (json_int_t)g->out);
        } else {
            cr_assert_eq(json_integer_value(json_array_get(shape, 0)), (json_int_t)g->out);
        }
        json_int_t begin = json_integer_value(json_array_get(offs, 0));
        json_int_t end = json_integer_value(json_array_get(offs, 1));
        cr_assert_eq(begin, cursor, "%s starts where the previous one ends", names[t]);
        const float *x = m.params + (kernel ? g->w_offset : g->b_offset);
        for (json_int_t i = 0; i < (end - begin) / 4; i++) {
            const unsigned char *p = b.p + 8 + n + begin + 4 * i;
            uint32_t bits = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
                            (uint32_t)p[3] << 24, want;
            memcpy(&want, &x[i], sizeof want);
            cr_assert_eq(bits, want, "%s element %lld", names[t], (long long)i);
        }
        cursor = end;
    }
    cr_assert_eq((uint64_t)cursor, b.len - 8 - n, "the tensors cover the data exactly");
    cr_assert_eq(cursor, (json_int_t)(m.n_params * sizeof(float)));
    json_decref(h);
    mlpt_model_free(&m);
    free(b.p);
}

/* ---- damage: the file and its header ---- */

Test(modelfile, rejects_missing_file)
{
    expect_load_failure(scratch_path("absent.safetensors"), "No such file or directory");
}

Test(modelfile, rejects_directory)
{
    expect_load_failure(scratch_dir(), "not a regular file");
}

Test(modelfile, rejects_truncated_file)
{
    file_bytes good = read_all(save_fixture("good.safetensors"));
    size_t n = (size_t)get_le64(good.p);
    const struct { size_t len; const char *phrase; } cuts[] = {
        {0, "0 bytes, shorter than the 8-byte header length"},
        {5, "5 bytes, shorter than the 8-byte header length"},
        {8 + n / 2, "header length"},
        {8 + n - 1, "header length"},
        {8 + n, "out of bounds: the data section holds 0 bytes"},
        {8 + n + 100, "out of bounds: the data section holds 100 bytes"},
        {good.len - 1, "tensor \"dense_2.bias\": data_offsets"},
    };
    for (size_t i = 0; i < ARRAY_LEN(cuts); i++) {
        const char *path = scratch_path("cut.safetensors");
        write_all(path, good.p, cuts[i].len);
        expect_load_failure(path, cuts[i].phrase);
    }
    free(good.p);
}

Test(modelfile, rejects_header_length_beyond_file)
{
    const char *path = save_fixture("m.safetensors");
    file_bytes b = read_all(path);
    put_le64(b.p, b.len - 8 + 1);
    write_all(path, b.p, b.len);
    expect_load_failure(path, "header length: ");
    expect_load_failure(path, "bytes, but only");
    free(b.p);
}

Test(modelfile, rejects_header_length_out_of_range)
{
    const char *path = save_fixture("m.safetensors");
    replace_header_declaring(path, "", 0);
    expect_load_failure(path, "header length: 0 is outside 1..104857600");
    /* 2^62 bytes: refused before any allocation is attempted. */
    replace_header_declaring(path, "{}", (uint64_t)1 << 62);
    expect_load_failure(path, "header length: 4611686018427387904 is outside");
}

Test(modelfile, rejects_header_not_json)
{
    const char *path = save_fixture("m.safetensors");
    replace_header(path, "{\"dense_0.kernel\": ");
    expect_load_failure(path, "header: not valid JSON");
}

Test(modelfile, rejects_header_not_an_object)
{
    const char *path = save_fixture("m.safetensors");
    replace_header(path, "[1, 2]");
    expect_load_failure(path, "header: expected a JSON object");
}

Test(modelfile, rejects_duplicate_key)
{
    const char *path = save_fixture("m.safetensors");
    char *text = header_text(path), *dup = malloc(strlen(text) + 32);
    cr_assert(dup);
    /* The first key again, in front: the second copy would silently win. */
    sprintf(dup, "{\"dense_0.bias\":{},%s", text + 1);
    replace_header(path, dup);
    expect_load_failure(path, "duplicate");
    free(dup);
    free(text);
}

/* ---- damage: the metadata ---- */

Test(modelfile, rejects_missing_metadata)
{
    const char *path = save_fixture("m.safetensors");
    edit_header(path, NULL, "__metadata__", NULL);
    expect_load_failure(path, "__metadata__: missing");
}

Test(modelfile, rejects_metadata_not_strings)
{
    const char *path = save_fixture("m.safetensors");
    edit_header(path, "__metadata__", "scale", json_integer(255));
    expect_load_failure(path, "__metadata__ \"scale\": expected a string, found 255");
    edit_header(path, NULL, "__metadata__", json_string("mlptrain"));
    expect_load_failure(path, "__metadata__: expected an object of strings");
}

Test(modelfile, rejects_missing_metadata_entry)
{
    const char *path = save_fixture("m.safetensors");
    edit_header(path, "__metadata__", "fingerprint", NULL);
    expect_load_failure(path, "__metadata__ \"fingerprint\": missing");
}

Test(modelfile, rejects_wrong_format)
{
    expect_meta_failure("format", "pytorch",
                        "__metadata__ \"format\": \"pytorch\": expected \"mlptrain\"");
}

Test(modelfile, rejects_bad_input)
{
    static const char *const inputs[] = {"", "4x0", "4xx3", "4x3x", "x12", "-12", "4 x3",
                                         "1x1x1x1x1x1x1x12", "2147483649"};
    expect_meta_failures("input", inputs, ARRAY_LEN(inputs));
}

Test(modelfile, rejects_bad_layers_line)
{
    static const struct { const char *layers, *phrase; } cases[] = {
        {"dense 6 relu he_uniform\ndropout 0.2\ndense 5\ndense 3 softmax he_uniform",
         "\"layers\" line 3: expected `dense UNITS ACTIVATION [ALPHA] [INITIALIZER]`, "
         "`dropout RATE`, `batchnorm [momentum M] [epsilon E]` or `layernorm [epsilon E]`"},
        {"batchnorm momentum 1\ndense 3 softmax",
         "\"layers\" line 1: momentum \"1\": expected a number in [0, 1)"},
        {"layernorm epsilon 0\ndense 3 softmax",
         "\"layers\" line 1: epsilon \"0\": expected a number in [1e-10, 1]"},
        {"batchnorm gamma 1\ndense 3 softmax", "\"layers\" line 1: \"gamma\": expected "
         "momentum or epsilon (`batchnorm [momentum M] [epsilon E]`)"},
        {"dense six relu he_uniform\ndropout 0.2\ndense 5 tanh glorot_uniform\n"
         "dense 3 softmax he_uniform", "\"layers\" line 1: units \"six\": expected an integer"},
        {"dense -6 relu he_uniform", "\"layers\" line 1: units \"-6\""},
        {"dense 0 relu he_uniform", "\"layers\" line 1: units \"0\""},
        {"dense 6 swish he_uniform", "\"layers\" line 1: activation \"swish\": expected one of"},
        {"dense 6 leaky_relu 1 he_uniform",
         "\"layers\" line 1: leaky_relu alpha \"1\": expected a number in [0, 1)"},
        {"dense 6 relu zeros", "\"layers\" line 1: initializer \"zeros\": expected one of"},
        {"dropout 0.2 0.3", "\"layers\" line 1: expected `dense"},
        {"dropout x", "\"layers\" line 1: rate \"x\": expected a number"},
        {"", "\"layers\" line 1: expected `dense"},
        {"dense 6 relu he_uniform\ndropout 0.2\ndense 5 tanh glorot_uniform\n"
         "dense 3 softmax he_uniform\n", "\"layers\" line 5: expected `dense"},
        {"dense 6 relu he_uniform\ndropout 1\ndense 5 tanh glorot_uniform\n"
         "dense 3 softmax he_uniform",
         "\"layers\" line 2: rate \"1\": expected a number in [0, 1)"},
        {"dense 1048577 relu he_uniform\ndense 3 softmax he_uniform",
         "\"layers\" line 1: units \"1048577\": expected an integer from 1 to 1048576"},
        {"dense\x1b[2J 6 relu", "\"layers\" line 1: expected `dense"},
        {"dense 6 relu\x1b[2J", "\"layers\" line 1: activation \"relu?[2J\""},
        /* Lines that parse, refused by mlpt_model_plan. */
        {"dense 6 relu he_uniform\ndense 3 relu he_uniform",
         "\"layers\": the last layer must have softmax activation"},
        {"dense 6 softmax he_uniform\ndense 3 softmax he_uniform",
         "\"layers\": layer 1: softmax is allowed only on the last layer"},
    };
    for (size_t i = 0; i < ARRAY_LEN(cases); i++)
        expect_meta_failure("layers", cases[i].layers, cases[i].phrase);
}

Test(modelfile, rejects_class_count_other_than_last_units)
{
    expect_meta_failure("classes", "a\nb",
                        "__metadata__ \"classes\": 2 class names, but the model's outputs tell 3 apart");
    expect_meta_failure("classes", "a\nb\nc\nd", "4 class names, but the model's outputs tell 3 apart");
}

Test(modelfile, rejects_bad_class_names)
{
    expect_meta_failure("classes", "a\n\nc",
                        "__metadata__ \"classes\" line 2: a class name needs 1 to 47 bytes, not 0");
    expect_meta_failure("classes", "a\nb\n", "\"classes\" line 3: a class name needs");
    expect_meta_failure("classes", "a\nb\nthis name is far too long to be a class name, really",
                        "\"classes\" line 3: a class name needs 1 to 47 bytes, not 52");
    expect_meta_failure("classes", "a\nb\x1b[2J\nc",
                        "\"classes\" line 2: a class name must not contain control characters");
}

Test(modelfile, rejects_bad_scale)
{
    static const char *const scales[] = {"", "0", "-255", "1e-31", "nan", "inf", "1e39",
                                         "255x", " 255"};
    expect_meta_failures("scale", scales, ARRAY_LEN(scales));
}

Test(modelfile, rejects_bad_fingerprint_field)
{
    static const char *const prints[] = {"", "xyz", "0123456789abcde", "0123456789abcdef0",
                                         "0123456789abcdeg", "-123456789abcdef"};
    expect_meta_failures("fingerprint", prints, ARRAY_LEN(prints));
}

/* ---- damage: the tensors ---- */

Test(modelfile, rejects_dtype_f16)
{
    expect_tensor_failure("dense_0.kernel", "dtype", json_string("F16"),
                          "tensor \"dense_0.kernel\": dtype \"F16\" is not supported");
    expect_tensor_failure("dense_1.bias", "dtype", NULL, "dtype nothing is not supported");
}

Test(modelfile, rejects_shape_mismatch)
{
    expect_tensor_failure("dense_0.kernel", "shape", json_pack("[i,i]", 12, 2),
                          "tensor \"dense_0.kernel\": shape [12, 2] does not match the layer "
                          "stack (expected [12, 6])");
    expect_tensor_failure("dense_0.kernel", "shape", json_pack("[f,i]", 12.0, 6),
                          "shape [12.0, 6] does not match");
    expect_tensor_failure("dense_0.kernel", "shape", json_pack("[i,i]", -12, 6),
                          "shape [-12, 6] does not match");
    expect_tensor_failure("dense_0.kernel", "shape", json_pack("[i]", 72), "shape [72] does not");
    expect_tensor_failure("dense_0.kernel", "shape", json_pack("[i,i,i]", 12, 6, 1),
                          "shape [12, 6, 1] does not");
    expect_tensor_failure("dense_2.bias", "shape", json_string("3"),
                          "tensor \"dense_2.bias\": shape \"3\" does not match the layer stack "
                          "(expected [3])");
}

Test(modelfile, rejects_overlapping_offsets)
{
    expect_tensor_failure("dense_0.bias", "data_offsets", json_pack("[i,i]", 0, 24),
                          "tensor \"dense_0.bias\": data_offsets begin at 0 and overlap another "
                          "tensor");
}

Test(modelfile, rejects_gap_between_tensors)
{
    expect_tensor_failure("dense_0.kernel", "data_offsets", json_pack("[i,i]", 4, 292),
                          "tensor \"dense_0.kernel\": data_offsets begin at 4 and leave a gap");
}

Test(modelfile, swapped_offsets_are_caught_by_the_fingerprint)
{
    /* Tensors may come in any order, but offsets that point at another
     * tensor's bytes read the wrong weights: the fingerprint tells. */
    const char *path = save_fixture("m.safetensors");
    edit_header(path, "dense_0.kernel", "data_offsets", json_pack("[i,i]", 24, 312));
    edit_header(path, "dense_0.bias", "data_offsets", json_pack("[i,i]", 0, 24));
    expect_load_failure(path, "fingerprint");
}

Test(modelfile, rejects_offsets_out_of_bounds)
{
    expect_tensor_failure("dense_2.bias", "data_offsets", json_pack("[i,i]", 512, 1024),
                          "tensor \"dense_2.bias\": data_offsets [512, 1024] are out of bounds: "
                          "the data section holds 524 bytes");
    expect_tensor_failure("dense_0.kernel", "data_offsets", json_pack("[I,I]", (json_int_t)0,
                          (json_int_t)1 << 62), "are out of bounds");
}

Test(modelfile, rejects_malformed_offsets)
{
    expect_tensor_failure("dense_0.kernel", "data_offsets", json_pack("[i,i]", 288, 0),
                          "data_offsets [288, 0]: begin is after end");
    expect_tensor_failure("dense_0.kernel", "data_offsets", json_pack("[i,i]", 0, 284),
                          "data_offsets [0, 284] hold 284 bytes, but shape [12, 6] of F32 "
                          "needs 288");
    expect_tensor_failure("dense_0.kernel", "data_offsets", json_pack("[i,i]", -4, 284),
                          "data_offsets [-4, 284]: expected two integers >= 0");
    expect_tensor_failure("dense_0.kernel", "data_offsets", json_pack("[f,f]", 0.0, 288.0),
                          "expected two integers >= 0");
    expect_tensor_failure("dense_0.kernel", "data_offsets", json_pack("[i,i,i]", 0, 288, 300),
                          "expected two integers >= 0");
    expect_tensor_failure("dense_0.kernel", "data_offsets", NULL,
                          "data_offsets nothing: expected two integers >= 0");
}

Test(modelfile, rejects_trailing_bytes)
{
    const char *path = save_fixture("m.safetensors");
    FILE *f = fopen(path, "ab");
    cr_assert(f);
    cr_assert_eq(fwrite("\0\0\0\0", 1, 4, f), 4);
    cr_assert_eq(fclose(f), 0);
    expect_load_failure(path, "data: 4 trailing bytes after the last tensor");
}

Test(modelfile, rejects_unknown_tensor)
{
    const char *path = save_fixture("m.safetensors");
    edit_header(path, NULL, "dense_3.kernel",
                json_pack("{s:s, s:[i], s:[i,i]}", "dtype", "F32", "shape", 0, "data_offsets",
                          524, 524));
    expect_load_failure(path, "tensor \"dense_3.kernel\": not part of the layer stack, whose "
                        "tensors are dense_0.kernel to dense_2.bias");
}

Test(modelfile, rejects_missing_tensor)
{
    const char *path = save_fixture("m.safetensors");
    edit_header(path, NULL, "dense_2.bias", NULL);
    expect_load_failure(path, "tensor \"dense_2.bias\": missing");
}

Test(modelfile, rejects_tensor_entry_not_an_object)
{
    const char *path = save_fixture("m.safetensors");
    edit_header(path, NULL, "dense_1.kernel", json_string("F32"));
    expect_load_failure(path, "tensor \"dense_1.kernel\": expected an object");
}

Test(modelfile, rejects_flipped_data_byte)
{
    const char *path = save_fixture("m.safetensors");
    file_bytes b = read_all(path);
    b.p[b.len - 7] ^= 0x01;
    write_all(path, b.p, b.len);
    expect_load_failure(path, "weights do not match the stored fingerprint: the file is damaged");
    free(b.p);
}

/* Names from the file are quoted without line breaks or escape sequences. */
Test(modelfile, quotes_hostile_names_safely)
{
    const char *path = save_fixture("m.safetensors");
    edit_header(path, NULL, "evil\n\x1b[2J", json_object());
    expect_load_failure(path, "tensor \"evil??[2J\": not part of the layer stack");
}

/* ---- the writer ---- */

Test(modelfile, save_into_missing_folder_fails_cleanly)
{
    const char *path = scratch_path("no-such-folder/m.safetensors");
    mlpt_model m = fixture_model();
    mlpt_model_info info = fixture_info();
    mlpt_error err = {0};
    cr_assert_eq(mlpt_model_save(path, &m, &info, &err), -1);
    cr_assert(strstr(err.msg, path), "message should name the file: %s", err.msg);
    cr_assert(strstr(err.msg, "No such file or directory"), "%s", err.msg);
    cr_assert_eq(scratch_count(NULL, 0), 0, "nothing may be left behind");
    mlpt_model_free(&m);
}

Test(modelfile, save_twice_leaves_one_valid_file)
{
    const char *path = save_fixture("m.safetensors");
    save_fixture("m.safetensors");
    char name[NAME_MAX + 1];
    cr_assert_eq(scratch_count(name, sizeof name), 1, "no temporary files may be left");
    cr_assert_str_eq(name, "m.safetensors");
    mlpt_model m;
    mlpt_model_info info;
    mlpt_error err;
    cr_assert_eq(mlpt_model_load(path, &m, &info, &err), 0, "%s", err.msg);
    mlpt_model_info_free(&info);
    mlpt_model_free(&m);
}

/* The writer refuses what the reader would refuse, before touching the
 * file: the good file already at path stays as it was. */
static void expect_save_failure(mlpt_model_info *info, const char *phrase)
{
    const char *path = save_fixture("m.safetensors");
    file_bytes before = read_all(path);
    mlpt_model m = fixture_model();
    mlpt_error err = {0};
    cr_assert_eq(mlpt_model_save(path, &m, info, &err), -1, "saving should fail (%s)", phrase);
    cr_assert_eq(strncmp(err.msg, path, strlen(path)), 0, "message should start with the path: %s",
                 err.msg);
    cr_assert(strstr(err.msg, phrase), "message should mention \"%s\": %s", phrase, err.msg);
    file_bytes after = read_all(path);
    cr_assert_eq(after.len, before.len);
    cr_assert_arr_eq(after.p, before.p, before.len, "the earlier file must be unchanged");
    cr_assert_eq(scratch_count(NULL, 0), 1, "no temporary files may be left");
    free(before.p);
    free(after.p);
    mlpt_model_free(&m);
}

Test(modelfile, save_refuses_classes_the_reader_would_refuse)
{
    mlpt_model_info info = fixture_info();
    info.n_classes = 2;
    expect_save_failure(&info, "\"classes\": 2 classes: the model's outputs tell 3 apart");
    info = fixture_info();
    strcpy(info.classes[1], "two\nlines");
    expect_save_failure(&info,
                        "__metadata__ \"classes\" line 2: a class name must be a single line");
    info = fixture_info();
    info.classes[2][0] = '\0';
    expect_save_failure(&info, "\"classes\" line 3: a class name needs 1 to 47 bytes");
    info = fixture_info();
    strcpy(info.classes[0], "tab\there");
    expect_save_failure(&info, "\"classes\" line 1: a class name must not contain control");
    info = fixture_info();
    info.n_classes = MLPT_MAX_CLASSES + 1;
    expect_save_failure(&info, "257 classes: the model's outputs tell 3 apart");
}

Test(modelfile, save_refuses_bad_scale_and_config)
{
    mlpt_model_info info = fixture_info();
    info.scale = 0.0f;
    expect_save_failure(&info, "__metadata__ \"scale\": \"0\": expected a number >= 1e-30");
    info = fixture_info();
    info.config_text = "caf\xe9"; /* Latin-1: JSON strings are UTF-8 */
    expect_save_failure(&info, "__metadata__ \"config\": not valid UTF-8");
}

/* ---- what a table model keeps: its columns and its normalization ---- */

/* The fixture (12 inputs) as a model of a table: 10 numbers and a one-hot
 * column of 2 words, normalized. */
static const char *save_table_fixture(const char *name, float *shift, float *factor)
{
    static char col_names[11][8], *levels[] = {"blue", "red"};
    mlpt_table_column cols[11];
    for (int c = 0; c < 10; c++) {
        snprintf(col_names[c], sizeof col_names[c], "x%d", c);
        cols[c] = (mlpt_table_column){.name = col_names[c]};
    }
    cols[10] = (mlpt_table_column){.name = "colour", .n_levels = 2, .levels = levels};
    for (int i = 0; i < 12; i++) {
        shift[i] = i < 10 ? 0.1f * (float)i - 0.3f : 0.0f;
        factor[i] = i < 10 ? 1.0f / (float)(i + 3) : 1.0f;
    }
    const char *path = scratch_path(name);
    mlpt_model m = fixture_model();
    mlpt_model_info info = fixture_info();
    info.table = (mlpt_table_schema){.delimiter = ';', .targets = (char *[]){"kind"}, .n_targets = 1, .n_columns = 11,
                                     .columns = cols};
    info.normalize = MLPT_NORMALIZE_STANDARD;
    info.shift = shift;
    info.factor = factor;
    mlpt_error err;
    cr_assert_eq(mlpt_model_save(path, &m, &info, &err), 0, "%s", err.msg);
    mlpt_model_free(&m);
    return path;
}

Test(modelfile, table_and_normalization_round_trip)
{
    float shift[12], factor[12];
    const char *path = save_table_fixture("t.safetensors", shift, factor);
    mlpt_model m;
    mlpt_model_info info;
    mlpt_error err;
    cr_assert_eq(mlpt_model_load(path, &m, &info, &err), 0, "%s", err.msg);
    cr_assert_eq(info.table.delimiter, ';');
    cr_assert_eq(info.table.n_targets, 1);
    cr_assert_str_eq(info.table.targets[0], "kind");
    cr_assert_eq(info.table.n_columns, 11);
    cr_assert_str_eq(info.table.columns[3].name, "x3");
    cr_assert_eq(info.table.columns[10].n_levels, 2);
    cr_assert_str_eq(info.table.columns[10].levels[1], "red");
    cr_assert_eq(info.normalize, MLPT_NORMALIZE_STANDARD);
    cr_assert_arr_eq(info.shift, shift, sizeof shift, "float32 values round-trip exactly");
    cr_assert_arr_eq(info.factor, factor, sizeof factor);
    mlpt_model_info_free(&info);
    mlpt_model_free(&m);
    /* a model of arrays has neither */
    path = save_fixture("m.safetensors");
    cr_assert_eq(mlpt_model_load(path, &m, &info, &err), 0, "%s", err.msg);
    cr_assert_eq(info.table.delimiter, '\0');
    cr_assert_eq(info.normalize, MLPT_NORMALIZE_NONE);
    cr_assert_null(info.shift);
    mlpt_model_info_free(&info);
    mlpt_model_free(&m);
}

Test(modelfile, rejects_bad_table_and_normalization)
{
    static const char *const tables[] = {
        "not json", "[]", "{\"target\": \"k\", \"delimiter\": \",\"}",
        "{\"target\": \"k\", \"delimiter\": \"|\", \"columns\": [{\"name\": \"a\"}]}",
        "{\"target\": \"\", \"delimiter\": \",\", \"columns\": [{\"name\": \"a\"}]}",
        "{\"target\": \"k\", \"delimiter\": \",\", \"columns\": [{\"name\": \"a\", \"x\": 1}]}",
        "{\"target\": \"k\", \"delimiter\": \",\", \"columns\": "
        "[{\"name\": \"a\", \"one_hot\": [\"b\", \"a\"]}]}", /* not sorted */
        "{\"target\": \"k\", \"delimiter\": \",\", \"columns\": [{\"name\": \"a\"}]}", /* 1 != 12 */
    };
    expect_meta_failures("table", tables, ARRAY_LEN(tables));
    static const char *const norms[] = {
        "{\"method\": \"none\", \"shift\": [], \"factor\": []}",
        "{\"method\": \"standard\", \"shift\": [1], \"factor\": [1]}",
        "{\"method\": \"minmax\", \"shift\": [0,0,0,0,0,0,0,0,0,0,0,0], "
        "\"factor\": [1,1,1,1,1,1,1,1,1,1,1,0]}",
        "{\"method\": \"minmax\", \"shift\": [0,0,0,0,0,0,0,0,0,0,0,1e39], "
        "\"factor\": [1,1,1,1,1,1,1,1,1,1,1,1]}",
    };
    expect_meta_failures("normalization", norms, ARRAY_LEN(norms));
    expect_meta_failure("table", "{\"target\": \"k\", \"delimiter\": \",\", \"columns\": "
                        "[{\"name\": \"a\"}]}", "its columns make 1 input values, but the model "
                        "takes 12");
}

/* Every task's model reads back with its loss (and parameter) and classes:
 * a regression model has none, a single sigmoid two. */
Test(modelfile, every_task_round_trips_its_loss_and_classes)
{
    const struct {
        const char *last, *loss;
        float param;
        int n_classes;
    } cases[] = {{"dense 2 linear", "huber", 0.25f, 0},
                 {"dense 1 linear", "mean_absolute_error", 0.0f, 0},
                 {"dense 1 sigmoid", "binary_crossentropy", 0.0f, 2},
                 {"dense 3 sigmoid", "binary_crossentropy", 0.0f, 0}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        mlpt_model_spec spec = {.input_rank = 1, .input_dims = {4}, .n_layers = 2,
                                .loss = loss_named(cases[i].loss),
                                .loss_param = cases[i].param};
        spec.layers[0] = layer("dense 5 tanh");
        spec.layers[1] = layer(cases[i].last);
        mlpt_model m, back;
        mlpt_model_info info = {.n_classes = cases[i].n_classes, .classes = {"no", "yes"},
                                .scale = 1.0f}, read;
        mlpt_error err;
        cr_assert_eq(mlpt_model_create(&spec, &m, &err), 0, "%s", err.msg);
        mlpt_model_init_params(&m, 7);
        const char *path = scratch_path("task.safetensors");
        cr_assert_eq(mlpt_model_save(path, &m, &info, &err), 0, "%s: %s", cases[i].loss, err.msg);
        cr_assert_eq(mlpt_model_load(path, &back, &read, &err), 0, "%s: %s", cases[i].loss,
                     err.msg);
        cr_assert_eq(back.spec.loss, spec.loss, "%s", cases[i].loss);
        cr_assert_eq(back.spec.loss_param, cases[i].param, "%s", cases[i].loss);
        cr_assert_eq(read.n_classes, cases[i].n_classes, "%s", cases[i].loss);
        cr_assert_eq(mlpt_model_fingerprint(&back), mlpt_model_fingerprint(&m));
        info.n_classes = cases[i].n_classes ? 0 : 2; /* the reader's count, or refused */
        cr_assert_eq(mlpt_model_save(path, &m, &info, &err), -1, "%s", cases[i].loss);
        mlpt_model_free(&m);
        mlpt_model_free(&back);
        mlpt_model_info_free(&read);
    }
    expect_meta_failure("loss", "huber -1", "\"huber -1\": expected a loss");
}

/* A weight that is not finite, or a negative moving variance, is refused
 * naming the tensor and the element, even in a file whose fingerprint
 * matches (as a writer of its own would make it). */
Test(modelfile, refuses_values_that_are_not_weights)
{
    mlpt_model m = fixture_model();
    mlpt_model_info info = fixture_info(), read;
    mlpt_model back;
    mlpt_error err;
    const char *path = scratch_path("nan.safetensors");
    m.params[m.geom[0].w_offset + 5] = nanf("");
    cr_assert_eq(mlpt_model_save(path, &m, &info, &err), 0, "%s", err.msg);
    cr_assert_eq(mlpt_model_load(path, &back, &read, &err), -1);
    cr_assert(strstr(err.msg, "\"dense_0.kernel\": element 5 is nan: expected a finite number"),
              "%s", err.msg);
    mlpt_model_free(&m);

    mlpt_model_spec spec = {.input_rank = 1, .input_dims = {4}, .n_layers = 2, .loss = SCCE};
    spec.layers[0] = layer("batchnorm");
    spec.layers[1] = layer("dense 3 softmax");
    cr_assert_eq(mlpt_model_create(&spec, &m, &err), 0, "%s", err.msg);
    mlpt_model_init_params(&m, 1);
    m.params[m.geom[0].w_offset + 3 * 4 + 2] = -0.5f; /* gamma, beta, mean, then variance */
    cr_assert_eq(mlpt_model_save(path, &m, &info, &err), 0, "%s", err.msg);
    cr_assert_eq(mlpt_model_load(path, &back, &read, &err), -1);
    cr_assert(strstr(err.msg, ".moving_variance\": element 2 is -0.5: expected a finite number "
                              ">= 0"), "%s", err.msg);
    mlpt_model_free(&m);
}
