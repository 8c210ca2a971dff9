#!/usr/bin/python3
"""numpy_check.py MODEL INPUTS PREDICTIONS_JSONL N

Recomputes mlptrain's predictions for the first N inputs with NumPy alone:
the weights come from the safetensors file MODEL (parsed here, not with
mlptrain), the layer stack, input scale, normalization, task and (for a
model trained on a CSV table) the input and target columns and one-hot
words from its __metadata__. INPUTS is an IDX image file, or a CSV file for
a table model (read here with the csv module, its columns by name; target
columns may be there or not). Compares them with PREDICTIONS_JSONL,
mlptrain predict --json's output: one JSON object per sample, in order,
with "index" and, by the model's "task":

  multiclass   "predicted" (class index), "class", "probabilities" (the
               softmax, one per class)
  binary       the same for the two classes: the sigmoid's p is the second
               class's probability, 1 - p the first's, and the class is the
               second when p > 0.5
  multi-label  "probabilities" (a sigmoid per label), "predicted" (the
               indices of those > 0.5) and "labels" (their target columns)
  regression   "values" (one per target column)

Exit status 0 when every predicted class and label is identical and every
probability agrees within 1e-5 (every value within 1e-5 of max(1, |value|));
1 when something differs or an input is malformed; 2 on wrong usage.
"""
import gzip
import json
import struct
import sys

import numpy as np
from math import erf

TOLERANCE = 1e-5
MAX_SHOWN = 10  # differences printed before "..."


class CheckError(Exception):
    pass


def require(condition, message):
    if not condition:
        raise CheckError(message)


