/* mlpt/modelfile.h - a trained model as a safetensors file.
 *
 * safetensors: an 8-byte little-endian header length N, N bytes of JSON,
 * then the tensors' bytes. mlptrain writes one F32 (little-endian) tensor
 * pair per dense layer, in layer order:
 *   "dense_<k>.kernel"  shape [in, out]  (Keras's layout: y = x @ kernel + bias)
 *   "dense_<k>.bias"    shape [out]
 * with k counting dense layers from 0, and string entries in "__metadata__":
 *   format       "mlptrain"
 *   version      mlptrain's version
 *   input        the input shape, e.g. "28x28"
 *   layers       the layer stack as the config writes it, one layer per line,
 *                e.g. "dense 128 relu glorot_uniform\ndropout 0.2\ndense 10 softmax glorot_uniform"
 *   classes      the class names, one per line (empty for a value task)
 *   loss         the loss as the config writes it, e.g. "huber 1.5"
 *   task         multiclass, binary, multi-label or regression (what the
 *                loss and the outputs' width make it; for readers)
 *   scale        the input divisor, e.g. "255"
 *   fingerprint  mlpt_model_fingerprint as 16 hex digits
 *   config       the config text the model was trained from
 * and, only when there is one:
 *   table        (a model trained on a CSV table) JSON text: {"targets": [NAME, ...],
 *                "delimiter": ",", "columns": [{"name": NAME}, {"name": NAME,
 *                "one_hot": [WORD, ...]}, ...]}: the input columns in input
 *                order; a one-hot column is one 0/1 input per word (sorted)
 *   normalization  JSON text: {"method": "standard" or "minmax", "shift":
 *                [...], "factor": [...]}, one number per input value (each
 *                a float32): the first layer takes (x / scale - shift) *
 *                factor
 * so PyTorch and NumPy users can load the weights, and mlptrain can rebuild
 * the model from the file alone. */
#ifndef MLPT_MODELFILE_H
#define MLPT_MODELFILE_H

#include <stdint.h>

#include "mlpt/config.h"
#include "mlpt/error.h"
#include "mlpt/model.h"
#include "mlpt/table.h"

#ifdef __cplusplus
extern "C" {
#endif

/* What a model file holds besides the weights. */
typedef struct mlpt_model_info {
    int n_classes;
    char classes[MLPT_MAX_CLASSES][MLPT_CLASS_NAME_LEN];
    float scale;
    uint64_t fingerprint;   /* as stored (load) or computed (save ignores it) */
    char *config_text;      /* save: may be NULL; load: owned, free with mlpt_model_info_free */
    mlpt_table_schema table; /* delimiter '\0' when not trained on a table; load: owned */
    mlpt_normalize normalize;
    float *shift, *factor;  /* input width each when normalize is set; load: owned */
} mlpt_model_info;

/* Writes m and info to path atomically (temporary file, fsync, rename): a
 * failure leaves any earlier file at path as it was. */
int mlpt_model_save(const char *path, const mlpt_model *m, const mlpt_model_info *info,
                    mlpt_error *err);

/* Reads path, rebuilds the model (allocating params) and info, and checks
 * everything a damaged or hostile file could lie about: header length
 * against the file size, valid JSON without duplicate keys, every tensor's
 * dtype F32, shape against the layer stack, offsets in bounds and the
 * tensors (in any order, as other writers may sort them) covering the data
 * exactly without gaps or overlaps, the metadata's layer stack and
 * classes valid, and the fingerprint equal to the weights'. Errors name the
 * file and the field. On failure nothing is left allocated. */
int mlpt_model_load(const char *path, mlpt_model *m, mlpt_model_info *info, mlpt_error *err);

/* Frees what mlpt_model_load allocated (config_text, table, shift, factor:
 * not what the caller set for mlpt_model_save) and sets it to NULL; safe
 * on a zeroed struct. The model itself goes to mlpt_model_free. */
void mlpt_model_info_free(mlpt_model_info *info);

#ifdef __cplusplus
}
#endif
#endif
