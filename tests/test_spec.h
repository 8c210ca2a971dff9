/* tests/test_spec.h - model specs for tests, written as configs write
 * them: layer("dense 32 relu") parses its line with the one layer grammar,
 * and the loss is looked up by name. */
#ifndef MLPT_TEST_SPEC_H
#define MLPT_TEST_SPEC_H

#include <criterion/criterion.h>

#include "mlpt/model.h"

static inline mlpt_layer_spec layer(const char *text)
{
    mlpt_layer_spec l;
    mlpt_why why;
    cr_assert_eq(mlpt_layer_parse(text, &l, &why), 0, "%s: %s", text, why.msg);
    return l;
}

static inline const mlpt_loss_ops *loss_named(const char *name)
{
    const mlpt_loss_ops *loss = mlpt_loss_named(name);
    cr_assert(loss, "no loss %s", name);
    return loss;
}

#define SCCE loss_named("sparse_categorical_crossentropy")

#endif
