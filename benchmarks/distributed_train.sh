#!/usr/bin/env bash
# Data-parallel training on this machine: `ekt train` on TrainBenchmark's model (random GPT-2,
# 6 layers, d=512, 8 heads, vocabulary 8192; B=8 sequences of T=128 tokens per step, loss on
# every next-token prediction) as one process with one worker thread, as one process with two,
# and as two ranks of one thread each (Gloo on 127.0.0.1), the ranks started with the variables
# torchrun sets (RANK, WORLD_SIZE, LOCAL_RANK, MASTER_ADDR, MASTER_PORT; DistributedTrainCliTest
# shows that the real torchrun's ranks compute the same bits). Prints each run's training
# throughput over the steps after the first two, and the all-reduce time per step rank 0 measured.
# Usage: benchmarks/distributed_train.sh [STEPS]   (default 12)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
STEPS="${1:-12}"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
cd "$ROOT"
./ekt build >/dev/null
source scripts/env.sh >/dev/null  # OPENBLAS_CORETYPE where the CPU has AVX-512, as the tests run

/usr/bin/python3 engine/src/test/python/hf_reference.py make --type gpt2 --layers 6 --hidden 512 --heads 8 --vocab 8192 \
    --positions 128 --scale 0.02 --out "$WORK/model" >/dev/null
/usr/bin/python3 - "$WORK/train.jsonl" "$STEPS" <<'PY'
import json, random, sys
r = random.Random(1)
with open(sys.argv[1], "w") as f:
    for i in range(8 * int(sys.argv[2])):   # 128 tokens per sequence (27 + 100 + end of text)
        f.write(json.dumps({"id": f"p{i}", "prompt_tokens": [r.randrange(8191) for _ in range(27)],
                            "completion_tokens": [r.randrange(8191) for _ in range(100)]}) + "\n")
PY
CP="$ROOT/cli/target/classes:$ROOT/cli/target/lib/*"
ARGS=(train --model "$WORK/model" --data "$WORK/train.jsonl" --epochs 1 --micro-batch 8 --accum 1 --max-length 128
      --mask no-padding --warmup 0 --log-every 1)

# Throughput over steps 3..STEPS from rank 0's progress lines ("[train] k/N steps ... | R tokens/s |",
# R = tokens so far / seconds so far): step k ends at k*1024/R_k seconds.
throughput() {
  awk -v steps="$STEPS" '/\[train\] [0-9]+\/[0-9]+ steps/ {
      for (i = 1; i <= NF; i++) {
        if ($i == "[train]") { split($(i+1), kn, "/"); k = kn[1] }
        if ($(i+1) == "tokens/s") r = $i
      }
      end[k] = k * 1024 / r
    }
    END { s = end[steps] - end[2]; printf "%.0f tokens/s, %.0f ms per step", (steps - 2) * 1024 / s, 1000 * s / (steps - 2) }' "$1"
}

java_main() { java -cp "$CP" ekt.cli.Main "$@"; }

echo "machine: $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')), $(date -u '+%F %H:%M') UTC"
echo "load before: $(uptime | sed 's/.*load average/load average/')"
EKT_THREADS=1 java_main "${ARGS[@]}" --out "$WORK/one1" > "$WORK/one1.log" 2>&1
echo "1 process x 1 thread:  $(throughput "$WORK/one1.log")"
EKT_THREADS=2 java_main "${ARGS[@]}" --out "$WORK/one2" > "$WORK/one2.log" 2>&1
echo "1 process x 2 threads: $(throughput "$WORK/one2.log")"
PORT="$(/usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
pids=()
for rank in 0 1; do
  EKT_THREADS=1 RANK=$rank LOCAL_RANK=$rank WORLD_SIZE=2 MASTER_ADDR=127.0.0.1 MASTER_PORT=$PORT \
      java_main "${ARGS[@]}" --out "$WORK/two" > "$WORK/two-rank$rank.log" 2>&1 &
  pids+=($!)
done
for pid in "${pids[@]}"; do wait "$pid" || { cat "$WORK"/two-rank*.log; exit 1; }; done
echo "2 ranks x 1 thread:    $(throughput "$WORK/two-rank0.log")"
grep '^all-reduce' "$WORK/two-rank0.log"
echo "load after: $(uptime | sed 's/.*load average/load average/')"
