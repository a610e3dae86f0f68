#!/usr/bin/env bash
# Data-parallel training on this machine: `ekt train` on TrainBenchmark's model (random GPT-2,
# 6 layers, d=512, 8 heads, vocabulary 8192; B=8 sequences of T=128 tokens per step, loss on
# every next-token prediction) as one process with two worker threads, and as two ranks of one
# thread each through the real torchrun (Gloo on 127.0.0.1). Prints the median step time of both
# and the all-reduce time per step that rank 0 measured. Usage: benchmarks/distributed_train.sh [STEPS]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
STEPS="${1:-12}"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
cd "$ROOT"
./ekt build >/dev/null

/usr/bin/python3 engine/src/test/python/hf_reference.py make --type gpt2 --layers 6 --hidden 512 --heads 8 --vocab 8192 \
    --positions 128 --scale 0.02 --out "$WORK/model"
/usr/bin/python3 - "$WORK/train.jsonl" "$STEPS" <<'PY'
import json, random, sys
r = random.Random(1)
with open(sys.argv[1], "w") as f:
    for i in range(8 * int(sys.argv[2])):   # 128 real tokens per sequence (127 + end of text)
        f.write(json.dumps({"id": f"p{i}", "prompt_tokens": [r.randrange(8191) for _ in range(27)],
                            "completion_tokens": [r.randrange(8191) for _ in range(100)]}) + "\n")
PY
CP="$ROOT/cli/target/classes:$ROOT/cli/target/lib/*"
ARGS=(train --model "$WORK/model" --data "$WORK/train.jsonl" --epochs 1 --batch 8 --accum 1 --max-length 128
      --mask no-padding --warmup 0 --log-every 1)

median_ms() {  # median step time from the progress lines (tokens per step / tok/s), skipping the first two steps
  awk '/^step [0-9]+\// { for (i = 1; i <= NF; i++) if ($(i+1) == "tok/s") print 1024 * 1000 / $i }' "$1" | tail -n +3 | sort -n |
    awk '{ a[NR] = $1 } END { print (NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2) }'
}

echo "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg); $(date -u +%F)"
EKT_THREADS=2 java -cp "$CP" ekt.cli.Main "${ARGS[@]}" --out "$WORK/one" > "$WORK/one.log" 2>&1
echo "1 process x 2 worker threads: $(median_ms "$WORK/one.log") ms per step (median of $((STEPS - 2)))"
EKT_THREADS=1 /usr/bin/torchrun --no_python --nproc_per_node 2 --master_port 29531 \
    "$(command -v java)" -cp "$CP" ekt.cli.Main "${ARGS[@]}" --out "$WORK/two" > "$WORK/two.log" 2>&1
echo "2 ranks x 1 thread (torchrun, gloo): $(median_ms "$WORK/two.log") ms per step (median of $((STEPS - 2)))"
grep '^all-reduce' "$WORK/two.log"
