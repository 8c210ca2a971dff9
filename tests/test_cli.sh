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
source "$(dirname "$0")/script_lib.sh"

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

# A bad value on the command line is a bad command line (2), naming the
# flag as typed; the same value in the file is a bad config (1).
expect bad-override 2 '--set train\.batch=-3: ' -- --check configs/mnist.ini --set train.batch=-3
expect bad-threads 2 '^mlptrain: error: --threads 0: .*threads' -- \
    --check configs/mnist.ini --threads 0
expect many-threads 2 '--threads 100000: ' -- --check configs/mnist.ini --threads 100000
expect bad-epochs 2 '--epochs -1: ' -- --check configs/mnist.ini --epochs -1
expect set-without-section 2 '--set epochs=1: expected section\.key=value' -- \
    --check configs/mnist.ini --set epochs=1
bad_config threads-in-file 31 'threads = 0' 's/^threads .*/threads = 0/'
for seed in -1 +1 ' 1'; do
    expect "seed '$seed'" 2 "--seed ${seed/+/\\+}: \[train\] seed" -- \
        --check configs/mnist.ini --seed "$seed"
done
expect set-seed-sign 2 '--set train\.seed=\+1: ' -- --check configs/mnist.ini --set train.seed=+1

# --seeds is checked with the command line, before any config is read.
for bad in '-1:is not a seed' '-5:is not a seed' 'a:is not a seed' '1,,2:is not a seed' \
    '1,1,2:seed 1 is listed twice' '1-3,2:seed 2 is listed twice' '5-3:goes down' \
    '1-1001:more than 1000 seeds' '0-18446744073709551615:more than 1000 seeds' \
    '18446744073709551616:is not a seed'; do
    expect "seeds ${bad%%:*}" 2 "^mlptrain: --seeds ${bad%%:*}: .*${bad#*:}" -- \
        seeds "$tmp/nope.ini" --seeds "${bad%%:*}"
done

# A flag is taken only by the commands it means something to.
expect evaluate-epochs 2 '--epochs does not apply to evaluate' -- \
    evaluate "$tmp/m.safetensors" configs/tiny.ini --epochs 3
expect evaluate-seed 2 '--seed does not apply to evaluate' -- \
    evaluate "$tmp/m.safetensors" configs/tiny.ini --seed 3
expect evaluate-quiet 2 '--quiet does not apply to evaluate' -- \
    evaluate "$tmp/m.safetensors" configs/tiny.ini --quiet
expect predict-threads 2 '--threads does not apply to predict' -- \
    predict "$tmp/m.safetensors" tests/data/seven.png --threads 2
expect predict-set 2 '--set does not apply to predict' -- \
    predict "$tmp/m.safetensors" tests/data/seven.png --set train.epochs=1
expect predict-check 2 '--check does not apply to predict' -- \
    predict "$tmp/m.safetensors" tests/data/seven.png --check
expect train-top 2 '--top does not apply to train' -- configs/tiny.ini --top 3
expect train-json 2 '--json does not apply to train' -- configs/tiny.ini --json
expect train-seeds 2 '--seeds does not apply to train' -- configs/tiny.ini --seeds 1-2
expect check-quiet 2 '--quiet does not apply to --check' -- configs/tiny.ini --quiet --check
expect check-resume 2 '--resume does not apply to --check' -- --check configs/tiny.ini --resume
expect seeds-seed 2 '--seed does not apply to seeds' -- seeds configs/tiny.ini --seeds 1 --seed 2
expect seeds-quiet 2 '--quiet does not apply to seeds' -- seeds configs/tiny.ini --seeds 1 --quiet
expect seeds-needs-list 2 'seeds needs --seeds' -- seeds configs/tiny.ini

# A misspelled command is named as one; `train` is a command too.
expect misspelled-train 2 "unknown command 'trian'; did you mean train\?" -- trian configs/tiny.ini
expect misspelled-seeds 2 "unknown command 'seed'; did you mean seeds\?" -- \
    seed configs/tiny.ini --seeds 1
expect misspelled-predict 2 "unknown command 'prdict'; did you mean predict\?" -- \
    prdict "$tmp/m.safetensors" tests/data/seven.png
