#!/usr/bin/env bash
# The command line, end to end: every kind of bad input exits non-zero with
# a message naming the file and line (or flag); the same seed gives the same
# weights fingerprint for 1, 2 and 3 threads (and under OMP_PROC_BIND); a
# run leaves its model file and figures; predict on IDX ranges and PNGs
# agrees with an independent NumPy forward pass and with a reordered model
# file, and refuses damaged ones; evaluate reproduces the run's accuracy;
# seeds trains one run per seed; a folder a run holds is refused to every
# other command until the run ends (kill -9 too), and an unfinished run is
# not replaced without --overwrite. Run from the repository root with the
# mlptrain binary as $1.
set -uo pipefail
bin=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
passed=0 failed=0

# expect NAME STATUS PATTERN -- ARGS...: runs mlptrain ARGS, checks its exit
# status and that stdout+stderr match the extended regex PATTERN.
expect() {
    local name=$1 status=$2 pattern=$3
    shift 4
    local out rc
    out=$("$bin" "$@" 2>&1)
    rc=$?
    if [ "$rc" -eq "$status" ] && grep -Eq -- "$pattern" <<<"$out"; then
        passed=$((passed + 1))
    else
        failed=$((failed + 1))
        printf 'FAIL %s: exit %d (want %d), output:\n%s\n(wanted /%s/)\n' \
            "$name" "$rc" "$status" "$out" "$pattern"
    fi
}

# bad_config NAME LINE PATTERN SED-EXPRESSION: the tutorial config edited by
# SED-EXPRESSION must fail naming bad.ini and LINE (empty: no line).
bad_config() {
    sed -e "$4" configs/mnist.ini >"$tmp/bad.ini"
    expect "$1" 1 "bad\.ini${2:+:$2}:? .*$3" -- --check "$tmp/bad.ini"
}

expect help 0 'usage: mlptrain' -- --help
expect version 0 '^mlptrain [0-9]' -- --version
expect unknown-flag 2 "unknown option '--frobnicate'" -- configs/mnist.ini --frobnicate
expect missing-value 2 '--threads needs a value' -- configs/mnist.ini --threads
expect no-config 2 'no config file' --
expect missing-file 1 'nope\.ini.*(No such file|cannot open)' -- --check "$tmp/nope.ini"
expect check 0 'Total params: 101,770' -- --check configs/mnist.ini

bad_config unknown-key 24 'unknown key' 's/^batch .*/batchsize = 32/'
bad_config batch-zero 24 'batch' 's/^batch .*/batch = 0/'
bad_config dropout-rate 16 'dropout' 's/^layer = dropout 0.2/layer = dropout 1.5/'
bad_config units-zero 15 'units|dense' 's/^layer = dense 128 relu/layer = dense 0 relu/'
bad_config softmax-not-last 15 'softmax' 's/^layer = dense 128 relu/layer = dense 128 softmax/'
bad_config unknown-section 19 'unknown section' 's/^\[train\]/[training]/'
bad_config missing-key '' 'train_labels' '/^train_labels/d'
bad_config bad-float 10 'validation' 's/^validation .*/validation = lots/'
expect bad-override 1 '--set train\.batch=-3' -- --check configs/mnist.ini --set train.batch=-3
expect bad-threads 1 'threads' -- --check configs/mnist.ini --threads 0

# Damaged data: a truncated image file and a label beyond the class count.
mkdir -p "$tmp/data"
head -c 100000 data/mnist/t10k-images-idx3-ubyte >"$tmp/data/short-images"
cp data/mnist/t10k-labels-idx1-ubyte "$tmp/data/bad-labels"
printf '\x0c' | dd of="$tmp/data/bad-labels" bs=1 seek=20 conv=notrunc status=none
sed -e "s|^test_images .*|test_images = $tmp/data/short-images|" configs/tiny.ini >"$tmp/short.ini"
expect truncated-idx 1 'short-images: .*truncated' -- "$tmp/short.ini" --out "$tmp/run"
sed -e "s|^test_labels .*|test_labels = $tmp/data/bad-labels|" configs/tiny.ini >"$tmp/labels.ini"
expect bad-label 1 'bad-labels: .*12' -- "$tmp/labels.ini" --out "$tmp/run"
expect unwritable-out 1 'cannot create folder' -- configs/tiny.ini --out /proc/mlpt-nope