def softmax(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


SELU_ALPHA, SELU_SCALE = 1.67326324, 1.05070098  # Keras's
vector_erf = np.vectorize(erf)

# Each takes z and the layer's alpha (None for those without one).
ACTIVATIONS = {
    "linear": lambda z, alpha: z,
    "relu": lambda z, alpha: np.maximum(z, 0.0),
    "sigmoid": lambda z, alpha: 1.0 / (1.0 + np.exp(-z)),
    "tanh": lambda z, alpha: np.tanh(z),
    "leaky_relu": lambda z, alpha: np.where(z < 0, alpha * z, z),
    "elu": lambda z, alpha: np.where(z > 0, z, np.expm1(z)),
    "selu": lambda z, alpha: SELU_SCALE * np.where(z > 0, z, SELU_ALPHA * np.expm1(z)),
    "softplus": lambda z, alpha: np.logaddexp(0.0, z),
    "silu": lambda z, alpha: z / (1.0 + np.exp(-z)),
    "gelu": lambda z, alpha: 0.5 * z * (1.0 + vector_erf(z / np.sqrt(2.0))),
    "softmax": lambda z, alpha: softmax(z),
}


TAKE_ALPHA = ("leaky_relu",)  # the model file writes their alpha, always


def activation_of(words):
    """(name, alpha) of a dense line's words: `dense N NAME [ALPHA] INIT`."""
    return words[2], float(words[3]) if words[2] in TAKE_ALPHA else None


def keras_name(words):
    """The tensors' prefix of a layer line's kind: Keras's layer name."""
    return {"dense": "dense", "batchnorm": "batch_normalization",
            "layernorm": "layer_normalization"}.get(words[0])


def option(words, name):
    """The value after `name` in a layer line (its format writes every one)."""
    return float(words[words.index(name) + 1])


def normalized(x, mean, variance, epsilon, gamma, beta):
    return (x - mean) / np.sqrt(variance + epsilon) * gamma + beta


def layer_function(words, tensor):
    """The inference function of a layer line, given its tensors by name."""
    if words[0] == "dense":
        kernel, bias = tensor("kernel"), tensor("bias")
        activation, alpha = activation_of(words)
        return lambda x: ACTIVATIONS[activation](x @ kernel + bias, alpha)
    if words[0] == "batchnorm":  # the moving averages
        args = (tensor("moving_mean"), tensor("moving_variance"), option(words, "epsilon"),
                tensor("gamma"), tensor("beta"))
        return lambda x: normalized(x, *args)
    if words[0] == "layernorm":  # each sample over its features
        eps, gamma, beta = option(words, "epsilon"), tensor("gamma"), tensor("beta")
        return lambda x: normalized(x, x.mean(axis=1, keepdims=True),
                                    x.var(axis=1, keepdims=True), eps, gamma, beta)
    return lambda x: x  # dropout is the identity at inference


def load_model(path):
    """Returns (metadata, [the function of each layer], input width)."""
    with open(path, "rb") as f:
        blob = f.read()
    require(len(blob) >= 8, f"{path}: too short for a safetensors file")
    (n,) = struct.unpack("<Q", blob[:8])
    require(8 + n <= len(blob), f"{path}: header length {n} exceeds the file")
    header = json.loads(blob[8 : 8 + n])
    meta = header.get("__metadata__", {})
    require(meta.get("format") == "mlptrain", f"{path}: not an mlptrain model")

    def tensor(name):
        entry = header.get(name)
        require(entry is not None, f"{path}: no tensor {name}")
        require(entry["dtype"] == "F32", f"{path}: {name} is {entry['dtype']}, not F32")
        begin, end = entry["data_offsets"]
        values = np.frombuffer(blob, dtype="<f4", count=(end - begin) // 4, offset=8 + n + begin)
        return values.reshape(entry["shape"]).astype(np.float64)

    layers, seen = [], {}
    for line in meta["layers"].split("\n"):
        words = line.split()
        name = keras_name(words)
        k = seen[name] = seen.get(name, -1) + 1
        layers.append(layer_function(words, lambda t: tensor(f"{name}_{k}.{t}")))
    width = int(np.prod([int(d) for d in meta["input"].split("x")]))
    return meta, layers, width


def read_images(path, count, width, scale):
    """The first count images of an IDX file (raw or gzip), flattened, / scale."""
    with open(path, "rb") as f:
        raw = f.read()
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    require(raw[:3] == b"\0\0\x08", f"{path}: not an unsigned-byte IDX file")
    rank = raw[3]
    require(rank >= 2, f"{path}: rank {rank}, not a set of images")
    dims = struct.unpack(f">{rank}I", raw[4 : 4 + 4 * rank])
    require(int(np.prod(dims[1:])) == width,
            f"{path}: images of {'x'.join(map(str, dims[1:]))} pixels, the model takes {width}")
    require(count <= dims[0], f"{path}: {dims[0]} images, fewer than {count}")
    pixels = np.frombuffer(raw, dtype=np.uint8, count=count * width, offset=4 + 4 * rank)
    return pixels.reshape(count, width).astype(np.float64) / scale


def read_table(path, count, meta):
    """The first count rows of a CSV file as the model's "table" entry says:
    its columns by name, a number each or one 0/1 value per one-hot word."""
    import csv
    table = json.loads(meta["table"])
    delimiter = {"tab": "\t"}.get(table["delimiter"], table["delimiter"])
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f, delimiter=delimiter))[:count]
    require(len(rows) == count, f"{path}: {len(rows)} rows, fewer than {count}")
    x = []
    for row in rows:
        values = []
        for col in table["columns"]:
            if "one_hot" in col:
                values += [1.0 if row[col["name"]] == w else 0.0 for w in col["one_hot"]]
            else:
                values.append(float(row[col["name"]]))
        x.append(values)
    return np.array(x, dtype=np.float64) / float(meta["scale"])


def normalize(x, meta):
    """(x - shift) * factor, as the model file's "normalization" entry says."""
    if "normalization" not in meta:
        return x
    n = json.loads(meta["normalization"])
    return (x - np.array(n["shift"])) * np.array(n["factor"])


def read_predictions(path, count):
    """The first count JSON objects of path, checking their indices."""
    rows = []
    with open(path) as f:
        for i, line in enumerate(f):
            if i == count:
                break
            row = json.loads(line)
            require(row.get("index") == i, f"{path}: line {i + 1}: index is not {i}")
            rows.append(row)
    require(len(rows) == count, f"{path}: {len(rows)} predictions, expected {count}")
    return rows


def numbers(rows, key, width, path):
    """Each row's list `key` of width numbers, as a count x width array."""
    for i, row in enumerate(rows):
        require(len(row.get(key, ())) == width, f"{path}: line {i + 1}: expected {width} {key}")
    return np.array([row[key] for row in rows], dtype=np.float64).reshape(len(rows), width)


