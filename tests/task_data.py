#!/usr/bin/python3
"""tests/task_data.py DIR: data and configs for the tests of every task,
made here rather than fetched: DIR/x.npy (N x 20 float32 inputs) with
DIR/binary.npy (N float32 0/1), DIR/multilabel.npy (N x 3 uint8 0/1) and
DIR/regression.npy (N x 2 float32), each a function of the inputs plus
noise a model can learn, and DIR/{binary,multilabel,regression}.ini
training each with test_split 0.1. Seeded: the same files every time."""
import os
import sys

import numpy as np

N, D = 40000, 20


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    rng = np.random.default_rng(2026)
    x = rng.standard_normal((N, D)).astype(np.float32)
    w = rng.standard_normal((D, 6)).astype(np.float32) / np.sqrt(D)
    z = x @ w
    noise = 0.3 * rng.standard_normal((N, 6)).astype(np.float32)
    np.save(f"{out}/x.npy", x)
    np.save(f"{out}/binary.npy", (z[:, 0] + noise[:, 0] > 0).astype(np.float32))
    np.save(f"{out}/multilabel.npy", (z[:, 1:4] + noise[:, 1:4] > 0.2).astype(np.uint8))
    reg = np.stack([3 * z[:, 4] + np.sin(2 * x[:, 0]), z[:, 5] * z[:, 4]], axis=1)
    np.save(f"{out}/regression.npy", (reg + noise[:, 4:6]).astype(np.float32))
    tasks = {
        "binary": ("dense 1 sigmoid", "binary_crossentropy", "accuracy auc precision recall",
                   "classes = no yes\n"),
        "multilabel": ("dense 3 sigmoid", "binary_crossentropy", "binary_accuracy auc", ""),
        "regression": ("dense 2 linear", "huber 1.5", "mae rmse r2", ""),
    }
    for name, (last, loss, metrics, classes) in tasks.items():
        with open(f"{out}/{name}.ini", "w") as f:
            f.write(f"""[data]
train_inputs  = {out}/x.npy
train_targets = {out}/{name}.npy
test_split    = 0.1
{classes}
[model]
input = {D}
layer = dense 32 relu
layer = dropout 0.1
layer = {last}

[train]
loss    = {loss}
metrics = {metrics}
batch   = 32
epochs  = 2
seed    = 3

[run]
out = {out}/run-{name}
""")


if __name__ == "__main__":
    main()
