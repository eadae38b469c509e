#!/usr/bin/env bash
# Side-by-side comparison of two token endpoints in one run.
#
#   ./compare.sh PEER_URL OURS_URL
#
# Both must already be running (on different ports of this machine). Each is
# preflighted, warmed up, then loaded alternately A B A B ... (A = peer, B = ours)
# with load.sh; the medians per side and the ratio ours/peer are printed.
# rps ratio > 1 and latency / cpu-per-request ratios < 1 mean ours is better.
#
# Env: DURATION (s per run, 10)  CONNECTIONS (16)  ROUNDS (3 -> 6 runs)
#      WARMUP (s per side before the first round, 3; 0 = none)  PAUSE (s between runs, 1)
#      ORDER=abab (default) or abba (B A in even rounds, cancels drift)
#      PEER_PID / OURS_PID: processes whose CPU is counted (default: whatever listens on the port)
#      plus the BENCH_* request settings of load.sh (the same body is sent to both)
# The whole output is also written to bench/results/side-by-side/compare-<time>.txt
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
A=${1:?usage: compare.sh PEER_URL OURS_URL}
B=${2:?usage: compare.sh PEER_URL OURS_URL}
DUR=${DURATION:-10}
CONN=${CONNECTIONS:-16}
ROUNDS=${ROUNDS:-3}
WARM=${WARMUP:-3}
PAUSE=${PAUSE:-1}
ORDER=${ORDER:-abab}

mkdir -p "$HERE/../results/side-by-side"
LOG="$HERE/../results/side-by-side/compare-$(date +%Y%m%d-%H%M%S).txt"
exec > >(tee "$LOG") 2>&1

echo "# compare $(date -Is)  peer=$A  ours=$B  duration=${DUR}s connections=$CONN rounds=$ROUNDS order=$ORDER warmup=${WARM}s"
echo "# machine: $(nproc) cpus, load1=$(cut -d' ' -f1 /proc/loadavg)"
node "$HERE/preflight.mjs" "$A" || { echo "peer preflight failed"; exit 2; }
node "$HERE/preflight.mjs" "$B" || { echo "ours preflight failed"; exit 2; }

run() { # side url seconds -> prints load.sh line (never fails)
  local pid=""
  [ "$1" = peer ] && pid=${PEER_PID:-}
  [ "$1" = ours ] && pid=${OURS_PID:-}
  SKIP_PREFLIGHT=1 SERVER_PID=$pid "$HERE/load.sh" "$2" "$3" "$CONN" || true
}

if [ "$WARM" != 0 ]; then
  run peer "$A" "$WARM" >/dev/null
  run ours "$B" "$WARM" >/dev/null
fi

declare -a LINES_A=() LINES_B=()
for ((r = 1; r <= ROUNDS; r++)); do
  sides="peer ours"
  [ "$ORDER" = abba ] && [ $((r % 2)) = 0 ] && sides="ours peer"
  for side in $sides; do
    sleep "$PAUSE"
    if [ "$side" = peer ]; then line=$(run peer "$A" "$DUR"); LINES_A+=("$line")
    else line=$(run ours "$B" "$DUR"); LINES_B+=("$line"); fi
    printf 'round %d %-4s %s\n' "$r" "$side" "$line"
  done
done

# median of one key over a side's lines
med() { # key lines...
  local k=$1; shift
  printf '%s\n' "$@" | grep -o "\b$k=[0-9.]*" | cut -d= -f2 | sort -g |
    awk '{ v[NR] = $1 } END { if (NR == 0) print "nan"; else if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
bad() { # total non-2xx + no_token + socket errors + timeouts
  printf '%s\n' "$@" | grep -o '\b\(non2xx\|no_token\|sock_err\|timeouts\)=[0-9]*' | cut -d= -f2 | awk '{ s += $1 } END { print s + 0 }'
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "nan" || b == "nan" || a + 0 == 0) print "n/a"; else printf "%.2f", b / a }'; }

echo
printf '%-10s %10s %10s %10s %12s %10s %10s %8s\n' "median of" rps p50_ms p99_ms cpu_ms/req server_cpu other_cpu bad
for side in peer ours; do
  if [ $side = peer ]; then L=("${LINES_A[@]}"); else L=("${LINES_B[@]}"); fi
  printf '%-10s %10s %10s %10s %12s %10s %10s %8s\n' "$side" "$(med rps "${L[@]}")" "$(med p50_ms "${L[@]}")" \
    "$(med p99_ms "${L[@]}")" "$(med cpu_ms_per_req "${L[@]}")" "$(med server_cpu "${L[@]}")" \
    "$(med other_cpu "${L[@]}")" "$(bad "${L[@]}")"
done
for k in rps p50_ms p99_ms cpu_ms_per_req; do
  eval "r_$k=\$(ratio \"\$(med $k \"\${LINES_A[@]}\")\" \"\$(med $k \"\${LINES_B[@]}\")\")"
done
echo "RATIO ours/peer: rps=${r_rps}x p50=${r_p50_ms}x p99=${r_p99_ms}x cpu_per_req=${r_cpu_ms_per_req}x  (rps > 1 and the others < 1: ours is better)"
if [ "$(bad "${LINES_A[@]}")" != 0 ] || [ "$(bad "${LINES_B[@]}")" != 0 ]; then
  echo "WARNING: some runs had non-2xx answers, answers without access_token, socket errors or timeouts"
fi
oth=$(med other_cpu "${LINES_A[@]}" "${LINES_B[@]}")
awk -v o="$oth" 'BEGIN { if (o != "nan" && o > 0.2) print "WARNING: other processes used a median " o " cores during the runs: rps and latency are depressed and noisy; cpu_ms/req is the sturdier comparison" }'
echo "# log: $LOG"