def target_names(meta, width):
    """The target columns' names, or "output K" for a model trained on arrays."""
    if "table" in meta:
        names = json.loads(meta["table"])["targets"]
        if len(names) == width:
            return names
    return [f"output {k}" for k in range(width)]


def class_outputs(meta, y):
    """(expected classes, class probabilities) of a label task's outputs y."""
    if meta.get("task") == "binary":
        return (y[:, 0] > 0.5).astype(int), np.hstack([1.0 - y, y])
    return y.argmax(axis=1), y


def compare(meta, y, rows, path):
    """The differences between NumPy's outputs y and predict's rows, as
    (lines to print, |difference| of every number, the tolerance)."""
    task = meta.get("task", "multiclass")  # files of before the tasks had none
    problems = []
    if task == "regression":
        got = numbers(rows, "values", y.shape[1], path)
        dv = np.abs(got - y)
        tolerance = TOLERANCE * np.maximum(1.0, np.abs(y))
        for i in np.flatnonzero(~(dv <= tolerance).all(axis=1)):  # NaN counts as wrong
            j = int(np.nan_to_num(dv[i], nan=np.inf).argmax())
            problems.append(f"sample {i}: value {j}: mlptrain {got[i, j]:.9g}, numpy {y[i, j]:.9g}")
        return problems, dv
    if task == "multi-label":
        names = target_names(meta, y.shape[1])
        for i, row in enumerate(rows):
            on = [int(k) for k in np.flatnonzero(y[i] > 0.5)]
            if row.get("predicted") != on or row.get("labels") != [names[k] for k in on]:
                problems.append(f"sample {i}: mlptrain has labels {row.get('predicted')} "
                                f"{row.get('labels')} on, numpy {on}")
        expected = y
    else:
        classes = meta["classes"].split("\n")
        best, expected = class_outputs(meta, y)
        for i, row in enumerate(rows):
            require(type(row.get("predicted")) is int, f"{path}: line {i + 1}: no predicted class")
            if row["predicted"] != best[i] or row.get("class") != classes[best[i]]:
                problems.append(f"sample {i}: mlptrain predicts class {row['predicted']} "
                                f"({row.get('class')}), numpy {best[i]} ({classes[best[i]]})")
    got = numbers(rows, "probabilities", expected.shape[1], path)
    dp = np.abs(got - expected)
    for i in np.flatnonzero(~(dp <= TOLERANCE).all(axis=1)):  # NaN counts as wrong
        j = int(np.nan_to_num(dp[i], nan=np.inf).argmax())
        problems.append(f"sample {i}: probability {j}: mlptrain {got[i, j]:.9g}, "
                        f"numpy {expected[i, j]:.9g}")
    return problems, dp


def check(model_path, inputs_path, predictions_path, count):
    meta, layers, width = load_model(model_path)
    if "table" in meta:
        x = read_table(inputs_path, count, meta)
    else:
        x = read_images(inputs_path, count, width, float(meta["scale"]))
    x = normalize(x, meta)
    for layer in layers:  # the last one's activation: softmax, sigmoid or linear
        x = layer(x)
    rows = read_predictions(predictions_path, count)
    problems, diff = compare(meta, x, rows, predictions_path)
    task = meta.get("task", "multiclass")
    if not problems:
        print(f"numpy_check: {count} samples of a {task} model, predictions identical, "
              f"max difference {diff.max():.2g}")
        return True
    for line in problems[:MAX_SHOWN]:
        print(line)
    if len(problems) > MAX_SHOWN:
        print("...")
    print(f"numpy_check: {count} samples of a {task} model, {len(problems)} differences, "
          f"max difference {np.nan_to_num(diff, nan=np.inf).max():.2g}")
    return False


def main(argv):
    if len(argv) != 5 or not argv[4].isdigit() or int(argv[4]) < 1:
        print(__doc__.split("\n\n")[0], file=sys.stderr)
        return 2
    try:
        return 0 if check(argv[1], argv[2], argv[3], int(argv[4])) else 1
    except (CheckError, OSError, ValueError, KeyError, IndexError, TypeError) as e:
        print(f"numpy_check: error: {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
