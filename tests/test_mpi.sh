#!/usr/bin/env bash
# Training across processes (Open MPI on loopback): 1, 2 and 3 processes
# with 1 or 2 threads each give the weights fingerprint of one process;
# only the first process writes files and prints; a plateau schedule, early
# stopping and save_best decide as in one process; checkpoints written by 2
# processes (at an epoch's end, and mid-epoch after Ctrl-C) resume with 3
# to the uninterrupted fingerprint; a CSV table and a .npz archive train
# to one process's weights, and so do a table of dense inputs (the dense
# kernels, at 1 and 8 shards), a model with batch normalization and a
# binary, a multi-label and a regression model (weights and metrics);
# processes given different configs
# refuse to start; errors on any process (a folder another process holds
# among them) stop them all with the message printed once, without
# hanging; the other verbs refuse to run under mpirun. Run from the
# repository root with the mlptrain binary as $1 and mpirun as $2.
set -uo pipefail
bin=$1
# Open MPI takes a launcher run by its full path as asking for --prefix
# (and refuses /usr/bin/mpirun): call it by name, from its folder.
PATH=$(dirname "$2"):$PATH
mpirun=$(basename "$2")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
passed=0 failed=0
# As root Open MPI wants both of these; 3 processes on 2 cores need
# --oversubscribe. A hang is a failure, not a stuck CI: every run has 120 s.
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
run=(configs/tiny.ini --epochs 2 --set report.figures=none --quiet)

ok() { passed=$((passed + 1)); }
bad() { failed=$((failed + 1)); echo "FAIL $*"; }
fingerprint() { sed -n 's/^weights fingerprint: //p'; }
mpi() { # mpi NP ARGS...: mlptrain ARGS in NP processes
    local np=$1
    shift
    timeout 120 "$mpirun" --oversubscribe -np "$np" "$bin" "$@"
}

"$bin" --version | grep -q 'MPI: Open MPI' && ok || bad "--version does not name the MPI"

want=$("$bin" "${run[@]}" --threads 1 --out "$tmp/one" 2>&1 | fingerprint)
[ -n "$want" ] && ok || bad "single process printed no fingerprint"

