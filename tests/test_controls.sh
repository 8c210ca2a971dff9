#!/usr/bin/env bash
# Schedules, early stopping and save_best end to end, on configs/tiny.ini
# with a validation split, a plateau schedule, early stopping on val_loss
# and save_best on val_accuracy: the run stops early and says at which
# epoch and which epoch's weights it restored; those weights are bit for
# bit those of a run of exactly that many epochs without early stopping
# (same seed, and the same rates up to there); history.csv holds the
# epochs trained, with the rate of each; the progress line shows the rate;
# best.safetensors is written exactly at the epochs whose val_accuracy
# beat every earlier one, and holds that epoch's weights; a resume of the
# stopped run has nothing left to do; a finished run that restored its
# best weights, trained on with more epochs, ends as one run of that many
# epochs; the same weights at 1 and 2 threads. Run from the repository
# root with the mlptrain binary as $1.
source "$(dirname "$0")/script_lib.sh"

ok() { passed=$((passed + 1)); }
bad() { failed=$((failed + 1)); echo "FAIL $*"; }
stored_fingerprint() { head -c 4096 "$1" | grep -ao '"fingerprint":"[0-9a-f]*"' | cut -d'"' -f4; }

epochs=6
base=(configs/tiny.ini --seed 42 --set data.validation=0.2 --set train.learning_rate=0.01
      --set "train.schedule=plateau 0.5 1" --set report.figures=none)
controls=(--set "train.early_stopping=val_loss 1" --set run.save_best=val_accuracy)

"$bin" "${base[@]}" "${controls[@]}" --epochs "$epochs" --threads 2 --out "$tmp/es" \
    >"$tmp/es.log" 2>&1
want=$(fingerprint <"$tmp/es.log")
stopped=$(sed -n 's/^Epoch \([0-9]*\): early stopping$/\1/p' "$tmp/es.log")
restored=$(sed -n 's/^Restoring model weights from the end of the best epoch: \([0-9]*\)\.$/\1/p' \
    "$tmp/es.log")
if [ -n "$want" ] && [ -n "$stopped" ] && [ -n "$restored" ] && ((stopped < epochs)) &&
    ((restored < stopped)); then ok; else
    bad "no early stop with a restore before it: stopped '$stopped', restored '$restored'"
    cat "$tmp/es.log"
fi
rows=$(($(wc -l <"$tmp/es/history.csv") - 1))
[ "$rows" = "$stopped" ] && ok || bad "history.csv has $rows epochs, $stopped were trained"
head -1 "$tmp/es/history.csv" | grep -q ',val_accuracy,lr,seconds,samples_per_s$' && ok ||
    bad "history.csv header: $(head -1 "$tmp/es/history.csv")"
