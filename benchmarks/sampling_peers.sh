#!/usr/bin/env bash
# Sampling on the CPU, side by side: `ekt sample` against Hugging Face transformers' own
# model.generate(...) (benchmarks/peers/generate_transformers.py), on ONE random-weight GPT-2
# checkpoint that transformers itself writes (stack.md's peer shape: 6 layers, d=512, 8 heads,
# vocabulary 8192, fp32) and the same token-id prompts. Sampling as SamplingBenchmark: temperature
# 0.6, top-k 50, no EOS, so every sample has its full length.
#
#   decode B=16, B=64   B independent random 16-token prompts, 128 new tokens each, one batch of B
#                       (ekt: --max-batch B; transformers: a batch of B prompts, use_cache=True)
#   shared prompt       one random 400-token prompt, n=100 samples of 150 new tokens
#                       (ekt: --n 100 --max-batch 100; transformers: num_return_sequences=100)
#
# Per workload and engine: REPS repetitions of the whole workload and of the same workload with 1 new
# token (prefill + first token); medians. tokens/s = generated tokens / seconds of the whole
# workload; ms/step = (whole - first token) / (new tokens - 1), one decode step that gives every row
# a token, prefill excluded; first token s = the 1-token run. transformers: one process, WARMUP
# untimed generate() calls first, seconds of the generate() call. ekt: every run its own
# `ekt sample` process, as a user runs it, seconds from its own progress line (sampling only: after
# the JVM started and the model loaded; the whole process's wall time is shown too); its one-time
# per-process setup is in its first token s and tokens/s, and out of its ms/step. Both run 2 threads
# (EKT_THREADS, torch.set_num_threads) with scripts/env.sh's settings. Prints the machine, date and
# load before and after, then one table.
#
# Usage: benchmarks/sampling_peers.sh [options]
#   --batches "16 64"     decode batch sizes            --new-tokens 128        decode new tokens
#   --shared-prompt 400   shared prompt length          --shared-n 100          samples of it
#   --shared-new-tokens 150                             --no-shared             skip that workload
#   --warmup 1            untimed generate() calls      --reps 3                timed repetitions
#   --threads 2
# Full measurement: benchmarks/sampling_peers.sh   (defaults above; run it on a quiet machine.
#   Duration on the 2-core AMD EPYC without AVX-512: --reps 1 took 9 min 41 s, three quarters of it
#   transformers' shared-prompt runs (a 40,000-token prefill for num_return_sequences=100); the
#   default 3 repetitions take about 25 minutes.)
# Quick check:      benchmarks/sampling_peers.sh --batches 4 --new-tokens 8 --shared-prompt 32 \
#                       --shared-n 4 --shared-new-tokens 8 --warmup 0 --reps 1
#
# Needs Debian's python3-torch (1.13) and, once, PyPI: the pinned transformers 4.46.3 set of
# TransformersParityTest.PACKAGES is downloaded as wheels with pip (nothing installed into any
# interpreter) and unpacked into ${XDG_CACHE_HOME:-~/.cache}/ekt/pypi-transformers, used through
# PYTHONPATH; the parity test's own folder (engine/target/pypi-transformers) is used if it holds the
# same set. Offline after the first time.
set -euo pipefail
shopt -s inherit_errexit  # a failure inside $(...) stops the script too
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PEER="$ROOT/benchmarks/peers/generate_transformers.py"
PY=/usr/bin/python3

BATCHES="16 64" NEW=128 SHARED_PROMPT=400 SHARED_N=100 SHARED_NEW=150 SHARED=1 WARMUP=1 REPS=3 THREADS=2
usage() { sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'; }
while [ $# -gt 0 ]; do
  case "$1" in
    --batches) BATCHES="${2:?$1 needs a value}"; shift 2 ;;
    --new-tokens) NEW="${2:?$1 needs a value}"; shift 2 ;;
    --shared-prompt) SHARED_PROMPT="${2:?$1 needs a value}"; shift 2 ;;
    --shared-n) SHARED_N="${2:?$1 needs a value}"; shift 2 ;;
    --shared-new-tokens) SHARED_NEW="${2:?$1 needs a value}"; shift 2 ;;
    --no-shared) SHARED=0; shift ;;
    --warmup) WARMUP="${2:?$1 needs a value}"; shift 2 ;;
    --reps) REPS="${2:?$1 needs a value}"; shift 2 ;;
    --threads) THREADS="${2:?$1 needs a value}"; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "sampling_peers.sh: unknown argument '$1'" >&2; usage >&2; exit 2 ;;
  esac
done
fail() { echo "sampling_peers.sh: $*" >&2; exit 1; }
for v in "$NEW" "$SHARED_PROMPT" "$SHARED_N" "$SHARED_NEW" "$REPS" "$THREADS" $BATCHES; do
  [[ "$v" =~ ^[1-9][0-9]*$ ]] || fail "counts must be positive integers, got '$v'"