# processes x threads (more threads than the 2 cores only slow the test)
for shape in 1x2 2x1 2x2 3x1; do
    np=${shape%x*} threads=${shape#*x}
    out=$tmp/np$np-t$threads
    log=$(mpi "$np" "${run[@]}" --threads "$threads" --out "$out" 2>&1)
    got=$(fingerprint <<<"$log")
    [ "$got" = "$want" ] && ok || bad "$np processes x $threads threads: '$got', one process '$want'"
    # one process speaks: one header, one fingerprint
    [ "$(grep -c '^mlptrain ' <<<"$log")" -eq 1 ] && [ "$(grep -c '^weights fingerprint' <<<"$log")" -eq 1 ] &&
        ok || bad "$np processes: output not printed exactly once"
    [ -f "$out/model.safetensors" ] && [ -f "$out/history.csv" ] && ok ||
        bad "$np processes: no model or history written"
    [ "$np" -eq 1 ] || grep -q "^mlptrain 0.1.0 | $np processes (MPI), each $threads thread" <<<"$log" &&
        ok || bad "the header does not say $np processes"
done
# the losses every epoch, not only the weights
[ "$(cut -d, -f1-5 "$tmp/np3-t1/history.csv")" = "$(cut -d, -f1-5 "$tmp/one/history.csv")" ] && ok ||
    bad "history differs between 3 processes and one"

# Every data source trains across processes to one process's weights: the
# weather table (test split, normalization, word classes) and MNIST from a
# deflated .npz archive.
weather=(configs/weather.ini --epochs 3 --set report.figures=none --quiet)
want_w=$("$bin" "${weather[@]}" --threads 1 --out "$tmp/w1" 2>&1 | fingerprint)
got_w=$(mpi 2 "${weather[@]}" --threads 1 --out "$tmp/w2" 2>&1 | fingerprint)
[ -n "$want_w" ] && [ "$got_w" = "$want_w" ] && ok ||
    bad "weather in 2 processes: '$got_w', one process '$want_w'"
npz=("${run[@]}" --set data.train_images=data/mnist/mnist.npz:x_train
     --set data.train_labels=data/mnist/mnist.npz:y_train)
got_n=$(mpi 2 "${npz[@]}" --threads 1 --out "$tmp/npz" 2>&1 | fingerprint)
[ "$got_n" = "$want" ] && ok || bad "MNIST from .npz in 2 processes: '$got_n', IDX '$want'"

# Every task: float targets (regression, multi-label) and a single
# sigmoid's labels travel between the processes with the outputs the
# metrics need; the weights and the history's metrics are one process's.
/usr/bin/python3 tests/task_data.py "$tmp/tasks"
for task in binary multilabel regression; do
    t=("$tmp/tasks/$task.ini" --set report.figures=none --quiet --threads 1)
    want_t=$("$bin" "${t[@]}" --out "$tmp/$task-1" 2>&1 | fingerprint)
    got_t=$(mpi 2 "${t[@]}" --out "$tmp/$task-2" 2>&1 | fingerprint)
    [ -n "$want_t" ] && [ "$got_t" = "$want_t" ] && ok ||
        bad "$task in 2 processes: '$got_t', one process '$want_t'"
    [ "$(rev "$tmp/$task-2/history.csv" | cut -d, -f3- | rev)" = \
      "$(rev "$tmp/$task-1/history.csv" | cut -d, -f3- | rev)" ] && ok ||
        bad "$task: history's metrics differ between 2 processes and one"
done

# Batch normalization couples a batch's samples: before each of its
# reductions the processes exchange the values it sums, so 2 and 3
# processes (x 2 threads, shards cut across them) give one process's
# weights; layer normalization's gamma and beta too. (Trained on the
# 10,000 test images: quick.)
sed -e 's/^train_\(images\|labels\) *= data\/mnist\/train-/train_\1 = data\/mnist\/t10k-/' \
    -e '/^layer = dense 32 relu/a\
layer = batchnorm momentum 0.9\
layer = dense 16 relu\
layer = layernorm\
layer = batchnorm' configs/tiny.ini >"$tmp/norm.ini"
norm=("$tmp/norm.ini" --set report.figures=none --quiet)
want_b=$("$bin" "${norm[@]}" --threads 1 --out "$tmp/b1" 2>&1 | fingerprint)
for shape in 2x1 2x2 3x1; do
    got_b=$(mpi "${shape%x*}" "${norm[@]}" --threads "${shape#*x}" --out "$tmp/b$shape" 2>&1 |
        fingerprint)
    [ -n "$want_b" ] && [ "$got_b" = "$want_b" ] && ok ||
        bad "batchnorm in $shape processes x threads: '$got_b', one process '$want_b'"
done

# Dense inputs (tests/dense.ini on a generated table with no zero): 2
# and 3 processes, and 8 shards against 1, give one process's weights.
awk 'BEGIN { srand(7); for (f = 0; f < 24; f++) printf "x%d,", f; print "y"
    for (i = 0; i < 1000; i++) { y = i % 5
        for (f = 0; f < 24; f++) printf "%.4f,", 0.1 + rand() + (f % 5 == y ? 1 : 0)
        print y } }' >"$tmp/dense.csv"
