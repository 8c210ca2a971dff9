#!/usr/bin/env bash
# Every task end to end: binary, multi-label and regression on arrays made
# by tests/task_data.py reach their metric floors with one fingerprint at
# 1, 2 and 3 threads; the shipped configs/vote.ini (binary) and
# configs/temperature.ini (regression) on Debian's tables reach theirs;
# history.csv and the test lines carry each task's metrics; a multi-label
# CSV with several target columns trains; and every mismatch of last
# layer, loss and targets is an error naming the config line. Run from
# the repository root with mlptrain as $1.
source "$(dirname "$0")/script_lib.sh"

/usr/bin/python3 tests/task_data.py "$tmp/d"

# metric NAME LOG: the value of `test NAME: V` in a run's output.
metric() { sed -n "s/^test $1: \([0-9.-]*\).*/\1/p" "$2"; }
# at_least NAME VALUE FLOOR
at_least() {
    check "$1 $2 >= $3" awk -v a="$2" -v f="$3" 'BEGIN { exit !(a != "" && a >= f) }'
}

# ---- generated tasks: floors, and one fingerprint at any thread count ----
# floors a little under what was measured (binary auc 0.9830, multi-label
# auc 0.9570, regression r2 0.8999)
declare -A floor=([binary]="auc 0.97" [multilabel]="auc 0.94" [regression]="r2 0.88")
for task in binary multilabel regression; do
    for t in 1 2 3; do
        "$bin" "$tmp/d/$task.ini" --threads "$t" --out "$tmp/$task$t" --quiet \
            --set report.figures=none >"$tmp/$task$t.log" 2>&1
    done
    check "$task: trains" grep -q '^weights fingerprint' "$tmp/${task}1.log"
    for t in 2 3; do
        check "$task: 1 and $t threads, one fingerprint" \
            test "$(fingerprint <"$tmp/${task}1.log")" = "$(fingerprint <"$tmp/$task$t.log")"
    done
    read -r name value <<<"${floor[$task]}"
    at_least "$task test $name" "$(metric "$name" "$tmp/${task}1.log")" "$value"
done
check "binary: history.csv has each metric, training and validation" \
    test "$(head -1 "$tmp/binary1/history.csv")" = \
    "epoch,loss,accuracy,auc,precision,recall,val_loss,val_accuracy,val_auc,val_precision,val_recall,lr,seconds,samples_per_s"
check "regression: the test lines" grep -q '^test rmse: [0-9.]*$' "$tmp/regression1.log"
check "multi-label: the test lines" grep -q '^test binary_accuracy: [0-9.]*$' \
    "$tmp/multilabel1.log"

# ---- the shipped table configs (measured: vote accuracy 0.9048, auc 0.9781;
# temperature r2 0.8171, mae 2.4687; scikit-learn on the same rows:
# bench/sklearn_tables.py) ----
for c in vote temperature; do
    for t in 1 2; do
        "$bin" configs/$c.ini --threads "$t" --out "$tmp/$c$t" --quiet >"$tmp/$c$t.log" 2>&1
    done
    check "$c: 1 and 2 threads, one fingerprint" test -n "$(fingerprint <"$tmp/${c}1.log")" -a \
        "$(fingerprint <"$tmp/${c}1.log")" = "$(fingerprint <"$tmp/${c}2.log")"
done
at_least "vote test auc" "$(metric auc "$tmp/vote1.log")" 0.96
at_least "vote test accuracy" "$(metric accuracy "$tmp/vote1.log")" 0.88
at_least "temperature test r2" "$(metric r2 "$tmp/temperature1.log")" 0.80
check "vote draws roc.png" test -s "$tmp/vote1/roc.png"
check "temperature draws regression.png" test -s "$tmp/temperature1/regression.png"
check "no confusion matrix for a regression" test ! -e "$tmp/temperature1/confusion.png"

# ---- multi-label from a CSV's target columns ----
/usr/bin/python3 - "$tmp/labels.csv" <<'PY'
import random, sys
random.seed(5)
with open(sys.argv[1], "w") as f:
    f.write("x,y,red,round\n")
    for _ in range(600):
        x, y = random.random(), random.random()
        f.write(f"{x:.4f},{y:.4f},{int(x > 0.5)},{int(x * x + y * y < 0.5)}\n")
