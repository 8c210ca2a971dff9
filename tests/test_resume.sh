#!/usr/bin/env bash
# Exact resume: a run killed with kill -9 at any point (mid-epoch, between
# epochs, in the middle of writing a checkpoint) or stopped with Ctrl-C, then
# resumed with --resume, ends with the same weights fingerprint and history
# as a run that was never interrupted, for every task and with batch and
# layer normalization (their moving averages are in the checkpoint). Also:
# a resume with another config is refused naming the key (numbers compared
# by value), or on other training data naming the file; resuming a
# finished run has nothing to do and writes nothing; a damaged checkpoint
# is refused, and a write that fails (file-size limit) leaves the earlier
# files intact. Run from the repository root with the mlptrain binary as
# $1.
set -uo pipefail
bin=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
passed=0 failed=0
epochs=2

ok() { passed=$((passed + 1)); }
bad() { failed=$((failed + 1)); echo "FAIL $*"; }
fingerprint() { sed -n 's/^weights fingerprint: //p'; }
# history.csv without its timing columns (the last two): resumed runs must
# match these too, every metric of every epoch.
figures() { rev "$1/history.csv" | cut -d, -f3- | rev; }

# Wall-clock milliseconds (bash's $EPOCHREALTIME with its decimal mark,
# whatever the locale's, taken out).
now_ms() { local t=${EPOCHREALTIME//[!0-9]/}; echo $((10#$t / 1000)); }

# reference NAME: the uninterrupted run of "${run[@]}" into $tmp/NAME, its
# fingerprint in $want and its time in $ref_ms.
reference() {
    local start
    start=$(now_ms)
    want=$("$bin" "${run[@]}" --out "$tmp/$1" 2>&1 | fingerprint)
    ref_ms=$(($(now_ms) - start))
    ref=$tmp/$1
    [ -n "$want" ] && ok || bad "$1: reference run printed no fingerprint"
}

# killed_then_resumed NAME DELAY_MS EVERY: kill -9 a run that checkpoints
# every EVERY steps after DELAY_MS, then --resume it: the same fingerprint
# and history as the reference.
# A case counts only when the kill really landed mid-run: the process died
# of SIGKILL (status 137) and the resume starts past the beginning (a step
# or an epoch in) but before the end. A kill too early (no checkpoint yet)
# or too late (the run had finished, or had only its exit left, so that the
# resume has nothing left to train or only the evaluation) is retried
# with the delay moved halfway towards the other bound, so a slow
# (sanitizer) build or a busy machine takes more tries, not a false pass.
# A checkpoint that exists but cannot be resumed from is a failure.
declare -A resumed=()   # per checkpoint setting: cases that resumed mid-run
killed_then_resumed() {
    local name=$1 delay=$2 every=$3
    shift 3
    local out=$tmp/$name lo=0 hi=0 attempt pid status at epoch step log=$tmp/$name.log
    local args=(--out "$out" --set run.checkpoint_every="$every")
    ((delay > 0)) || delay=1
    for attempt in 1 2 3 4 5 6 7 8; do
        rm -rf "$out"
        "$bin" "${run[@]}" "${args[@]}" >/dev/null 2>&1 &
        pid=$!
        sleep "$((delay / 1000)).$(printf %03d $((delay % 1000)))"
        kill -9 "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
        status=$?
        if [ "$status" -ne 137 ]; then
            hi=$delay # finished before the kill
        elif [ ! -f "$out/checkpoint.mlpt" ]; then
            lo=$delay # killed before the first checkpoint
        else
            "$bin" "${run[@]}" "${args[@]}" --resume >"$log" 2>&1
            status=$?
            at=$(sed -n 's/^resuming from .*: epoch \([0-9]*\), step \([0-9]*\)$/\1 \2/p' "$log")
            if [ "$status" -eq 0 ] && grep -q 'nothing left to train' "$log"; then
                at="$((epochs + 1)) 0"
            fi
            if [ "$status" -ne 0 ] || [ -z "$at" ]; then
                bad "$name: resume after kill -9 at ${delay} ms failed (exit $status):"
                cat "$log"
                return
            fi
            read -r epoch step <<<"$at"
            if ((epoch <= epochs && (epoch > 1 || step > 0))); then
                local got
                got=$(fingerprint <"$log")
                [ "$got" = "$want" ] && ok || bad "$name: resumed at epoch $epoch, step $step:" \
                    "fingerprint '$got', uninterrupted '$want'"
                [ ! -e "$ref/best.safetensors" ] ||
                    { cmp -s "$out/best.safetensors" "$ref/best.safetensors" && ok ||
                        bad "$name: resumed at epoch $epoch, step $step: best.safetensors differs"; }
                [ "$(figures "$out")" = "$(figures "$ref")" ] && ok || bad "$name:" \
                    "history differs: $(diff <(figures "$out") <(figures "$ref") | tr '\n' ' ')"
                resumed[$every]=$((${resumed[$every]:-0} + 1))
                return
            fi
            if ((epoch > epochs)); then hi=$delay; else lo=$delay; fi
        fi
        if ((hi)); then delay=$(((lo + hi) / 2)); else delay=$((delay * 2)); fi
    done
    echo "note: $name: no kill landed mid-run in 8 tries (last delay ${delay} ms)"
}

# kills NAME: the kill -9 cases for "${run[@]}", against its reference.
# Delays start as fractions of the reference run's time, which scales with
# the build (release or sanitizer) and the machine's load.
kills() {
    local name=$1 percent every
    resumed=()
    reference "$name-reference"
    # A checkpoint every 50 steps: kills land mid-epoch and between epochs.
    for percent in 40 65 90; do
        killed_then_resumed "$name-every50-$percent" $((ref_ms * percent / 100)) 50
    done
    # A checkpoint every step: most of the time goes to writing them, so the
    # kills land during a write.
    for percent in 70 300; do
        killed_then_resumed "$name-every1-$percent" $((ref_ms * percent / 100)) 1
    done
    # Each setting must have been tested for real at least once.
    for every in 50 1; do
        ((${resumed[$every]:-0} > 0)) && ok ||
            bad "$name: checkpoint_every=$every: no kill -9 landed mid-run, nothing was resumed"
    done
}

# Every task, with its metrics' running sums in the checkpoint: a
# binary, a multi-label and a regression model (tests/task_data.py).
/usr/bin/python3 tests/task_data.py "$tmp/tasks"
for task in binary multilabel regression; do
    run=("$tmp/tasks/$task.ini" --set report.figures=none --quiet)
    kills "$task"
done
# Every training control at once, on a model with batch normalization: a
# plateau schedule, early stopping and save_best (the rate, the best
# values, the waits and the best weights are in the checkpoint), weight
# decay, gradient clipping and balanced class weights. The run stops early
# (at epoch 2 of 4), so some kills land after the stop and before the end,
# where a resume only restores the best weights.
sed -e '/^layer = dense 32 relu/a\
layer = batchnorm' configs/tiny.ini >"$tmp/controls.ini"
epochs=4
run=("$tmp/controls.ini" --epochs "$epochs" --set data.validation=0.2
     --set train.learning_rate=0.1 --set "train.schedule=plateau 0.5 1"
     --set "train.early_stopping=val_loss 1" --set run.save_best=val_loss
     --set train.weight_decay=1e-4 --set train.clip_norm=1 --set train.class_weight=balanced
     --set report.figures=none --quiet)
kills controls
(($(wc -l <"$tmp/controls-reference/history.csv") - 1 < epochs)) && ok ||
    bad "controls: the reference run did not stop early"
epochs=2
# The tutorial's kind last: the cases below continue its reference.
run=(configs/tiny.ini --epochs "$epochs" --seed 5 --set report.figures=none --quiet)
kills tiny
cp -r "$ref" "$tmp/reference"

# Ctrl-C: finishes the step, saves, says how to resume, exits 130. (A
# checkpoint every step slows the run down enough to be caught mid-way; it
# changes no weight.)
out=$tmp/sigint
"$bin" "${run[@]}" --out "$out" --set run.checkpoint_every=1 >"$tmp/sigint.log" 2>&1 &
pid=$!
sleep 0.6
kill -INT "$pid"
wait "$pid"
status=$?
if [ "$status" -eq 130 ] && grep -q 'resume with: .*--out' "$tmp/sigint.log"; then ok; else
    bad "SIGINT: exit $status"; cat "$tmp/sigint.log"; fi
# The resume cuts batches into another number of shards: they only split
# the work, so it is accepted and changes nothing.
got=$("$bin" "${run[@]}" --out "$out" --set run.checkpoint_every=1 --set train.shards=3 --resume \
    2>&1 | fingerprint)
[ "$got" = "$want" ] && ok || bad "SIGINT then resume (3 shards): '$got', want '$want'"
[ "$(figures "$out")" = "$(figures "$ref")" ] && ok || bad "SIGINT then resume: history differs"

# A finished run resumed has nothing left to train: it says so, exits 0
# and rewrites nothing.
before=$(sha256sum "$tmp/reference"/*)
msg=$("$bin" "${run[@]}" --out "$tmp/reference" --resume 2>&1)
[ $? -eq 0 ] && grep -q 'nothing left to train (--epochs N, with N above 2' <<<"$msg" &&
    [ "$(sha256sum "$tmp/reference"/*)" = "$before" ] && ok || bad "resume of a finished run: $msg"

# Numbers are compared by value: 1e-3 is the default learning rate 0.001
# the checkpoint records, 0.0 the default validation 0, 005 the seed 5.
cp -r "$tmp/reference" "$tmp/numbers"
msg=$("$bin" "${run[@]}" --out "$tmp/numbers" --resume --set train.learning_rate=1e-3 \
    --set data.validation=0.0 --set train.seed=005 --epochs 3 2>&1)
[ $? -eq 0 ] && grep -q 'resuming from .*epoch 3, step 0' <<<"$msg" && ok ||
    bad "resume with 1e-3 for 0.001 and 0.0 for 0: $msg"

# Fewer epochs than the checkpoint has trained are refused, not ignored.
msg=$("$bin" "${run[@]}" --out "$tmp/reference" --resume --epochs 1 2>&1)
[ $? -eq 1 ] && grep -q 'trained past that' <<<"$msg" && ok || bad "resume with fewer epochs: $msg"

# More epochs on resume are allowed; another learning rate is not.
msg=$("$bin" "${run[@]}" --out "$tmp/reference" --resume --set train.learning_rate=0.01 2>&1)
[ $? -eq 1 ] && grep -q 'train.learning_rate (checkpoint: 0.001, now: 0.01)' <<<"$msg" && ok ||
    bad "resume with another learning rate: $msg"
"$bin" "${run[@]}" --out "$tmp/reference" --resume --epochs 3 >"$tmp/more.log" 2>&1 &&
    grep -q 'resuming from .*epoch 3, step 0' "$tmp/more.log" && ok || bad "resume with more epochs"

# The same path with other contents is other data: refused naming the
# file. (The test set as training set: a fast run.)
mkdir -p "$tmp/data"
cp data/mnist/t10k-images-idx3-ubyte "$tmp/data/images"
cp data/mnist/t10k-labels-idx1-ubyte "$tmp/data/labels"
data=(--set data.train_images="$tmp/data/images" --set data.train_labels="$tmp/data/labels")
"$bin" "${run[@]}" "${data[@]}" --epochs 1 --out "$tmp/data/run" >/dev/null 2>&1
printf '\x01' | dd of="$tmp/data/labels" bs=1 seek=8 conv=notrunc status=none
msg=$("$bin" "${run[@]}" "${data[@]}" --out "$tmp/data/run" --resume 2>&1)
[ $? -eq 1 ] && grep -q "$tmp/data/labels is not the data it was trained on" <<<"$msg" && ok ||
    bad "resume on replaced training labels: $msg"

# A damaged checkpoint is refused, not used.
cp "$tmp/reference/checkpoint.mlpt" "$tmp/damaged.mlpt"
printf '\x55' | dd of="$tmp/reference/checkpoint.mlpt" bs=1 seek=5000 conv=notrunc status=none
msg=$("$bin" "${run[@]}" --out "$tmp/reference" --resume 2>&1)
[ $? -eq 1 ] && grep -q 'checkpoint.mlpt: damaged' <<<"$msg" && ok || bad "damaged checkpoint: $msg"

# A write that fails (here a 200 KiB file-size limit, as a full disk would)
# is a clear error, and the files already there are left as they were.
out=$tmp/full
"$bin" "${run[@]}" --out "$out" --epochs 1 >/dev/null 2>&1
before=$(sha256sum "$out/model.safetensors" "$out/checkpoint.mlpt")
msg=$( (ulimit -f 200; "$bin" "${run[@]}" --out "$out" 2>&1) )
status=$?
after=$(sha256sum "$out/model.safetensors" "$out/checkpoint.mlpt")
if [ "$status" -eq 1 ] && grep -q 'cannot write: File too large' <<<"$msg" && [ "$before" = "$after" ]
then ok; else bad "write past the file-size limit: exit $status: $msg"; fi

# Batch normalization's moving averages and layer normalization's gamma
# and beta are parameters like the weights, saved and restored with them:
# a kill -9 mid-run resumes to the uninterrupted weights.
sed -e '/^layer = dense 32 relu/a\
layer = batchnorm momentum 0.9\
layer = dense 16 relu\
layer = layernorm' configs/tiny.ini >"$tmp/norm.ini"
run=("$tmp/norm.ini" --epochs "$epochs" --seed 5 --set report.figures=none --quiet)
kills norm

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