dense=(tests/dense.ini --set data.train="$tmp/dense.csv" --set report.figures=none --quiet)
want_d=$("$bin" "${dense[@]}" --threads 1 --set train.shards=1 --out "$tmp/d1" 2>&1 | fingerprint)
for shape in 2x1 3x1 2x2; do
    np=${shape%x*} threads=${shape#*x}
    got_d=$(mpi "$np" "${dense[@]}" --threads "$threads" --out "$tmp/d$shape" 2>&1 | fingerprint)
    [ -n "$want_d" ] && [ "$got_d" = "$want_d" ] && ok ||
        bad "dense inputs in $np processes x $threads threads: '$got_d', one process '$want_d'"
done

# A plateau schedule, early stopping and save_best decide alike in every
# process (each validates): one process's weights, stop and best model.
c=(configs/tiny.ini --epochs 4 --set data.validation=0.2 --set train.learning_rate=0.01
   --set "train.schedule=plateau 0.5 1" --set "train.early_stopping=val_loss 1"
   --set run.save_best=val_loss --set report.figures=none --quiet --threads 1)
want_c=$("$bin" "${c[@]}" --out "$tmp/c1" 2>&1 | fingerprint)
got_c=$(mpi 2 "${c[@]}" --out "$tmp/c2" 2>&1 | fingerprint)
[ -n "$want_c" ] && [ "$got_c" = "$want_c" ] &&
    cmp -s "$tmp/c1/best.safetensors" "$tmp/c2/best.safetensors" &&
    [ "$(wc -l <"$tmp/c2/history.csv")" = "$(wc -l <"$tmp/c1/history.csv")" ] && ok ||
    bad "schedule and early stopping in 2 processes: '$got_c', one process '$want_c'"

# A checkpoint of 2 processes, resumed by 3: the uninterrupted weights.
mpi 2 "${run[@]}" --epochs 1 --threads 1 --out "$tmp/resume" >/dev/null 2>&1
got=$(mpi 3 "${run[@]}" --threads 1 --out "$tmp/resume" --resume 2>&1 | fingerprint)
[ "$got" = "$want" ] && ok || bad "2 processes then resumed by 3: '$got', want '$want'"

# Ctrl-C on mpirun mid-epoch (a checkpoint every step slows the run enough
# to be caught in it): all processes stop at one step, rank 0 saves; 3
# processes resume it to the uninterrupted weights.
# (A script's background jobs ignore SIGINT unless job control is on.
# timeout passes the SIGINT it gets on to mpirun; --foreground: to mpirun
# alone, not to the whole process group, where the ranks would get it a
# second time, from mpirun too, and a second Ctrl-C means "exit at once".)
out=$tmp/sigint
set -m
timeout --foreground -k 10 120 "$mpirun" -np 2 "$bin" "${run[@]}" --threads 1 --out "$out" \
    --set run.checkpoint_every=1 >"$tmp/sigint.log" 2>&1 &
pid=$!
set +m
for _ in $(seq 600); do # training has started (slower under sanitizers)
    grep -q '^Epoch 1/' "$tmp/sigint.log" && break
    sleep 0.1
done
sleep 0.5
kill -INT "$pid"
wait "$pid"
rc=$?
[ "$rc" -ne 124 ] && [ "$rc" -ne 137 ] && ok || bad "Ctrl-C on mpirun: still running after 120 s"
if grep -q 'interrupted at epoch .*, step [0-9]*; saved' "$tmp/sigint.log" &&
    [ "$(grep -c 'stopping after this step' "$tmp/sigint.log")" -eq 1 ]; then ok; else
    bad "Ctrl-C on mpirun: no checkpoint announced once"; cat "$tmp/sigint.log"; fi
got=$(mpi 3 "${run[@]}" --threads 1 --out "$out" --set run.checkpoint_every=1 --resume 2>&1 |
    fingerprint)
[ "$got" = "$want" ] && ok || bad "Ctrl-C under 2 processes, resumed by 3: '$got', want '$want'"

# Processes given different configs refuse to train together.
log=$(timeout 120 "$mpirun" -np 1 "$bin" configs/tiny.ini --out "$tmp/mixed" --quiet : \
    -np 1 "$bin" configs/tiny.ini --set train.learning_rate=0.002 --out "$tmp/mixed" --quiet 2>&1)
rc=$?
[ "$rc" -ne 0 ] && [ "$rc" -ne 124 ] && [ "$(grep -c 'processes disagree on the config' <<<"$log")" -eq 1 ] &&
    ok || bad "different configs per process: exit $rc, output: $log"

# Errors: non-zero exit, the message once, no hang (timeout gives 124).
printf '[data]\nbogus = 1\n' >"$tmp/bad.ini"
log=$(mpi 3 "$tmp/bad.ini" 2>&1)
rc=$?
[ "$rc" -ne 0 ] && [ "$rc" -ne 124 ] && [ "$(grep -c "bad.ini:2: unknown key 'bogus'" <<<"$log")" -eq 1 ] &&
    ok || bad "bad config under 3 processes: exit $rc, output: $log"
# Only the first process writes: it alone fails here, and the others stop too.
log=$(mpi 2 "${run[@]}" --out /proc/mlptrain-cannot-write-here 2>&1)
rc=$?
[ "$rc" -ne 0 ] && [ "$rc" -ne 124 ] && [ "$(grep -c 'error: /proc/mlptrain-cannot-write-here' <<<"$log")" -eq 1 ] &&
    ok || bad "unwritable output under 2 processes: exit $rc, output: $log"
# A folder another process holds (here a Python fcntl lock on its .lock):
# rank 0 alone locks, and all stop, the message once.
mkdir -p "$tmp/held"
/usr/bin/python3 -c 'import fcntl, sys, time
f = open(sys.argv[1], "a"); fcntl.lockf(f, fcntl.LOCK_EX); print("locked", flush=True)
time.sleep(120)' "$tmp/held/.lock" >"$tmp/holder.log" &
holder=$!
for _ in $(seq 200); do [ -s "$tmp/holder.log" ] && break; sleep 0.05; done
log=$(mpi 2 "${run[@]}" --out "$tmp/held" 2>&1)
rc=$?
kill "$holder"
wait "$holder" 2>/dev/null
[ "$rc" -ne 0 ] && [ "$rc" -ne 124 ] && [ "$(grep -c "held: in use by process $holder" <<<"$log")" -eq 1 ] &&
    ok || bad "held folder under 2 processes: exit $rc, output: $log"
log=$(mpi 2 predict "$tmp/one/model.safetensors" tests/data/seven.png 2>&1)
rc=$?
[ "$rc" -ne 0 ] && [ "$rc" -ne 124 ] && grep -q 'predict runs in one process' <<<"$log" && ok ||
    bad "predict under mpirun: exit $rc, output: $log"

echo "test_mpi: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
