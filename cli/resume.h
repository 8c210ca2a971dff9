/* cli/resume.h - what a resumed run must agree on with its checkpoint. */
#ifndef MLPT_CLI_RESUME_H
#define MLPT_CLI_RESUME_H

#include "mlpt/config.h"
#include "mlpt/error.h"

/* "section.key=value" lines of every setting that shapes the trained
 * weights: all but train.epochs, train.shards and the [run] and [report]
 * sections (thread and shard counts never change the bits). The caller
 * frees the text. */
char *resume_settings(const mlpt_config *cfg);

/* Fails, naming each key that differs between a checkpoint's settings and
 * the current ones, with both values. */
int resume_compare(const char *checkpoint, const char *saved, const char *now,
                   mlpt_error *err);

#endif