done
[[ "$WARMUP" =~ ^[0-9]+$ ]] || fail "--warmup must be an integer >= 0, got '$WARMUP'"
$PY -c 'import torch' 2>/dev/null || fail "$PY has no torch: install Debian's python3-torch (apt-get install python3-torch)"

# The pinned PyPI set, read from the one place it is written (the parity test), in the form of the
# test's .installed marker (one "name==version" a line).
PARITY="$ROOT/engine/src/test/java/ekt/core/TransformersParityTest.java"
WANTED="$(sed -n '/PACKAGES = List.of(/,/);/p' "$PARITY" | grep -o '"[^"]*==[^"]*"' | tr -d '"')"
[ -n "$WANTED" ] || fail "no PACKAGES list found in $PARITY"
CACHE="${XDG_CACHE_HOME:-$HOME/.cache}/ekt/pypi-transformers"
pypi_site() {
  local site
  for site in "$ROOT/engine/target/pypi-transformers" "$CACHE"; do
    if [ -f "$site/.installed" ] && [ "$(cat "$site/.installed")" = "$WANTED" ]; then echo "$site"; return; fi
  done
  local pip
  if command -v pip3 >/dev/null; then pip=(pip3); elif command -v pip >/dev/null; then pip=(pip)
  elif $PY -m pip --version >/dev/null 2>&1; then pip=($PY -m pip)
  else fail "no pip (pip3, pip or $PY -m pip) to fetch the PyPI set once; install python3-pip"; fi
  local wheels
  wheels="$(mktemp -d)"
  echo "fetching the pinned PyPI set once into $CACHE: $(echo $WANTED)" >&2
  # shellcheck disable=SC2086  # one argument per package
  if ! "${pip[@]}" download --no-deps --only-binary=:all: --python-version 3.11 --implementation cp \
      --platform manylinux2014_x86_64 --platform manylinux_2_28_x86_64 --disable-pip-version-check -q \
      -d "$wheels" $WANTED >&2; then
    rm -rf "$wheels"
    fail "cannot fetch the PyPI set (pip download of $(echo $WANTED) failed): PyPI must be reachable the first time; after that $CACHE is used offline"
  fi
  rm -rf "$CACHE.tmp" && mkdir -p "$CACHE.tmp"
  $PY - "$wheels" "$CACHE.tmp" <<'PY'
import os, pathlib, sys, zipfile
wheels, into = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2]).resolve()
for wheel in sorted(wheels.iterdir()):
    with zipfile.ZipFile(wheel) as z:
        for name in z.namelist():
            if not (into / name).resolve().is_relative_to(into):
                sys.exit(f"{wheel}: entry {name} escapes the folder")
        z.extractall(into)
for so in into.rglob("*.so"):
    so.chmod(so.stat().st_mode | 0o111)
PY
  printf '%s' "$WANTED" > "$CACHE.tmp/.installed"
  rm -rf "$wheels" "$CACHE" && mv "$CACHE.tmp" "$CACHE"
  echo "$CACHE"
}
SITE="$(pypi_site)"
export PYTHONPATH="$SITE"
$PY -c 'import transformers' 2>/dev/null || fail "transformers from $SITE does not import under $PY"

cd "$ROOT"
source scripts/env.sh >/dev/null  # OMP_WAIT_POLICY, and OPENBLAS_CORETYPE where the CPU has AVX-512, for both engines
export EKT_THREADS="$THREADS"
./ekt --version >/dev/null          # builds the launcher's classes if the sources are newer
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

machine() {
  local avx512=no
  grep -q avx512f /proc/cpuinfo && avx512=yes
  echo "machine: $(lscpu | sed -n 's/^Model name: *//p' | head -1), $(nproc) cores, AVX-512: $avx512, $(free -g | awk '/^Mem:/ {print $2}') GiB"
  echo "date: $(date -u '+%F %H:%M:%S') UTC; load before: $(uptime | sed 's/.*load average: //')"
}
machine

$PY "$PEER" make --out "$WORK/model"
# Prompts: {"id", "tokens"} records, ids below VOCAB - 1 as SamplingBenchmark's.
prompts() {  # COUNT LENGTH SEED FILE
  $PY - "$@" <<'PY'
import json, random, sys
count, length, seed, path = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
r = random.Random(seed)
with open(path, "w") as f:
    for i in range(count):
        f.write(json.dumps({"id": f"p{i}", "tokens": [r.randrange(8191) for _ in range(length)]}) + "\n")
PY
}

