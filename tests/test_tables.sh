#!/usr/bin/env bash
# Tables and arrays as training data, end to end: configs/weather.ini (a CSV
# table with word classes, a stratified test split and standardized inputs)
# reaches its accuracy floor with the same fingerprint for 1, 2 and 3
# threads, writes split.csv, and resumes exactly; predict reads CSV rows by
# column name (and writes --csv), NumPy alone reproduces it from the model
# file (normalization and one-hot words included), and .npz arrays predict
# as their IDX twins; bad tables fail naming the file, line and column or
# the config line. A regression, a binary and a multi-label model predict
# (text, --csv, --json) as NumPy does, with or without their target
# columns, and evaluate refuses a config of another task or target width.
# Run from the repository root with mlptrain as $1.
source "$(dirname "$0")/script_lib.sh"

# ---- configs/weather.ini: accuracy floor, thread-count independence ----
weather=/usr/lib/python3/dist-packages/vega_datasets/_data/seattle-weather.csv
# measured 0.6553 (192 of 293); scikit-learn's MLPClassifier on the same
# rows: 0.6621 (bench/sklearn_tables.py configs/weather.ini)
floor=0.64
for t in 1 2 3; do
    "$bin" configs/weather.ini --threads "$t" --out "$tmp/w$t" --quiet >"$tmp/w$t.log" 2>&1
    check "weather trains at $t threads" grep -q '^weights fingerprint' "$tmp/w$t.log"
done
acc=$(sed -n 's/^test accuracy: \([0-9.]*\) .*/\1/p' "$tmp/w1.log")
check "weather test accuracy $acc >= $floor" awk -v a="$acc" -v f="$floor" \
    'BEGIN { exit !(a != "" && a >= f) }'
check "weather: 1 and 2 threads, one fingerprint" \
    test "$(fingerprint <"$tmp/w1.log")" = "$(fingerprint <"$tmp/w2.log")"
check "weather: 1 and 3 threads, one fingerprint" \
    test "$(fingerprint <"$tmp/w1.log")" = "$(fingerprint <"$tmp/w3.log")"
check "weather prints its classes" grep -q '^classes    drizzle fog rain snow sun (auto' \
    "$tmp/w1.log"
check "split.csv: every row, 293 held out" test "$(grep -c ',test$' "$tmp/w1/split.csv")" \
    -eq 293 -a "$(wc -l <"$tmp/w1/split.csv")" -eq 1462

# ---- predict on CSV rows, by column name; NumPy from the model file alone ----
model=$tmp/w1/model.safetensors
# the columns in another order, the target left out
python3 -c '
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
w = csv.writer(open(sys.argv[2], "w", newline=""))
w.writerow(["wind", "temp_min", "date", "precipitation", "temp_max"])
for r in rows: w.writerow([r["wind"], r["temp_min"], r["date"], r["precipitation"], r["temp_max"]])
' "$weather" "$tmp/shuffled.csv"
"$bin" predict "$model" "$weather" --json >"$tmp/w.jsonl"
check "numpy applies the normalization as predict does" /usr/bin/python3 tests/numpy_check.py \
    "$model" "$weather" "$tmp/w.jsonl" 1461
