#!/usr/bin/env bash
# Exact resume: a run killed with kill -9 at any point (mid-epoch, between
# epochs, in the middle of writing a checkpoint) or stopped with Ctrl-C, then
# resumed with --resume, ends with the same weights fingerprint as a run that
# was never interrupted. Also: a resume with another config is refused
# naming the key, a damaged checkpoint is refused, and a write that fails
# (file-size limit) leaves the earlier files intact. Run from the repository
# root with the mlptrain binary as $1.
set -uo pipefail
bin=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
passed=0 failed=0
run=(configs/tiny.ini --epochs 2 --seed 5 --set report.figures=none --quiet)

ok() { passed=$((passed + 1)); }
bad() { failed=$((failed + 1)); echo "FAIL $*"; }
fingerprint() { sed -n 's/^weights fingerprint: //p'; }
# history.csv without its timing columns: resumed runs must match these too.
figures() { cut -d, -f1-5 "$1/history.csv"; }

want=$("$bin" "${run[@]}" --out "$tmp/reference" 2>&1 | fingerprint)
[ -n "$want" ] && ok || bad "reference run printed no fingerprint"

# kill -9 after DELAY seconds, then resume (twice if the first resume is
# also killed by nothing: resume runs to the end).
killed_then_resumed() {
    local name=$1 delay=$2
    shift 2
    local out=$tmp/$name
    "$bin" "${run[@]}" --out "$out" "$@" >/dev/null 2>&1 &
    local pid=$!
    sleep "$delay"
    kill -9 "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    if [ ! -f "$out/checkpoint.mlpt" ]; then
        echo "note: $name was killed before its first checkpoint; starting over"
    fi
    local got
    got=$("$bin" "${run[@]}" --out "$out" "$@" $([ -f "$out/checkpoint.mlpt" ] && echo --resume) \
        2>&1 | fingerprint)
    [ "$got" = "$want" ] && ok || bad "$name: resumed fingerprint '$got', uninterrupted '$want'"
    [ "$(figures "$out")" = "$(figures "$tmp/reference")" ] && ok ||
        bad "$name: history differs: $(diff <(figures "$out") <(figures "$tmp/reference") | tr '\n' ' ')"
}

# A checkpoint every 50 steps: kills land mid-epoch and between epochs.
for delay in 0.4 0.9 1.5; do
    killed_then_resumed "every50-$delay" "$delay" --set run.checkpoint_every=50
done
# A checkpoint every step: most of the time goes to writing them, so the
# kills land during a write.
for delay in 0.5 1.2; do
    killed_then_resumed "every1-$delay" "$delay" --set run.checkpoint_every=1
done

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
[ "$(figures "$out")" = "$(figures "$tmp/reference")" ] && ok || bad "SIGINT then resume: history differs"

# Fewer epochs than the checkpoint has trained are refused, not ignored.
msg=$("$bin" "${run[@]}" --out "$tmp/reference" --resume --epochs 1 2>&1)
[ $? -eq 1 ] && grep -q 'trained past that' <<<"$msg" && ok || bad "resume with fewer epochs: $msg"

# More epochs on resume are allowed; another learning rate is not.
msg=$("$bin" "${run[@]}" --out "$tmp/reference" --resume --set train.learning_rate=0.01 2>&1)
[ $? -eq 1 ] && grep -q 'train.learning_rate (checkpoint: 0.001, now: 0.01)' <<<"$msg" && ok ||
    bad "resume with another learning rate: $msg"
"$bin" "${run[@]}" --out "$tmp/reference" --resume --epochs 3 >"$tmp/more.log" 2>&1 &&
    grep -q 'resuming from .*epoch 3, step 0' "$tmp/more.log" && ok || bad "resume with more epochs"

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

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
