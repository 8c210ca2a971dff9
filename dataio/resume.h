/* dataio/resume.h - what a resumed run must agree on with its checkpoint
 * (dataio/run.c). */
#ifndef MLPT_DATAIO_RESUME_H
#define MLPT_DATAIO_RESUME_H

#include "mlpt/checkpoint.h"
#include "mlpt/config.h"
#include "mlpt/data.h"
#include "mlpt/error.h"

/* "section.key=value" lines of every setting that shapes the trained
 * weights: all but train.epochs, train.shards and the [run] and [report]
 * sections (thread and shard counts never change the bits). The caller
 * frees the text. */
char *resume_settings(const mlpt_config *cfg);

/* Fails, naming each key that differs between a checkpoint's settings and
 * the current ones, with both values. Values are compared word by word,
 * and numbers by value: `1e-3` and `0.001`, `255` and `255.0` are the same
 * setting. */
int resume_compare(const char *checkpoint, const char *saved, const char *now,
                   mlpt_error *err);

/* Fails, naming the file, when the training inputs or targets, as loaded
 * into data, are not the bytes checkpoint c was trained on. */
int resume_check_data(const char *checkpoint, const mlpt_checkpoint *c, const mlpt_data *data,
                      mlpt_error *err);

#endif