# One `ekt sample` run: prints "SECONDS WALL" (its progress line's sampling seconds, the process's).
ekt_once() {  # PROMPTS N BATCH NEW SEED
  local log="$WORK/ekt.log" t0 t1 rows
  t0=$(date +%s.%N)
  ./ekt sample --model "$WORK/model" --prompts "$1" --n "$2" --max-batch "$3" --max-new-tokens "$4" --seed "$5" \
      --temperature 0.6 --top-k 50 --eos -1 --no-token-logprobs --overwrite --out "$WORK/samples.jsonl" 2> "$log" \
      || { cat "$log" >&2; fail "ekt sample failed (log above)"; }
  t1=$(date +%s.%N)
  # Every sample must have its full length (no EOS): the records' token lists.
  rows=$($PY -c 'import json, sys; r = [json.loads(l) for l in open(sys.argv[1])]
bad = [x["id"] for x in r if len(x["tokens"]) != int(sys.argv[2])]
sys.exit(f"samples shorter than {sys.argv[2]} tokens: {bad[:5]}") if bad else print(len(r))' "$WORK/samples.jsonl" "$4")
  # The last progress line: "[sample] D/D samples (100%) | R samples/s | R tokens/s | took mm:ss".
  awk -v tokens=$(( rows * $4 )) -v wall="$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')" '/\[sample\]/ {
      for (i = 1; i <= NF; i++) if ($(i + 1) == "tokens/s") rate = $i
    }
    END { if (!rate) exit 1; printf "%.4f %.3f\n", tokens / rate, wall }' "$log" || fail "no progress line in ekt's log: $(cat "$log")"
}

# One workload on both engines: one JSON line per engine into $WORK/results.jsonl.
workload() {  # NAME PROMPTS N BATCH NEW
  local name=$1 file=$2 n=$3 batch=$4 new=$5 r out full="" one="" wall=""
  echo "[$(date -u +%H:%M:%S)] $name: ekt sample" >&2
  for ((r = 0; r < REPS; r++)); do
    out=$(ekt_once "$file" "$n" "$batch" "$new" "$r")
    full+="${out% *},"; wall+="${out#* },"
    out=$(ekt_once "$file" "$n" "$batch" 1 "$r")
    one+="${out% *},"
  done
  $PY - "$name" "$(wc -l < "$file")" "$n" "$new" "$full" "$one" "$wall" "$THREADS" >> "$WORK/results.jsonl" <<'PY'
import json, statistics, sys
name, prompts, n, new = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
full, one, wall = ([float(x) for x in s.split(",") if x] for s in sys.argv[5:8])
f, o = statistics.median(full), statistics.median(one)
print(json.dumps({"workload": name, "engine": f"ekt sample, {sys.argv[8]} threads", "rows": prompts * n,
                  "tokens": prompts * n * new, "seconds": f, "tokens_per_s": prompts * n * new / f, "first_token_seconds": o,
                  "ms_per_step": 1e3 * (f - o) / (new - 1) if new > 1 else None, "process_seconds": statistics.median(wall),
                  "seconds_each": full, "first_token_seconds_each": one}))
PY
  echo "[$(date -u +%H:%M:%S)] $name: transformers generate" >&2
  $PY "$PEER" bench --model "$WORK/model" --prompts "$file" --n "$n" --max-new-tokens "$new" \
      --threads "$THREADS" --warmup "$WARMUP" --reps "$REPS" \
    | $PY -c 'import json, sys; r = json.loads(sys.stdin.read()); r["workload"] = sys.argv[1]; print(json.dumps(r))' "$name" \
    >> "$WORK/results.jsonl"
}

for b in $BATCHES; do
  prompts "$b" 16 "$b" "$WORK/decode-$b.jsonl"
  workload "decode B=$b (16-token prompts, $NEW new)" "$WORK/decode-$b.jsonl" 1 "$b" "$NEW"
done
if [ "$SHARED" = 1 ]; then
  prompts 1 "$SHARED_PROMPT" 400 "$WORK/shared.jsonl"
  workload "shared prompt ($SHARED_PROMPT tokens, n=$SHARED_N x $SHARED_NEW new)" "$WORK/shared.jsonl" "$SHARED_N" "$SHARED_N" "$SHARED_NEW"
fi

echo "load after: $(uptime | sed 's/.*load average: //')"
$PY - "$WORK/results.jsonl" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
for r in rows:
    if not r["engine"].startswith("ekt"):
        print(f"peer: {r['engine']}")
        break
print("| workload | ekt tokens/s | transformers tokens/s | ekt / transformers | ekt ms/step | transformers ms/step "
      "| ekt first token s | transformers first token s | ekt process s |")
print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
step = lambda v: "-" if v is None else f"{v:.1f}"
for name in dict.fromkeys(r["workload"] for r in rows):
    e, t = (next(r for r in rows if r["workload"] == name and r["engine"].startswith(k)) for k in ("ekt", "transformers"))
    print(f"| {name} | {e['tokens_per_s']:,.0f} | {t['tokens_per_s']:,.0f} | {e['tokens_per_s'] / t['tokens_per_s']:.2f}x "
          f"| {step(e['ms_per_step'])} | {step(t['ms_per_step'])} | {e['first_token_seconds']:.2f} "
          f"| {t['first_token_seconds']:.2f} | {e['process_seconds']:.1f} |")
print("(seconds per repetition, whole workload: " + "; ".join(
    f"{r['workload'].split(' (')[0]} {r['engine'].split(' ')[0]} {', '.join(f'{s:.2f}' for s in r['seconds_each'])}" for r in rows) + ")")
PY
