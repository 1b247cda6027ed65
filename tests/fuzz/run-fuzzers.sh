#!/bin/bash
# Runs every libFuzzer target of a fuzz build for SECONDS each, on a copy of its seed corpus
# (the committed corpus stays as it is), at most PARALLEL at a time (default 1). Fails when any
# target finds a crash, a leak, a timeout or runs out of memory; the input that did it is kept
# beside the target's log under TARGET_DIR/fuzz-runs/<target>/.
#   tests/fuzz/run-fuzzers.sh build/fuzz/tests/fuzz 30 2
set -euo pipefail

if [ $# -lt 2 ]; then
    echo "usage: $0 TARGET_DIR SECONDS [PARALLEL]" >&2
    exit 2
fi
targets=$(cd "$1" && pwd)
seconds=$2
parallel=${3:-1}
here=$(cd "$(dirname "$0")" && pwd)

# Longest input per target: enough for a header, a manifest, a page or a stretch of log, small
# enough that every run stays fast.
max_len() {
    case $1 in
        reference) echo 512 ;;
        auth_challenge) echo 2048 ;;
        log) echo 8192 ;;
        *) echo 4096 ;;
    esac
}
dictionary() {
    case $1 in
        reference | auth_challenge | log) echo "$here/$1.dict" ;;
        token_response | manifest | config | ci_pages) echo "$here/json.dict" ;;
        *) echo "" ;;
    esac
}

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export QT_QPA_PLATFORM=offscreen

run_one() {
    local name=$1 work=$targets/fuzz-runs/$1
    rm -rf "$work"
    mkdir -p "$work/corpus"
    cp "$here/corpus/$name"/* "$work/corpus/"
    local dict
    dict=$(dictionary "$name")
    local args=(-max_total_time="$seconds" -max_len="$(max_len "$name")" -rss_limit_mb=2048
                -timeout=10 -print_final_stats=1 -artifact_prefix="$work/")
    [ -n "$dict" ] && args+=(-dict="$dict")
    if "$targets/fuzz_$name" "${args[@]}" "$work/corpus" >"$work/log" 2>&1; then
        echo ok >"$work/status"
    else
        echo failed >"$work/status"
    fi
}

names=()
for binary in "$targets"/fuzz_*; do
    [ -x "$binary" ] && [ -f "$binary" ] && names+=("$(basename "$binary" | sed 's/^fuzz_//')")
done
if [ ${#names[@]} -eq 0 ]; then
    echo "no fuzz_* targets in $targets" >&2
    exit 2
fi

running=0
for name in "${names[@]}"; do
    if [ "$running" -ge "$parallel" ]; then
        wait -n
        running=$((running - 1))
    fi
    run_one "$name" &
    running=$((running + 1))
done
wait

passed=0
failed=0
printf '%-16s %-7s %12s %8s %8s %8s\n' target result executions cov ft corpus
for name in "${names[@]}"; do
    work=$targets/fuzz-runs/$name
    status=$(cat "$work/status" 2>/dev/null || echo failed)
    executions=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/log" | tail -1)
    last=$(grep -E '^#[0-9]+' "$work/log" | tail -1 || true)
    cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$last")
    ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$last")
    corpus=$(sed -n 's/.* corp: \([0-9]*\).*/\1/p' <<<"$last")
    printf '%-16s %-7s %12s %8s %8s %8s\n' "$name" "$status" "${executions:--}" "${cov:--}" \
        "${ft:--}" "${corpus:--}"
    if [ "$status" = ok ]; then
        passed=$((passed + 1))
    else
        failed=$((failed + 1))
    fi
done
for name in "${names[@]}"; do
    work=$targets/fuzz-runs/$name
    if [ "$(cat "$work/status" 2>/dev/null)" != ok ]; then
        echo "--- fuzz_$name failed; its log ends:" >&2
        tail -40 "$work/log" >&2
        ls "$work"/crash-* "$work"/leak-* "$work"/timeout-* "$work"/oom-* 2>/dev/null >&2 || true
    fi
done
echo "fuzz: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