PY
cat >"$tmp/labels.ini" <<INI
[data]
train      = $tmp/labels.csv
target     = red round
test_split = 0.2
[model]
input = 2
layer = dense 16 relu
layer = dense 2 sigmoid
[train]
loss    = binary_crossentropy
epochs  = 40
[report]
figures = labels
INI
expect multilabel-csv 0 'test auc: 0\.9' -- "$tmp/labels.ini" --out "$tmp/lab" --quiet
check "multi-label draws labels.png" test -s "$tmp/lab/labels.png"

# ---- what does not fit: the line of the layer, the loss or the targets ----
sed 's/^layer = dense 1 linear/layer = dense 10 softmax/; /^loss/d; /^metrics/d' \
    configs/temperature.ini >"$tmp/softmax.ini"
expect softmax-on-numbers 1 "softmax\.ini:18: \[model\] layer = dense 10 softmax: a multiclass model \(loss sparse_categorical_crossentropy\) takes class labels, but column 'temp_max' of .*seattle-weather\.csv holds 12\.8 at line 2" \
    -- "$tmp/softmax.ini" --out "$tmp/x"
sed 's/^layer = dense 2 linear/layer = dense 2 softmax/; s/^loss .*/loss = sparse_categorical_crossentropy/; /^metrics/d' \
    "$tmp/d/regression.ini" >"$tmp/npysoftmax.ini"
expect softmax-on-npy-numbers 1 "npysoftmax\.ini:[0-9]+: \[model\] layer = dense 2 softmax: a multiclass model .*regression\.npy holds -?[0-9.]+ at index 0" \
    -- "$tmp/npysoftmax.ini" --out "$tmp/x"
sed 's/^layer = dense 5 softmax/layer = dense 1 sigmoid/; s/^\[train\]/[train]\nloss = binary_crossentropy/' \
    configs/weather.ini >"$tmp/sigmoid.ini"
expect five-classes-one-sigmoid 1 "sigmoid\.ini:17: \[model\] layer = dense 1 sigmoid: the last layer tells 2 classes apart \(binary\), but classes = auto found 5 classes .*\(drizzle fog rain snow sun\).*dense 5 softmax" \
    -- "$tmp/sigmoid.ini" --out "$tmp/x"
sed 's/^layer = dense 2 linear/layer = dense 3 linear/' "$tmp/d/regression.ini" >"$tmp/wide.ini"
expect outputs-differ-from-targets 1 "wide\.ini:[0-9]+: \[model\] layer = dense 3 linear: the last layer has 3 outputs, but .*regression\.npy holds 2 target values per sample" \
    -- "$tmp/wide.ini" --out "$tmp/x"
sed 's/^target .*/target = weather/; s/^inputs .*/inputs = temp_min precipitation wind/; /^one_hot/d; s/^input = 8/input = 3/' \
    configs/temperature.ini >"$tmp/words.ini"
expect regression-on-words 1 "seattle-weather\.csv:2: column 6 \(weather\): 'drizzle' is not a number" \
    -- "$tmp/words.ini" --out "$tmp/x"
sed "s|multilabel.npy|regression.npy|; s/^layer = dense 3 sigmoid/layer = dense 2 sigmoid/" \
    "$tmp/d/multilabel.ini" >"$tmp/notprob.ini"
expect multilabel-not-0-1 1 "notprob\.ini:[0-9]+: \[model\] layer = dense 2 sigmoid: a multi-label model \(loss binary_crossentropy\) takes targets from 0 to 1, but .*regression\.npy holds" \
    -- "$tmp/notprob.ini" --out "$tmp/x"
sed 's/^metrics .*/metrics = accuracy/' configs/temperature.ini >"$tmp/acc.ini"
expect metric-of-another-task 1 "acc\.ini:22: \[train\] metrics = accuracy: accuracy does not apply to a regression model; its metrics are mae, mse, rmse, r2" \
    -- "$tmp/acc.ini" --out "$tmp/x"
sed 's/^loss .*/loss = binary_crossentropy/' configs/temperature.ini >"$tmp/bce.ini"
expect loss-of-another-layer 1 "bce\.ini:18: \[model\] layer = dense 1 linear: the last layer must be .dense N sigmoid.: the loss is binary_crossentropy" \
    -- "$tmp/bce.ini" --out "$tmp/x"

finish