"$bin" predict "$model" "$tmp/shuffled.csv" --json >"$tmp/s.jsonl"
check "columns in any order predict the same" \
    test "$(sed 's/"input":"[^"]*"//' "$tmp/w.jsonl")" = "$(sed 's/"input":"[^"]*"//' "$tmp/s.jsonl")"
expect predict-csv-out 0 'seattle-weather\.csv:0 +[a-z]+ \(' -- \
    predict "$model" "$weather:0-2" --csv "$tmp/p.csv"
check "--csv: a header and a row per sample" test "$(head -1 "$tmp/p.csv")" = \
    "input,index,predicted,drizzle,fog,rain,snow,sun" -a "$(wc -l <"$tmp/p.csv")" -eq 4
cut -d, -f1-4 "$weather" >"$tmp/nowind.csv"
expect predict-csv-missing-column 1 'nowind\.csv: no column .wind. \(its columns: date precipitation temp_max temp_min\)' \
    -- predict "$model" "$tmp/nowind.csv"
expect evaluate-weather 0 "test accuracy: $acc" -- evaluate "$model" configs/weather.ini \
    --out "$tmp/ev"

# ---- one-hot words: NumPy encodes them from the model file too ----
python3 - "$tmp/colours.csv" <<'PY'
import random, sys
random.seed(1)
with open(sys.argv[1], "w") as f:
    f.write("x,colour,kind\n")
    for i in range(300):
        c, x = random.choice(["red", "green", "blue"]), random.random()
        kind = "warm" if (c == "red") != (x > 0.8) else "cold"
        f.write(f"{x:.4f},{c},{kind}\n")
PY
cat >"$tmp/colours.ini" <<INI
[data]
train      = $tmp/colours.csv
target     = kind
one_hot    = colour
test_split = 0.2
normalize  = minmax
classes    = auto
[model]
input = 4
layer = dense 8 relu
layer = dense 2 softmax
[train]
epochs = 5
[report]
figures = none
INI
expect one-hot-trains 0 'weights fingerprint' -- "$tmp/colours.ini" --out "$tmp/c" --quiet
"$bin" predict "$tmp/c/model.safetensors" "$tmp/colours.csv" --json >"$tmp/c.jsonl"
check "numpy encodes the one-hot words as predict does" /usr/bin/python3 tests/numpy_check.py \
    "$tmp/c/model.safetensors" "$tmp/colours.csv" "$tmp/c.jsonl" 300
printf 'x,colour\n0.5,purple\n' >"$tmp/purple.csv"
expect predict-unknown-word 1 "purple\.csv:2: column 2 \(colour\): 'purple' is not among the training split's values \(blue green red\)" \
    -- predict "$tmp/c/model.safetensors" "$tmp/purple.csv"

# ---- resume: exact on a table, refused on another table at that path ----
cp "$weather" "$tmp/copy.csv"
sed "s|^train *=.*|train = $tmp/copy.csv|; s|^epochs *=.*|epochs = 4|" configs/weather.ini \
    >"$tmp/four.ini"
"$bin" "$tmp/four.ini" --out "$tmp/r4" --quiet >"$tmp/r4.log" 2>&1
"$bin" "$tmp/four.ini" --out "$tmp/r2" --epochs 2 --quiet >/dev/null 2>&1
"$bin" "$tmp/four.ini" --out "$tmp/r2" --resume --quiet >"$tmp/r2.log" 2>&1
check "a table run resumed ends as one never stopped" \
    test -n "$(fingerprint <"$tmp/r4.log")" -a "$(fingerprint <"$tmp/r4.log")" = "$(fingerprint <"$tmp/r2.log")"
"$bin" "$tmp/four.ini" --out "$tmp/r3" --epochs 2 --quiet >/dev/null 2>&1
sed -i '2s/0\.0/0.1/' "$tmp/copy.csv"
expect resume-other-table 1 "copy\.csv is not the data it was trained on" -- \
    "$tmp/four.ini" --out "$tmp/r3" --resume --epochs 3

# ---- bad tables: the file, line and column, or the config line ----
sed 's/^target *=.*/target = kind/' configs/weather.ini >"$tmp/nokind.ini"
expect table-no-column 1 "nokind\.ini:8: \[data\] target = kind: .*seattle-weather\.csv has no column 'kind' \(its columns: date precipitation temp_max temp_min wind weather\)" \
    -- "$tmp/nokind.ini" --out "$tmp/x"
sed '5s/,4\.7,/,NA,/' "$weather" >"$tmp/na.csv"
sed "s|^train *=.*|train = $tmp/na.csv|" configs/weather.ini >"$tmp/na.ini"
expect table-na-cell 1 "na\.csv:5: column 5 \(wind\): 'NA' is not a number" -- \
    "$tmp/na.ini" --out "$tmp/x"
sed "s|^train *=.*|train = $tmp/none.csv|" configs/weather.ini >"$tmp/none.ini"
expect table-missing-file 1 'none\.ini:7: \[data\] train = .*none\.csv: no such file' -- \
    "$tmp/none.ini" --out "$tmp/x"

# ---- NumPy arrays as predict inputs: an .npz array predicts as its IDX twin ----
"$bin" configs/tiny.ini --out "$tmp/tiny" --quiet >/dev/null 2>&1
"$bin" predict "$tmp/tiny/model.safetensors" data/mnist/t10k-images-idx3-ubyte:0-9 --json \
    | sed 's/"input":"[^"]*"//' >"$tmp/idx.jsonl"
"$bin" predict "$tmp/tiny/model.safetensors" data/mnist/mnist.npz:x_test:0-9 --json \
    | sed 's/"input":"[^"]*"//' >"$tmp/npz.jsonl"
check "npz rows predict as the IDX rows" test -s "$tmp/idx.jsonl" -a \
    "$(cat "$tmp/idx.jsonl")" = "$(cat "$tmp/npz.jsonl")"
expect predict-npz-range 1 'index 10000 is beyond its 10000 samples' -- \
    predict "$tmp/tiny/model.safetensors" data/mnist/mnist.npz:x_test:10000


# ---- every task: predict as text, --csv and --json, checked by NumPy; evaluate ----
# regression: two target columns of the weather table, named in every output
cat >"$tmp/reg.ini" <<INI
[data]
train      = $weather
target     = temp_max temp_min
inputs     = precipitation wind weather
one_hot    = weather
test_split = 0.2
normalize  = standard
[model]
input = 7
layer = dense 16 relu
layer = dense 2 linear
[train]
loss   = huber 1.5
epochs = 5
[report]
figures = none
INI
expect reg-trains 0 'test mae: ' -- "$tmp/reg.ini" --out "$tmp/reg" --quiet
reg=$tmp/reg/model.safetensors
expect predict-reg-header 0 '^input +temp_max +temp_min$' -- predict "$reg" "$weather:0-1"
expect predict-reg-row 0 'seattle-weather\.csv:1 +-?[0-9.]+ +-?[0-9.]+$' -- \
    predict "$reg" "$weather:0-1"
"$bin" predict "$reg" "$weather" --json --csv "$tmp/reg.csv" >"$tmp/reg.jsonl"
check "numpy applies a regression model as predict does" /usr/bin/python3 tests/numpy_check.py \
    "$reg" "$weather" "$tmp/reg.jsonl" 1461
check "regression --csv: the target columns, a row per sample" test \
    "$(head -1 "$tmp/reg.csv")" = "input,index,temp_max,temp_min" -a "$(wc -l <"$tmp/reg.csv")" -eq 1462
check "regression --json: two values a row" grep -q '^{"input":"[^"]*","index":0,"values":\[[-0-9.e]*,[-0-9.e]*\]}$' \
    "$tmp/reg.jsonl"
# the target columns left out of the CSV: the same values
cut -d, -f2,5,6 "$weather" >"$tmp/no-targets.csv"
"$bin" predict "$reg" "$tmp/no-targets.csv" --json >"$tmp/no-targets.jsonl"
check "a CSV without its target columns predicts the same values" test -s "$tmp/reg.jsonl" -a \
    "$(sed 's/"input":"[^"]*"//' "$tmp/reg.jsonl")" = "$(sed 's/"input":"[^"]*"//' "$tmp/no-targets.jsonl")"
cut -d, -f2,6 "$weather" >"$tmp/no-wind.csv"
expect predict-reg-missing-column 1 'no-wind\.csv: no column .wind. \(its columns: precipitation weather\)' \
    -- predict "$reg" "$tmp/no-wind.csv"
sed '4s/^\([^,]*\),[^,]*,/\1,calm,/' "$tmp/no-targets.csv" >"$tmp/calm.csv"
expect predict-reg-bad-cell 1 "calm\.csv:4: column 2 \(wind\): 'calm' is not a number" -- \
    predict "$reg" "$tmp/calm.csv"
expect predict-reg-top 1 '--top ranks classes, but .*reg/model\.safetensors is a regression model: it has none' \
    -- predict "$reg" "$weather:0" --top 1
expect evaluate-reg 0 'test mae: [0-9.]+' -- evaluate "$reg" "$tmp/reg.ini" --out "$tmp/reg-ev"
sed 's/^target .*/target = temp_max/; s/^layer = dense 2 linear/layer = dense 1 linear/' \
    "$tmp/reg.ini" >"$tmp/reg1.ini"
expect evaluate-reg-width 1 "reg/model\.safetensors predicts 2 values per sample \(temp_max temp_min\), but the targets of .*reg1\.ini are 1 value per sample \(.*reg1\.ini:3: \[data\] target = temp_max\)" \
    -- evaluate "$reg" "$tmp/reg1.ini" --out "$tmp/reg1-ev"

# binary: a single sigmoid over two classes (statsmodels' 1996 election survey)
anes=/usr/lib/python3/dist-packages/statsmodels/datasets/anes96/anes96.csv
cat >"$tmp/bin.ini" <<INI
[data]
train      = $anes
delimiter  = tab
target     = "'vote'"
test_split = 0.2
normalize  = standard
classes    = Clinton Dole
[model]
input = 9
layer = dense 16 relu
layer = dense 1 sigmoid
[train]
loss    = binary_crossentropy
metrics = accuracy auc
epochs  = 10
[report]
figures = none
INI
expect bin-trains 0 'test auc: ' -- "$tmp/bin.ini" --out "$tmp/bin" --quiet
binary=$tmp/bin/model.safetensors
expect predict-bin-header 0 '^input +predicted +Clinton +Dole$' -- predict "$binary" "$anes:0"
expect predict-bin-row 0 'anes96\.csv:0 +(Clinton|Dole) \([0-9.]+%\) +[01]\.[0-9]{4} +[01]\.[0-9]{4}$' \
    -- predict "$binary" "$anes:0"
"$bin" predict "$binary" "$anes" --json --csv "$tmp/bin.csv" >"$tmp/bin.jsonl"
check "numpy applies a binary model as predict does" /usr/bin/python3 tests/numpy_check.py \
    "$binary" "$anes" "$tmp/bin.jsonl" 944
check "binary --csv: the class and both probabilities" test \
    "$(head -1 "$tmp/bin.csv")" = "input,index,predicted,Clinton,Dole" -a \
    "$(grep -Ec ',(Clinton|Dole),[0-9.e-]+,[0-9.e-]+$' "$tmp/bin.csv")" -eq 944
expect evaluate-bin 0 'test auc: [0-9.]+' -- evaluate "$binary" "$tmp/bin.ini" --out "$tmp/bin-ev"
expect evaluate-task 1 "reg/model\.safetensors is a regression model \(huber, 2 outputs\), but .*bin\.ini trains a binary model \(.*bin\.ini:13: \[train\] loss = binary_crossentropy; .*bin\.ini:11: \[model\] layer = dense 1 sigmoid\)" \
    -- evaluate "$reg" "$tmp/bin.ini" --out "$tmp/task-ev"

# multi-label: three 0/1 target columns, each a sigmoid
/usr/bin/python3 - "$tmp/tags.csv" <<'PY'
import random, sys
random.seed(3)
with open(sys.argv[1], "w") as f:
    f.write("x,y,colour,warm,round,big\n")
    for i in range(400):
        x, y, c = random.random(), random.random(), random.choice(["red", "green", "blue"])
        f.write(f"{x:.4f},{y:.4f},{c},{int((c == 'red') != (x > 0.85))},{int(y > 0.5)},"
                f"{int(x + y > 1.1)}\n")
PY
cat >"$tmp/tags.ini" <<INI
[data]
train      = $tmp/tags.csv
target     = warm round big
one_hot    = colour
test_split = 0.2
normalize  = minmax
[model]
input = 5
layer = dense 16 relu
layer = dense 3 sigmoid
[train]
loss   = binary_crossentropy
epochs = 20
[report]
figures = none
INI
expect tags-trains 0 'test binary_accuracy: ' -- "$tmp/tags.ini" --out "$tmp/tags" --quiet
tags=$tmp/tags/model.safetensors
expect predict-tags-header 0 '^input +predicted +warm +round +big$' -- \
    predict "$tags" "$tmp/tags.csv:0"
expect predict-tags-row 0 'tags\.csv:0 +([a-z ]+|-) +[01]\.[0-9]{4} +[01]\.[0-9]{4} +[01]\.[0-9]{4}$' \
    -- predict "$tags" "$tmp/tags.csv:0"
"$bin" predict "$tags" "$tmp/tags.csv" --json --csv "$tmp/tags-p.csv" >"$tmp/tags.jsonl"
check "numpy applies a multi-label model as predict does" /usr/bin/python3 tests/numpy_check.py \
    "$tags" "$tmp/tags.csv" "$tmp/tags.jsonl" 400
check "multi-label --json: the labels on and every probability" grep -q \
    '^{"input":"[^"]*","index":0,"predicted":\[[0-9,]*\],"labels":\[[a-z",]*\],"probabilities":\[[0-9.e-]*,[0-9.e-]*,[0-9.e-]*\]}$' \
    "$tmp/tags.jsonl"
check "multi-label --csv: the labels on and a probability per label" test \
    "$(head -1 "$tmp/tags-p.csv")" = "input,index,predicted,warm,round,big" -a \
    "$(wc -l <"$tmp/tags-p.csv")" -eq 401
cut -d, -f1-3 "$tmp/tags.csv" >"$tmp/tags-inputs.csv"
check "a multi-label CSV without its target columns predicts the same" test \
    "$("$bin" predict "$tags" "$tmp/tags-inputs.csv" --json | sed 's/"input":"[^"]*"//')" = \
    "$(sed 's/"input":"[^"]*"//' "$tmp/tags.jsonl")"
expect evaluate-tags 0 'test auc: [0-9.]+' -- evaluate "$tags" "$tmp/tags.ini" --out "$tmp/tags-ev"


# a value task on arrays: no target column names the outputs
/usr/bin/python3 -c '
import numpy as np, sys
x = np.random.default_rng(1).random((200, 4), dtype=np.float32)
np.save(sys.argv[1], x)
np.save(sys.argv[2], np.stack([x.sum(1), x[:, 0] - x[:, 1]], 1))
' "$tmp/x.npy" "$tmp/y.npy"
cat >"$tmp/arrays.ini" <<INI
[data]
train_inputs  = $tmp/x.npy
train_targets = $tmp/y.npy
test_split    = 0.2
[model]
input = 4
layer = dense 8 relu
layer = dense 2 linear
[train]
loss   = mean_absolute_error
epochs = 2
[report]
figures = none
INI
expect arrays-trains 0 'test mae: ' -- "$tmp/arrays.ini" --out "$tmp/arrays" --quiet
expect predict-arrays-header 0 '^input +output 0 +output 1$' -- \
    predict "$tmp/arrays/model.safetensors" "$tmp/x.npy:0-1"
expect predict-arrays-row 0 'x\.npy:1 +-?[0-9.e-]+ +-?[0-9.e-]+$' -- \
    predict "$tmp/arrays/model.safetensors" "$tmp/x.npy:0-1"

finish