grep -q ' - lr: 0.01 - val_loss' "$tmp/es.log" && ok || bad "the progress line shows no rate"
# the plateau's rates, in a run without early stopping: halved after each
# epoch whose val_loss did not beat the best by more than 1e-4
# (ReduceLROnPlateau's rule, worked here again)
"$bin" "${base[@]}" --epochs 5 --threads 2 --out "$tmp/plateau" >/dev/null 2>&1
want_lr=$(awk -F, 'NR == 1 { rate = 0.01; best = 1e300; next }
                   { printf "%g ", rate
                     if ($4 < best - 1e-4) { best = $4 } else { rate /= 2 } }' \
    "$tmp/plateau/history.csv")
lr=$(cut -d, -f6 "$tmp/plateau/history.csv" | tail -n +2 | tr '\n' ' ')
[ "$lr" = "$want_lr" ] && [ "$lr" != "0.01 0.01 0.01 0.01 0.01 " ] && ok ||
    bad "lr column: '$lr', want '$want_lr'"

# The restored weights are the best epoch's: those of a run that ends there.
got=$("$bin" "${base[@]}" --epochs "$restored" --threads 1 --out "$tmp/short" 2>&1 | fingerprint)
[ "$got" = "$want" ] && ok ||
    bad "restored epoch $restored: fingerprint '$want', a run of $restored epochs '$got'"
[ "$(stored_fingerprint "$tmp/es/model.safetensors")" = "$want" ] && ok ||
    bad "model.safetensors does not hold the restored weights"

# A run early stopping ended is over, even given more epochs: a resume
# says so and rewrites nothing.
before=$(sha256sum "$tmp/es"/*)
msg=$("$bin" "${base[@]}" "${controls[@]}" --epochs $((epochs + 4)) --out "$tmp/es" --resume 2>&1)
[ $? -eq 0 ] && grep -q "early stopping ended the run after epoch $stopped; nothing left" <<<"$msg" &&
    [ "$(sha256sum "$tmp/es"/*)" = "$before" ] && ok || bad "resume of a stopped run: $msg"

# Any thread count: the same decisions and weights.
got=$("$bin" "${base[@]}" "${controls[@]}" --epochs "$epochs" --threads 1 --out "$tmp/es1" 2>&1 |
    fingerprint)
[ "$got" = "$want" ] && ok || bad "1 thread: '$got', 2 threads '$want'"

# save_best: written at each epoch whose val_accuracy beat all before it,
# and holding the weights of the last of them.
improved=$(awk -F, 'NR > 1 && (NR == 2 || $5 > best) { best = $5; n++; last = $1 }
                    END { print n, last }' "$tmp/es/history.csv")
read -r n_improved best_epoch <<<"$improved"
n_wrote=$(grep -c "^wrote $tmp/es/best.safetensors\$" "$tmp/es.log")
[ "$n_wrote" = "$n_improved" ] && ok ||
    bad "best.safetensors written $n_wrote times, val_accuracy improved $n_improved times"
got=$("$bin" "${base[@]}" --epochs "$best_epoch" --threads 1 --out "$tmp/best" 2>&1 | fingerprint)
[ "$(stored_fingerprint "$tmp/es/best.safetensors")" = "$got" ] && ok ||
    bad "best.safetensors is not epoch $best_epoch's weights ($got)"
# without save_best, no best.safetensors
[ ! -e "$tmp/short/best.safetensors" ] && ok || bad "best.safetensors without save_best"

# A schedule that keeps the rate (exponential 1) trains the constant
# run's weights; one that changes it does not.
const=$("$bin" configs/tiny.ini --threads 1 --out "$tmp/c" --set report.figures=none 2>&1 |
    fingerprint)
got=$("$bin" configs/tiny.ini --threads 1 --out "$tmp/e1" --set report.figures=none \
    --set "train.schedule=exponential 1" 2>&1 | fingerprint)
[ "$got" = "$const" ] && ok || bad "exponential 1: '$got', constant '$const'"
got=$("$bin" configs/tiny.ini --threads 1 --out "$tmp/cos" --set report.figures=none \
    --set "train.schedule=cosine" 2>&1 | fingerprint)
[ -n "$got" ] && [ "$got" != "$const" ] && ok || bad "cosine trains the constant run's weights"

# A finished run whose best weights were restored, without stopping early
# (patience 9), trained on to more epochs: the checkpoint held the last
# epoch's weights and optimizer state, so it ends as a run of that many.
patient=(configs/tiny.ini --set data.validation=0.2 --set "train.early_stopping=val_loss 9"
         --set train.learning_rate=0.03 --set report.figures=none --quiet)
"$bin" "${patient[@]}" --epochs 2 --out "$tmp/p" >"$tmp/p.log" 2>&1
grep -q 'best epoch: 1\.$' "$tmp/p.log" && ok || bad "the 2-epoch run restored no earlier epoch"
got=$("$bin" "${patient[@]}" --epochs 3 --out "$tmp/p" --resume 2>&1 | fingerprint)
want3=$("$bin" "${patient[@]}" --epochs 3 --out "$tmp/p3" 2>&1 | fingerprint)
[ -n "$want3" ] && [ "$got" = "$want3" ] && ok ||
    bad "a restored run trained on: '$got', one run of 3 epochs '$want3'"
# (epoch 1 is the best of all 3, so the weights agree either way: the
# third epoch's figures tell whether it went on from the second's weights)
untimed() { rev "$1/history.csv" | cut -d, -f3- | rev; }
[ "$(untimed "$tmp/p")" = "$(untimed "$tmp/p3")" ] && ok ||
    bad "a restored run trained on: its history differs from one run of 3 epochs"

finish
