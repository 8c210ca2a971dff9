# tests/script_lib.sh - sourced by the end-to-end test scripts, which run
# from the repository root with the mlptrain binary as $1: a scratch folder
# ($tmp, removed at exit), the pass and fail counts, and the assertions.
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

# check NAME CONDITION...: one assertion (a command's files, its output).
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

# The weights fingerprint in the run output on standard input.
fingerprint() { sed -n 's/^weights fingerprint: //p'; }

# The closing line CI reads, and the script's status.
finish() {
    echo "$passed passed, $failed failed"
    [ "$failed" -eq 0 ]
}