expect train-verb 0 'Total params: 101,770' -- train --check configs/mnist.ini
expect not-a-verb 1 'nope\.ini.*(No such file|cannot open)' -- "$tmp/nope.ini"

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
# A data file that is not there: the config line that named it, and where a
# relative path was looked for.
sed -e 's|^train_images .*|train_images = nope/train-images|' configs/tiny.ini >"$tmp/rel.ini"
expect missing-relative-data 1 "rel\.ini:5: \[data\] train_images = nope/train-images: no such file \(a relative path resolves against the working directory, $PWD," \
    -- "$tmp/rel.ini" --out "$tmp/run"
expect missing-data-override 1 '\[data\] test_labels = /nope/labels \(command line\): no such file$' -- \
    configs/tiny.ini --set data.test_labels=/nope/labels --out "$tmp/run"

# --check: the memory training takes, and a model no machine holds refused
# naming its line (and the input's, which makes the first layer wide).
expect check-memory 0 'Memory to train: .*MiB' -- --check configs/mnist.ini
expect check-best-weights 0 "best weights .* early stopping's copy" -- --check configs/mnist.ini \
    --set 'train.early_stopping=loss 2'
expect check-memory-parts 0 'optimizer state +[0-9.]+ KiB' -- --check configs/mnist.ini
bad_config input-too-big 15 'layer = dense 128 relu: training needs .*more than this machine.*bad\.ini:14: \[model\] input = 100000x100000x100000' \
    's/^input = .*/input = 100000x100000x100000/'
bad_config layer-too-big 17 'layer = dense 1048576 relu: training needs' \
    's/^layer = dropout 0.2/layer = dense 1048576 relu\nlayer = dense 1048576 relu/'
# ... and training refuses it too, before it loads any data or allocates.
sed -e 's/^input = .*/input = 100000x100000x100000/' configs/mnist.ini >"$tmp/huge.ini"
expect train-too-big 1 'huge\.ini:15: \[model\] layer = dense 128 relu: training needs' -- \
    "$tmp/huge.ini" --out "$tmp/huge"
bad_config input-overflows 14 'input = 1125899906842624: .*too big to count' \
    's/^input = .*/input = 1125899906842624/; s/^layer = dense 128 relu/layer = dense 1048576 relu/'
# The settings line up, checkpoint_every's long name included.
check "--check aligns its columns" test "$("$bin" --check configs/mnist.ini |
    awk '/^[a-z_0-9]+ +=/ { print index($0, "="), index($0, ";") }' | sort -u | wc -l)" -eq 1

# Data shaped other than [model] input is refused naming the file, its
# shape and the input's line, whatever the flattened sizes (IDX files made
# here: COUNT images of DIMS bytes, and labels cycling through CLASSES).
idx() { # idx IMAGES LABELS CLASSES COUNT DIMS...
    /usr/bin/python3 - "$@" <<'PY'
import struct, sys
images, labels, classes, count, *dims = sys.argv[1:]
classes, count, dims = int(classes), int(count), [int(d) for d in dims]
size = 1
for d in dims:
    size *= d
with open(images, "wb") as f:
    f.write(struct.pack(">BBBB", 0, 0, 8, 1 + len(dims)))
    f.write(struct.pack(">" + "I" * (1 + len(dims)), count, *dims))
    f.write(bytes((i * 37) % 256 for i in range(count * size)))
with open(labels, "wb") as f:
    f.write(struct.pack(">BBBBI", 0, 0, 8, 1, count) + bytes(i % classes for i in range(count)))
PY
}
mkdir -p "$tmp/shape"
idx "$tmp/shape/4d-images" "$tmp/shape/4d-labels" 10 20 2 2 14 14
idx "$tmp/shape/28-images" "$tmp/shape/28-labels" 10 20 28 28
sed -e "s|^train_images .*|train_images = $tmp/shape/4d-images|" \
    -e "s|^train_labels .*|train_labels = $tmp/shape/4d-labels|" \
    -e "s|^test_images .*|test_images = $tmp/shape/28-images|" \
    -e "s|^test_labels .*|test_labels = $tmp/shape/28-labels|" configs/tiny.ini >"$tmp/shape/train.ini"
expect train-shape 1 \
    '4d-images: samples are 2x2x14x14 but the model takes .*train\.ini:12: \[model\] input = 28x28' \
    -- "$tmp/shape/train.ini" --out "$tmp/shape/run"
sed -e "s|4d-|28-|" -e "s|^test_images .*|test_images = $tmp/shape/4d-images|" \
    "$tmp/shape/train.ini" >"$tmp/shape/test.ini"
expect test-shape 1 '4d-images: samples are 2x2x14x14 but the model takes .*input = 28x28' -- \
    "$tmp/shape/test.ini" --out "$tmp/shape/run"