# One short training run per thread count: the fingerprints must agree.
prints=()
for threads in 1 2 3; do
    out=$("$bin" configs/tiny.ini --threads "$threads" --seed 7 --out "$tmp/t$threads" 2>&1)
    rc=$?
    fp=$(sed -n 's/^weights fingerprint: //p' <<<"$out")
    if [ "$rc" -ne 0 ] || [ -z "$fp" ] || [ ! -s "$tmp/t$threads/history.csv" ]; then
        failed=$((failed + 1))
        printf 'FAIL train --threads %d: exit %d\n%s\n' "$threads" "$rc" "$out"
    fi
    prints+=("$fp")
done
if [ "${prints[0]}" = "${prints[1]}" ] && [ "${prints[0]}" = "${prints[2]}" ]; then
    passed=$((passed + 1))
else
    failed=$((failed + 1))
    echo "FAIL fingerprints differ across threads: ${prints[*]}"
fi
# With OMP_PROC_BIND, OpenMP binds: mlptrain must neither fight it (which
# once put both threads on one core) nor shrink to OpenMP's first place.
threads_of() { sed -n 's/^mlptrain [^|]*| \([0-9]*\) thread.*/\1/p'; }
default=$("$bin" configs/tiny.ini --seed 7 --out "$tmp/plain" 2>&1 | threads_of)
out=$(OMP_PROC_BIND=true "$bin" configs/tiny.ini --seed 7 --out "$tmp/pb" 2>&1)
if [ -n "$default" ] && [ "$(threads_of <<<"$out")" = "$default" ] &&
    grep -q 'bound by OpenMP (OMP_PROC_BIND)' <<<"$out" &&
    [ "$(sed -n 's/^weights fingerprint: //p' <<<"$out")" = "${prints[0]}" ]; then
    passed=$((passed + 1))
else
    failed=$((failed + 1))
    printf 'FAIL OMP_PROC_BIND=true:\n%s\n' "$out"
fi

# check NAME CONDITION...: one assertion about files a command left.
check() {
    local name=$1
    shift
    if "$@"; then
        passed=$((passed + 1))
    else
        failed=$((failed + 1))
        echo "FAIL $name: $*"
    fi
}

# What a run leaves: the model file and the figures.
run=$tmp/t1
for f in model.safetensors history.csv samples.png predictions.png misclassified.png \
    curves.png confusion.png; do
    check "output $f" test -s "$run/$f"
done
check "no temporary files left" test -z "$(find "$run" -name '*.tmp.*')"

# predict: IDX range, cross-checked by an independent NumPy forward pass.
"$bin" predict "$run/model.safetensors" data/mnist/t10k-images-idx3-ubyte:0-99 --json \
    >"$tmp/pred.jsonl" 2>&1
check "predict --json gives 100 rows" test "$(wc -l <"$tmp/pred.jsonl")" -eq 100
check "numpy agrees with predict" /usr/bin/python3 tests/numpy_check.py \
    "$run/model.safetensors" data/mnist/t10k-images-idx3-ubyte "$tmp/pred.jsonl" 100
expect predict-table 0 't10k-images-idx3-ubyte:3 +0 \(' -- \
    predict "$run/model.safetensors" data/mnist/t10k-images-idx3-ubyte:3
expect predict-top 0 'top 2' -- predict "$run/model.safetensors" tests/data/seven.png --top 2
expect predict-png 0 'seven\.png +[0-9] \([0-9.]+%\)' -- \
    predict "$run/model.safetensors" tests/data/seven.png tests/data/three.png tests/data/one.png
expect predict-range 1 'index 10000 is beyond its 10000 images' -- \
    predict "$run/model.safetensors" data/mnist/t10k-images-idx3-ubyte:9999-10000
expect predict-not-image 1 'tiny\.ini' -- predict "$run/model.safetensors" configs/tiny.ini

# Another writer's tensor order (Python's safetensors sorts by name): the
# same model, the same predictions.
/usr/bin/python3 - "$run/model.safetensors" "$tmp/reordered.safetensors" <<'PY'
import json, struct, sys
raw = open(sys.argv[1], "rb").read()
n = struct.unpack("<Q", raw[:8])[0]
header, data = json.loads(raw[8:8 + n]), raw[8 + n:]
names = sorted((k for k in header if k != "__metadata__"), reverse=True)
out, offset = b"", 0
for k in names:
    b, e = header[k]["data_offsets"]
    header[k]["data_offsets"] = [offset, offset + e - b]
    out += data[b:e]
    offset += e - b
