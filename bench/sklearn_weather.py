#!/usr/bin/python3
"""bench/sklearn_weather.py: configs/weather.ini trained by mlptrain and by
scikit-learn's MLPClassifier on exactly the same rows, and both test
accuracies printed.

    bench/sklearn_weather.py [--mlptrain build/mlptrain] [--out runs/weather-sklearn]

mlptrain trains the config into OUT and writes OUT/split.csv (each row of
the training file and where its test_split put it); this script reads the
same CSV with the csv module, takes the rows split.csv marks train and test
(it re-implements no split), fits StandardScaler on the training rows, and
trains MLPClassifier with the config's hidden layer, Adam settings, batch
size and epochs. Needs python3-sklearn.
"""
import argparse
import csv
import os
import re
import subprocess
import sys


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mlptrain", default="build/mlptrain")
    ap.add_argument("--config", default="configs/weather.ini")
    ap.add_argument("--out", default="runs/weather-sklearn")
    args = ap.parse_args()
    try:
        import numpy as np
        from sklearn.neural_network import MLPClassifier
        from sklearn.preprocessing import StandardScaler
    except ImportError:
        print("sklearn_weather: needs python3-sklearn (apt-get install python3-sklearn)",
              file=sys.stderr)
        return 2

    run = subprocess.run([args.mlptrain, args.config, "--quiet", "--overwrite", "--out",
                          args.out], capture_output=True, text=True, check=True)
    ours = re.search(r"test accuracy: ([0-9.]+)", run.stdout).group(1)

    # the config's settings: the layers are its `layer = ` lines in order
    text = open(args.config).read()
    layers = re.findall(r"^layer\s*=\s*dense\s+(\d+)\s+(\w+)", text, re.M)
    get = lambda key, default: (re.findall(rf"^{key}\s*=\s*(\S+)", text, re.M) or [default])[0]
    train_csv, target = get("train", None), get("target", None)
    inputs = re.search(r"^inputs\s*=\s*([^;#\n]+)", text, re.M).group(1).split()
    batch, epochs = int(get("batch", 32)), int(get("epochs", 10))
    rate = float(get("learning_rate", 0.001))

    with open(train_csv, newline="") as f:
        rows = list(csv.DictReader(f))
    with open(os.path.join(args.out, "split.csv"), newline="") as f:
        split = [r["split"] for r in csv.DictReader(f)]
    assert len(split) == len(rows), "split.csv is of another file"
    x = np.array([[float(r[c]) for c in inputs] for r in rows])
    y = np.array([r[target] for r in rows])
    train = np.array([s != "test" for s in split])
    scaler = StandardScaler().fit(x[train])
    clf = MLPClassifier(hidden_layer_sizes=tuple(int(u) for u, _ in layers[:-1]),
                        activation=layers[0][1], solver="adam", batch_size=batch,
                        learning_rate_init=rate, max_iter=epochs, random_state=0,
                        n_iter_no_change=epochs + 1, tol=0)
    clf.fit(scaler.transform(x[train]), y[train])
    theirs = clf.score(scaler.transform(x[~train]), y[~train])
    print(f"{int(train.sum())} training rows, {int((~train).sum())} test rows "
          f"(OUT/split.csv of {args.out})")
    print(f"mlptrain      test accuracy: {float(ours):.4f}")
    print(f"scikit-learn  test accuracy: {theirs:.4f}  (MLPClassifier{clf.hidden_layer_sizes}, "
          f"adam, batch {batch}, {epochs} epochs, random_state=0)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
