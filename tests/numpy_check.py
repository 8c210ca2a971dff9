#!/usr/bin/python3
"""numpy_check.py MODEL INPUTS PREDICTIONS_JSONL N

Recomputes mlptrain's predictions for the first N inputs with NumPy alone:
the weights come from the safetensors file MODEL (parsed here, not with
mlptrain), the layer stack, input scale, normalization and (for a model
trained on a CSV table) the input columns and one-hot words from its
__metadata__. INPUTS is an IDX image file, or a CSV file for a table model
(read here with the csv module, its columns by name). Compares
them with PREDICTIONS_JSONL, mlptrain's output: one JSON object per image,
in order, with "index", "predicted" (class index) and "probabilities".

Exit status 0 when every predicted class is identical and every probability
agrees within 1e-5; 1 when something differs or an input is malformed;
2 on wrong usage.
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


def read_predictions(path, count, n_classes):
    """(predicted classes, probabilities) from the first count lines."""
    predicted, probabilities = [], []
    with open(path) as f:
        for i, line in enumerate(f):
            if i == count:
                break
            row = json.loads(line)
            require(row.get("index") == i, f"{path}: line {i + 1}: index is not {i}")
            require(type(row.get("predicted")) is int, f"{path}: line {i + 1}: no predicted class")
            require(len(row.get("probabilities", ())) == n_classes,
                    f"{path}: line {i + 1}: expected {n_classes} probabilities")
            predicted.append(row["predicted"])
            probabilities.append(row["probabilities"])
    require(len(predicted) == count, f"{path}: {len(predicted)} predictions, expected {count}")
    return np.array(predicted), np.array(probabilities, dtype=np.float64)


def check(model_path, images_path, predictions_path, count):
    meta, layers, width = load_model(model_path)
    if "table" in meta:
        x = read_table(images_path, count, meta)
    else:
        x = read_images(images_path, count, width, float(meta["scale"]))
    x = normalize(x, meta)
    for layer in layers:
        x = layer(x)
    predicted, probabilities = read_predictions(predictions_path, count, x.shape[1])

    expected = x.argmax(axis=1)
    dp = np.abs(probabilities - x)
    wrong_class = np.flatnonzero(predicted != expected)
    wrong_prob = np.flatnonzero(~(dp <= TOLERANCE).all(axis=1))  # NaN counts as wrong
    max_dp = dp.max()
    if wrong_class.size == 0 and wrong_prob.size == 0:
        print(f"numpy_check: {count} images, predictions identical, max |dp| {max_dp:.2g}")
        return True
    for i in wrong_class[:MAX_SHOWN]:
        print(f"image {i}: mlptrain predicts class {predicted[i]}, numpy {expected[i]}")
    for i in wrong_prob[:MAX_SHOWN]:
        j = int(np.nan_to_num(dp[i], nan=np.inf).argmax())
        print(f"image {i}: class {j} probability: mlptrain {probabilities[i, j]:.9g}, "
              f"numpy {x[i, j]:.9g}")
    print(f"numpy_check: {count} images, {wrong_class.size} with another predicted class, "
          f"{wrong_prob.size} with probabilities off by more than {TOLERANCE:g}, "
          f"max |dp| {max_dp:.2g}")
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