text = json.dumps(header).encode()
open(sys.argv[2], "wb").write(struct.pack("<Q", len(text)) + text + out)
PY
# (Both must predict something: two empty outputs would also be equal.)
first=$("$bin" predict "$run/model.safetensors" tests/data/seven.png --json)
check "predict --json on a PNG" grep -q '"predicted"' <<<"$first"
check "reordered tensors predict the same" test \
    "$first" = "$("$bin" predict "$tmp/reordered.safetensors" tests/data/seven.png --json)"

# A damaged model file is refused with its name, never a crash.
head -c 3000 "$run/model.safetensors" >"$tmp/short.safetensors"
expect model-truncated 1 'short\.safetensors' -- predict "$tmp/short.safetensors" tests/data/one.png
cp "$run/model.safetensors" "$tmp/flipped.safetensors"
size=$(stat -c %s "$tmp/flipped.safetensors")
printf '\x7f' | dd of="$tmp/flipped.safetensors" bs=1 seek=$((size - 100)) conv=notrunc status=none
expect model-tampered 1 'flipped\.safetensors: .*fingerprint' -- \
    predict "$tmp/flipped.safetensors" tests/data/one.png

# evaluate: the saved model scores exactly what the training run printed.
trained=$(grep -o 'test accuracy: [0-9.]*' <<<"$("$bin" configs/tiny.ini --threads 1 --seed 7 \
    --out "$tmp/again" --set report.figures=none 2>&1)")
# (An empty pattern would match any output.)
check "training printed its test accuracy" test -n "$trained"
expect evaluate 0 "${trained//./\\.}" -- evaluate "$run/model.safetensors" configs/tiny.ini \
    --out "$tmp/eval"
check "evaluation.txt written" grep -q 'macro avg' "$tmp/eval/evaluation.txt"

# seeds: two seeds, one summary.
expect seeds 0 'mean +0\.[0-9]+' -- seeds configs/tiny.ini --seeds 1-2 --out "$tmp/seeds" \
    --set report.figures=none
check "seeds.csv has two rows" test "$(wc -l <"$tmp/seeds/seeds.csv")" -eq 3

# One folder, one run: while a run holds its folder, another run (another
# seed), evaluate and seeds there are refused at once, naming the folder
# and the process. The lock goes with the process, kill -9 too; the
# unfinished run that leaves is kept unless --overwrite.
held=$tmp/held
"$bin" configs/tiny.ini --epochs 100000 --set run.checkpoint_every=20 --set report.figures=none \
    --quiet --out "$held" >/dev/null 2>&1 &
holder=$!
# The holder writes its pid into .lock once it holds it; a checkpoint
# follows within 20 steps. (At most 20 s.)
for _ in $(seq 400); do
    [ "$(cat "$held/.lock" 2>/dev/null)" = "$holder" ] && [ -f "$held/checkpoint.mlpt" ] && break
    sleep 0.05
done
in_use="held: in use by process $holder"
expect held-train 1 "$in_use" -- configs/tiny.ini --seed 3 --out "$held"
expect held-evaluate 1 "$in_use" -- evaluate "$run/model.safetensors" configs/tiny.ini --out "$held"
expect held-seeds 1 "$in_use" -- seeds configs/tiny.ini --seeds 1 --out "$held"
check "the holder was still running" kill -9 "$holder"
wait "$holder" 2>/dev/null
before=$(sha256sum "$held/checkpoint.mlpt")
unfinished='held holds an unfinished run \(its checkpoint is at epoch [0-9]+, step [0-9]+\): '
expect unfinished 1 "$unfinished--resume continues it, --overwrite starts over" -- \
    configs/tiny.ini --out "$held"
check "the unfinished run's checkpoint is kept" \
    test "$(sha256sum "$held/checkpoint.mlpt")" = "$before"
expect overwrite 0 'weights fingerprint' -- configs/tiny.ini --seed 3 --out "$held" --overwrite \
    --set report.figures=none
expect rerun-finished 0 'weights fingerprint' -- configs/tiny.ini --seed 3 --out "$held" \
    --set report.figures=none
expect resume-and-overwrite 2 'give one of them' -- \
    configs/tiny.ini --out "$held" --resume --overwrite
expect overwrite-check 2 '--overwrite does not apply to --check' -- \
    --check configs/tiny.ini --overwrite

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