sed -e 's/^input = .*/input = 784/' "$tmp/shape/test.ini" >"$tmp/shape/flat.ini"
expect flat-input-mixed-shapes 1 \
    '4d-images: samples are 2x2x14x14 but the training samples in .*28-images are 28x28' -- \
    "$tmp/shape/flat.ini" --out "$tmp/shape/run"

# One sample of one class: counts read "1 sample", "1 class"; an --out
# ending in a slash gives no double slash.
idx "$tmp/shape/one-images" "$tmp/shape/one-labels" 1 1 2 2
cat >"$tmp/shape/one.ini" <<EOF
[data]
train_images = $tmp/shape/one-images
train_labels = $tmp/shape/one-labels
test_images = $tmp/shape/one-images
test_labels = $tmp/shape/one-labels
classes = only
[model]
input = 2x2
layer = dense 1 softmax
[train]
epochs = 1
[report]
figures = none
EOF
out=$("$bin" "$tmp/shape/one.ini" --threads 1 --out "$tmp/shape/one/" 2>&1)
check "one sample, one class" \
    grep -Eq '^train +1 sample of 2x2 bytes, 1 class \(1 to 1 per class\)' <<<"$out"
check "1 thread, not 1 threads" grep -q '| 1 thread |' <<<"$out"
check "no double slash" grep -q "^wrote $tmp/shape/one/history.csv\$" <<<"$out"

