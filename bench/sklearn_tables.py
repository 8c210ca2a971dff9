#!/usr/bin/python3
"""bench/sklearn_tables.py: a table config trained by mlptrain and by
scikit-learn's MLPClassifier or MLPRegressor on exactly the same rows, with
both models' test metrics printed side by side.

    bench/sklearn_tables.py CONFIG [--mlptrain build/mlptrain] [--out DIR]

    bench/sklearn_tables.py configs/weather.ini       # multiclass
    bench/sklearn_tables.py configs/vote.ini          # binary
    bench/sklearn_tables.py configs/temperature.ini   # regression

mlptrain trains the config into OUT and writes OUT/split.csv (each row of
the training file and where its test_split put it); this script reads the
same CSV with the csv module, takes the rows split.csv marks train and test
(it re-implements no split), one-hot encodes the config's one_hot columns
(sorted words, as mlptrain), fits StandardScaler on the training rows when
the config normalizes, and trains scikit-learn's MLP with the config's
hidden layers, Adam settings, batch size and epochs (early stopping off).
Needs python3-sklearn.
"""
import argparse
import csv
import os
import re
import subprocess
import sys


def setting(text, key, default=None):
    """The config's `key = value` (quotes and comments removed)."""
    m = re.search(rf"^{key}\s*=\s*([^;#\n]*)", text, re.M)
    if not m:
        return default
    return m.group(1).strip()


def words(value):
    return [w.strip("\"") for w in value.split()] if value else []


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("config")
    ap.add_argument("--mlptrain", default="build/mlptrain")
    ap.add_argument("--out", default=None)
    args = ap.parse_args()
    try:
        import numpy as np
        from sklearn import metrics
        from sklearn.neural_network import MLPClassifier, MLPRegressor
        from sklearn.preprocessing import StandardScaler
    except ImportError:
        print("sklearn_tables: needs python3-sklearn (apt-get install python3-sklearn)",
              file=sys.stderr)
        return 2
    name = os.path.splitext(os.path.basename(args.config))[0]
    out = args.out or f"runs/{name}-sklearn"
    run = subprocess.run([args.mlptrain, args.config, "--quiet", "--overwrite", "--out", out,
                          "--set", "report.figures=none"], capture_output=True, text=True)
    if run.returncode != 0:
        print(run.stdout + run.stderr, file=sys.stderr)
        return 1
    ours = dict(re.findall(r"^test (\w+): ([0-9.eE+-]+)", run.stdout, re.M))

    text = open(args.config).read()
    layers = re.findall(r"^layer\s*=\s*dense\s+(\d+)\s+(\w+)", text, re.M)
    delimiter = {"tab": "\t", ";": ";"}.get(setting(text, "delimiter", ","), ",")
    targets = words(setting(text, "target"))
    one_hot = set(words(setting(text, "one_hot")))
    loss = setting(text, "loss", "sparse_categorical_crossentropy").split()[0]
    regression = loss in ("mean_squared_error", "mean_absolute_error", "huber")
    batch, epochs = int(setting(text, "batch", 32)), int(setting(text, "epochs", 10))
    rate = float(setting(text, "learning_rate", 0.001))

    with open(setting(text, "train"), newline="") as f:
        reader = csv.DictReader(f, delimiter=delimiter)
        rows = list(reader)
        header = reader.fieldnames
    inputs = words(setting(text, "inputs")) or [c for c in header if c not in targets]
    with open(os.path.join(out, "split.csv"), newline="") as f:
        split = [r["split"] for r in csv.DictReader(f)]
    assert len(split) == len(rows), "split.csv is of another file"

    train = np.array([s != "test" for s in split])
    columns = []
    for c in inputs:  # one-hot columns: one 0/1 column per sorted word of the training rows
        if c in one_hot:
            levels = sorted({r[c] for r, t in zip(rows, train) if t}, key=lambda w: w.encode())
            columns += [[float(r[c] == w) for r in rows] for w in levels]
        else:
            columns.append([float(r[c]) for r in rows])
    x = np.array(columns).T
    if setting(text, "normalize", "none") == "standard":
        x = StandardScaler().fit(x[train]).transform(x)
    if regression:
        y = np.array([[float(r[t]) for t in targets] for r in rows])
    else:  # class names as they are: words, or numbers as text
        y = np.array([r[targets[0]] for r in rows])
    hidden = tuple(int(u) for u, _ in layers[:-1])
    common = dict(hidden_layer_sizes=hidden, activation=layers[0][1], solver="adam",
                  batch_size=batch, learning_rate_init=rate, max_iter=epochs, random_state=0,
                  n_iter_no_change=epochs + 1, tol=0)
    if regression:
        model = MLPRegressor(**common).fit(x[train], y[train].ravel() if y.shape[1] == 1
                                           else y[train])
        p = model.predict(x[~train]).reshape(-1, y.shape[1])
        theirs = {"mae": metrics.mean_absolute_error(y[~train], p),
                  "mse": metrics.mean_squared_error(y[~train], p),
                  "rmse": metrics.mean_squared_error(y[~train], p) ** 0.5,
                  "r2": metrics.r2_score(y[~train], p)}
        kind = "MLPRegressor"
    else:
        model = MLPClassifier(**common).fit(x[train], y[train])
        p = model.predict(x[~train])
        theirs = {"accuracy": metrics.accuracy_score(y[~train], p)}
        if len(model.classes_) == 2:
            score = model.predict_proba(x[~train])[:, 1]
            positive = model.classes_[1]
            theirs.update(auc=metrics.roc_auc_score(y[~train] == positive, score),
                          precision=metrics.precision_score(y[~train], p, pos_label=positive),
                          recall=metrics.recall_score(y[~train], p, pos_label=positive))
        kind = "MLPClassifier"
    print(f"{args.config}: {int(train.sum())} training rows, {int((~train).sum())} test rows "
          f"(the rows of {out}/split.csv)")
    shown = [m for m in ours if m in theirs]
    print(f"{'':14}" + "".join(f"{'test ' + m:>16}" for m in shown))
    print(f"{'mlptrain':14}" + "".join(f"{float(ours[m]):16.4f}" for m in shown))
    print(f"{'scikit-learn':14}" + "".join(f"{theirs[m]:16.4f}" for m in shown))
    print(f"scikit-learn: {kind}(hidden_layer_sizes={hidden}, activation={layers[0][1]}, "
          f"adam, learning_rate_init={rate}, batch_size={batch}, max_iter={epochs}, "
          f"random_state=0)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