# One short training run per thread count: the fingerprints must agree.
prints=()
for threads in 1 2 3; do
    out=$("$bin" configs/tiny.ini --threads "$threads" --seed 7 --out "$tmp/t$threads" 2>&1)
    rc=$?
    fp=$(fingerprint <<<"$out")
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
# The same MNIST saved by NumPy (.npy: uint8 images in Fortran order, int64
# labels of shape (n, 1)) trains to the IDX run's fingerprint.
/usr/bin/python3 - "$tmp/npy" <<'PY'
import os, sys, numpy as np
out = sys.argv[1]
os.makedirs(out)
def idx(name):
    raw = open("data/mnist/" + name, "rb").read()
    dims = [int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big") for i in range(raw[3])]
    return np.frombuffer(raw, "u1", offset=4 + 4 * raw[3]).reshape(dims)
np.save(out + "/x_train.npy", np.asfortranarray(idx("train-images-idx3-ubyte")))
np.save(out + "/y_train.npy", idx("train-labels-idx1-ubyte").astype("<i8").reshape(-1, 1))
np.save(out + "/x_test.npy", idx("t10k-images-idx3-ubyte"))
np.save(out + "/y_test.npy", idx("t10k-labels-idx1-ubyte").astype(">u2"))
np.savez_compressed(out + "/mnist.npz", x_train=idx("train-images-idx3-ubyte"),
                    y_train=idx("train-labels-idx1-ubyte"))
for split in "train", "t10k":
    np.save(f"{out}/{split}_f32.npy", (idx(f"{split}-images-idx3-ubyte") / 255).astype("<f4"))
PY
out=$("$bin" configs/tiny.ini --threads 2 --seed 7 --out "$tmp/npyrun" \
    --set data.train_images="$tmp/npy/x_train.npy" --set data.train_labels="$tmp/npy/y_train.npy" \
    --set data.test_images="$tmp/npy/x_test.npy" --set data.test_labels="$tmp/npy/y_test.npy" 2>&1)
# ... and so does the .npz archive, deflated, its arrays named after a colon.
out+=$'\n'$("$bin" configs/tiny.ini --threads 1 --seed 7 --out "$tmp/npzrun" \
    --set data.train_images="$tmp/npy/mnist.npz:x_train" \
    --set data.train_labels="$tmp/npy/mnist.npz:y_train.npy" 2>&1)
# ... and so do those values as float32 divided by 255 (scale = auto: 1 for
# floats), which are exactly the values the bytes become.
out+=$'\n'$("$bin" configs/tiny.ini --threads 3 --seed 7 --out "$tmp/f32run" \
    --set data.train_images="$tmp/npy/train_f32.npy" \
    --set data.test_images="$tmp/npy/t10k_f32.npy" 2>&1)
if [ "$(fingerprint <<<"$out" | uniq -c | sed 's/^ *//')" = "3 ${prints[0]}" ]; then
    passed=$((passed + 1))
else
    failed=$((failed + 1))
    printf 'FAIL MNIST from .npy, .npz and float32 trains to the IDX fingerprint %s:\n%s\n' \
        "${prints[0]}" "$out"
fi
expect npz-no-member 1 'mnist\.npz: a \.npz archive: name the array after a colon.*holds x_train, y_train' \
    -- configs/tiny.ini --set data.train_images="$tmp/npy/mnist.npz" --out "$tmp/npzrun2"
# With OMP_PROC_BIND, OpenMP binds: mlptrain must neither fight it (which
# once put both threads on one core) nor shrink to OpenMP's first place.
threads_of() { sed -n 's/^mlptrain [^|]*| \([0-9]*\) thread.*/\1/p'; }
default=$("$bin" configs/tiny.ini --seed 7 --out "$tmp/plain" 2>&1 | threads_of)
out=$(OMP_PROC_BIND=true "$bin" configs/tiny.ini --seed 7 --out "$tmp/pb" 2>&1)
if [ -n "$default" ] && [ "$(threads_of <<<"$out")" = "$default" ] &&
    grep -q 'bound by OpenMP (OMP_PROC_BIND)' <<<"$out" &&
    [ "$(fingerprint <<<"$out")" = "${prints[0]}" ]; then
    passed=$((passed + 1))
else
    failed=$((failed + 1))
    printf 'FAIL OMP_PROC_BIND=true:\n%s\n' "$out"
fi

# What a run leaves: the model file and the figures.
run=$tmp/t1
for f in model.safetensors history.csv samples.png predictions.png misclassified.png \
    curves.png confusion.png; do
    check "output $f" test -s "$run/$f"
done
check "no temporary files left" test -z "$(find "$run" -name '*.tmp.*')"

# Samples of other shapes train and finish: colour 3x8x8 pictures are drawn
# in the image figures; 64 values in a row are no picture, so those figures
# are skipped with a line saying why, and the run still succeeds.
/usr/bin/python3 - "$tmp/data" <<'PY'
import random, struct, sys
random.seed(1)
def idx(path, dims, data):
    with open(path, "wb") as f:
        f.write(bytes([0, 0, 8, len(dims)]) + b"".join(struct.pack(">I", d) for d in dims))
        f.write(bytes(data))
for part, n in (("train", 120), ("test", 30)):
    labels = [i % 3 for i in range(n)]
    pixels = []
    for label in labels:  # a red, green or blue square on a dark ground: planes C, H, W
        for c in range(3):
            pixels += [230 if c == label and 2 <= y < 6 and 2 <= x < 6 else random.randrange(40)
                       for y in range(8) for x in range(8)]
    idx(f"{sys.argv[1]}/{part}-colour", [n, 3, 8, 8], pixels)
    idx(f"{sys.argv[1]}/{part}-flat", [n, 64], [p for i in range(n) for p in pixels[192 * i:192 * i + 64]])
    idx(f"{sys.argv[1]}/{part}-labels", [n], labels)
PY
for shape in colour:3x8x8 flat:64; do
    kind=${shape%%:*}
    cat >"$tmp/$kind.ini" <<INI
[data]
train_images = $tmp/data/train-$kind
train_labels = $tmp/data/train-labels
test_images = $tmp/data/test-$kind
test_labels = $tmp/data/test-labels
classes = red green blue
[model]
input = ${shape#*:}
layer = dense 3 softmax
[train]
epochs = 2
[run]
out = $tmp/$kind
INI
done
expect colour-pictures 0 'wrote .*misclassified\.png|wrote .*predictions\.png' -- "$tmp/colour.ini"
for f in samples.png predictions.png confusion.png curves.png; do
    check "colour run: $f" test -s "$tmp/colour/$f"
done
expect flat-not-pictures 0 'skipped samples\.png, predictions\.png and misclassified\.png: samples of shape 64 .*not pictures' \
    -- "$tmp/flat.ini"
check "flat run: no image figures, the others" test ! -e "$tmp/flat/samples.png" -a \
    -s "$tmp/flat/confusion.png" -a -s "$tmp/flat/model.safetensors"

# predict: IDX range, cross-checked by an independent NumPy forward pass.
"$bin" predict "$run/model.safetensors" data/mnist/t10k-images-idx3-ubyte:0-99 --json \
    >"$tmp/pred.jsonl" 2>&1
check "predict --json gives 100 rows" test "$(wc -l <"$tmp/pred.jsonl")" -eq 100
check "numpy agrees with predict" /usr/bin/python3 tests/numpy_check.py \
    "$run/model.safetensors" data/mnist/t10k-images-idx3-ubyte "$tmp/pred.jsonl" 100
# Every activation but the tutorial's, in one stack trained one epoch on the
# 10,000 test images (quick), then cross-checked the same way: the model
# file's lines (leaky_relu's alpha) and the formulas agree with NumPy's.
sed -e 's/^train_\(images\|labels\) *= data\/mnist\/train-/train_\1 = data\/mnist\/t10k-/' \
    -e '/^layer = dense 32 relu/c\
layer = dense 16 gelu\
layer = dense 16 leaky_relu 0.1\
layer = dense 16 silu he_uniform\
layer = dense 16 elu\
layer = dense 16 selu\
layer = dense 16 softplus\
layer = dense 16 sigmoid\
layer = dense 16 tanh\
layer = dense 16 linear' \
    -e "s|^out .*|out = $tmp/acts|" configs/tiny.ini >"$tmp/acts.ini"
expect activations-train 0 'fingerprint' -- "$tmp/acts.ini" --quiet
check "activations: the layers as written" grep -q 'dense 16 leaky_relu 0.1 glorot_uniform' \
    "$tmp/acts/model.safetensors"
"$bin" predict "$tmp/acts/model.safetensors" data/mnist/t10k-images-idx3-ubyte:0-99 --json \
    >"$tmp/acts.jsonl" 2>&1
check "numpy agrees with predict: every activation" /usr/bin/python3 tests/numpy_check.py \
    "$tmp/acts/model.safetensors" data/mnist/t10k-images-idx3-ubyte "$tmp/acts.jsonl" 100
# Batch and layer normalization: predict uses batchnorm's moving averages,
# which NumPy reads from the model file by their Keras names.
sed -e 's/^train_\(images\|labels\) *= data\/mnist\/train-/train_\1 = data\/mnist\/t10k-/' \
    -e '/^layer = dense 32 relu/a\
layer = batchnorm momentum 0.9\
layer = dense 16 tanh\
layer = layernorm epsilon 0.01' \
    -e "s|^out .*|out = $tmp/norm|" configs/tiny.ini >"$tmp/norm.ini"
expect norm-train 0 'batch_normalization \(BatchN +\(None, 32\) +128' -- "$tmp/norm.ini"
"$bin" predict "$tmp/norm/model.safetensors" data/mnist/t10k-images-idx3-ubyte:0-99 --json \
    >"$tmp/norm.jsonl" 2>&1
check "numpy agrees with predict: batchnorm and layernorm" /usr/bin/python3 tests/numpy_check.py \
    "$tmp/norm/model.safetensors" data/mnist/t10k-images-idx3-ubyte "$tmp/norm.jsonl" 100
expect predict-table 0 't10k-images-idx3-ubyte:3 +0 \(' -- \
    predict "$run/model.safetensors" data/mnist/t10k-images-idx3-ubyte:3
expect predict-top 0 'top 2' -- predict "$run/model.safetensors" tests/data/seven.png --top 2
expect predict-png 0 'seven\.png +[0-9] \([0-9.]+%\)' -- \
    predict "$run/model.safetensors" tests/data/seven.png tests/data/three.png tests/data/one.png
expect predict-range 1 'index 10000 is beyond its 10000 images' -- \
    predict "$run/model.safetensors" data/mnist/t10k-images-idx3-ubyte:9999-10000
expect predict-not-image 1 'tiny\.ini' -- predict "$run/model.safetensors" configs/tiny.ini
# A file in another format is named, with the formats predict reads.
printf '\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01' >"$tmp/photo.jpg"
expect predict-jpeg 1 'photo\.jpg: a JPEG picture, .*PNG pictures and IDX image files \(raw or gzip\)' \
    -- predict "$run/model.safetensors" "$tmp/photo.jpg"
# An index range that is not one, when FILE exists, is named as malformed;
# one past any size_t, as out of range.
mnist_test=data/mnist/t10k-images-idx3-ubyte
for range in -1 a 3-; do
    expect "predict-range-$range" 1 "ubyte:$range: malformed index range '$range'" -- \
        predict "$run/model.safetensors" "$mnist_test:$range"
done
expect predict-range-overflow 1 'ubyte:18446744073709551616: index out of range' -- \
    predict "$run/model.safetensors" "$mnist_test:18446744073709551616"
# A bad input among good ones: reported, and the others still predicted.
out=$("$bin" predict "$run/model.safetensors" tests/data/seven.png "$tmp/photo.jpg" \
    tests/data/three.png 2>"$tmp/stderr")
rc=$?
check "predict goes on after a bad input (exit 1, the third predicted)" test "$rc" -eq 1 -a \
    "$(grep -c '^tests/data/\(seven\|three\)\.png ' <<<"$out")" -eq 2
check "predict names the bad input on stderr" grep -q \
    "^mlptrain: error: $tmp/photo\.jpg: a JPEG picture" "$tmp/stderr"
"$bin" predict "$run/model.safetensors" tests/data/seven.png "$tmp/photo.jpg" \
    tests/data/three.png --json --top 2 >"$tmp/mixed.jsonl" 2>/dev/null
rc=$?
check "predict --json: one record per input, the bad one an error, exit 1" /usr/bin/python3 -c '
import json, sys
rows = [json.loads(line) for line in open(sys.argv[1])]
assert sys.argv[2] == "1", "exit " + sys.argv[2]
assert [r["input"] for r in rows] == ["tests/data/seven.png", sys.argv[3], "tests/data/three.png"], rows
assert "JPEG" in rows[1]["error"] and "predicted" not in rows[1], rows[1]
for r in (rows[0], rows[2]):
    assert len(r["probabilities"]) == 10, r
    ranked = sorted(range(10), key=lambda k: -r["probabilities"][k])[:2]
    assert [t["class"] for t in r["top"]] == [str(k) for k in ranked], r
    assert [t["probability"] for t in r["top"]] == [r["probabilities"][k] for k in ranked], r
' "$tmp/mixed.jsonl" "$rc" "$tmp/photo.jpg"

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

# [train] init: fine-tuning tiny's one-epoch model (seed 7, $tmp/t1) starts
# from its weights, so its first epoch's loss is far below a fresh run's
# (tests/test_run.c checks the weights bit for bit); its model predicts.
init="$tmp/t1/model.safetensors"
sed -e "s|^seed .*|&\ninit = $init|" configs/tiny.ini >"$tmp/init.ini"
out=$("$bin" "$tmp/init.ini" --epochs 1 --out "$tmp/tuned" 2>&1)
check "init run trains: $out" test -s "$tmp/tuned/model.safetensors"
loss() { sed -n '2s/^1,\([^,]*\),.*/\1/p' "$1"; }
check "init starts from the model: loss $(loss "$tmp/tuned/history.csv") vs fresh $(loss "$tmp/t1/history.csv")" \
    awk -v tuned="$(loss "$tmp/tuned/history.csv")" -v fresh="$(loss "$tmp/t1/history.csv")" \
    'BEGIN { exit !(tuned < 0.7 * fresh) }'
check "the init run's model predicts" grep -q '"predicted"' \
    <<<"$("$bin" predict "$tmp/tuned/model.safetensors" tests/data/seven.png --json)"
check "the init run's model file records init" grep -aq "init = $init" "$tmp/tuned/model.safetensors"
sed -e 's|^layer = dense 32 relu|layer = dense 64 relu|' "$tmp/init.ini" >"$tmp/wide.ini"
expect init-shape 1 "wide\.ini:20: \[train\] init = .*t1/model\.safetensors: layer 1 \(\`dense 32 relu glorot_uniform\` in the model file, .*wide\.ini:13: \[model\] layer = dense 64 relu\): kernel \[784, 32\] in the model file, \[784, 64\] here" -- \
    "$tmp/wide.ini" --out "$tmp/wide"
sed -e 's|^layer = dense 32 relu|&\nlayer = dense 32 relu|' "$tmp/init.ini" >"$tmp/deeper.ini"
expect init-layers 1 'deeper\.ini:21: \[train\] init = .*: the model file has 2 layers, this config 3' -- \
    "$tmp/deeper.ini" --out "$tmp/deeper"
expect init-missing 1 "\[train\] init = nope\.safetensors \(command line\): no such file \(a relative path" -- \
    "$tmp/init.ini" --set train.init=nope.safetensors --out "$tmp/nope"
sed -e "s|^init = .*|init = $tmp/gone.safetensors|" "$tmp/init.ini" >"$tmp/gone.ini"
expect init-missing-line 1 "gone\.ini:20: \[train\] init = .*gone\.safetensors: no such file$" -- \
    "$tmp/gone.ini" --out "$tmp/gone"
expect init-damaged 1 "\[train\] init = .*short\.safetensors \(command line\): .*short\.safetensors: tensor" -- \
    configs/tiny.ini --set "train.init=$tmp/short.safetensors" --out "$tmp/damaged"

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

finish
