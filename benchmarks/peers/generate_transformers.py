#!/usr/bin/env python3
"""Peer measurement for SamplingBenchmark and `ekt sample`: Hugging Face transformers' own
`model.generate(...)` on the CPU, on the same random-weight GPT-2 checkpoint and the same prompt
ids, for a side-by-side comparison (benchmarks/sampling_peers.sh drives both).

  make  --out DIR                      a random GPT-2 of stack.md's peer shape (6 layers, d=512,
                                       8 heads, vocabulary 8192, 1024 positions, fp32), written by
                                       transformers itself: GPT2LMHeadModel(GPT2Config(...))
                                       .save_pretrained(DIR)
  bench --model DIR --prompts FILE --n N --max-new-tokens T [--threads 2 --warmup 1 --reps 3]
                                       generate() on the prompts of FILE ({"id", "tokens"} JSONL,
                                       all of one length) as ONE batch, N samples per prompt
                                       (num_return_sequences=N), use_cache=True, do_sample with
                                       temperature 0.6, top-k 50, no EOS (every sample has exactly
                                       T new tokens); prints one JSON line of figures.

Timing: after the warm-up calls, each repetition times generate(max_new_tokens=T) and
generate(max_new_tokens=1) (the prompt's prefill and the first token). tokens/s = rows * T /
median time of the full call; ms per decode step = (median full - median one) / (T - 1), the
time of one step that gives every row one more token, prefill excluded. sampling_peers.sh
measures `ekt sample` the same two ways, so the two columns mean the same thing.

Runs under Debian's python3 with its torch (python3-torch 1.13) and transformers 4.46.3 from PyPI
on PYTHONPATH (the set TransformersParityTest uses; sampling_peers.sh fetches it).
"""
import argparse
import json
import statistics
import time

import torch
import transformers as hf
import transformers.generation.utils

# generate() asks whether the model is FSDP-wrapped by importing torch.distributed.fsdp, which in
# Debian's torch 1.13 fails to import under Python 3.11 (a dataclass with a mutable default in
# torch.distributed._shard). This process never wraps the model, so the answer is no.
transformers.generation.utils.is_fsdp_managed_module = lambda module: False

LAYERS, HIDDEN, HEADS, VOCAB, POSITIONS = 6, 512, 8, 8192, 1024
TEMPERATURE, TOP_K = 0.6, 50


def make(out, seed):
    torch.manual_seed(seed)
    # Prompts draw ids below VOCAB - 1 (as SamplingBenchmark's do); the last id is the declared end of
    # text, which neither engine is told to stop at here.
    config = hf.GPT2Config(vocab_size=VOCAB, n_positions=POSITIONS, n_embd=HIDDEN, n_layer=LAYERS, n_head=HEADS,
                           bos_token_id=VOCAB - 1, eos_token_id=VOCAB - 1)
    hf.GPT2LMHeadModel(config).save_pretrained(out)


def read_prompts(path):
    rows = [json.loads(line)["tokens"] for line in open(path) if line.strip()]
    if len({len(r) for r in rows}) != 1:
        raise SystemExit(f"{path}: prompts of different lengths; this peer batches them without padding")
    return torch.tensor(rows)


def bench(a):
    torch.set_num_threads(a.threads)
    model = hf.GPT2LMHeadModel.from_pretrained(a.model).eval()
    ids = read_prompts(a.prompts)                                          # [P, L]
    rows = ids.size(0) * a.n

    def generate(new_tokens, seed):
        torch.manual_seed(seed)
        t0 = time.perf_counter()
        with torch.no_grad():
            out = model.generate(ids, attention_mask=torch.ones_like(ids), do_sample=True, temperature=TEMPERATURE,
                                 top_k=TOP_K, top_p=1.0, max_new_tokens=new_tokens, min_new_tokens=new_tokens,
                                 num_return_sequences=a.n, use_cache=True, eos_token_id=None, pad_token_id=VOCAB - 1)
        seconds = time.perf_counter() - t0
        if tuple(out.shape) != (rows, ids.size(1) + new_tokens):                # [P * n, L + new_tokens]
            raise SystemExit(f"generate returned {tuple(out.shape)}, expected {(rows, ids.size(1) + new_tokens)}")
        return seconds

    for w in range(a.warmup):
        generate(a.max_new_tokens, 1000 + w)
    full, one = [], []
    for r in range(a.reps):
        full.append(generate(a.max_new_tokens, r))
        one.append(generate(1, r))
    full_s, one_s = statistics.median(full), statistics.median(one)
    print(json.dumps({
        "engine": f"transformers {hf.__version__} generate, torch {torch.__version__}, "
                  f"{model.config._attn_implementation} attention, {a.threads} threads",
        "prompts": ids.size(0), "prompt_tokens": ids.size(1), "n": a.n, "rows": rows, "new_tokens": a.max_new_tokens,
        "tokens": rows * a.max_new_tokens, "seconds": full_s, "tokens_per_s": rows * a.max_new_tokens / full_s,
        "first_token_seconds": one_s,
        "ms_per_step": 1e3 * (full_s - one_s) / (a.max_new_tokens - 1) if a.max_new_tokens > 1 else None,
        "seconds_each": full, "first_token_seconds_each": one}))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="command", required=True)
    m = sub.add_parser("make", help="write the random checkpoint")
    m.add_argument("--out", required=True)
    m.add_argument("--seed", type=int, default=1)
    b = sub.add_parser("bench", help="time generate() on a prompt file")
    b.add_argument("--model", required=True)
    b.add_argument("--prompts", required=True)
    b.add_argument("--n", type=int, default=1, help="num_return_sequences (default: 1)")
    b.add_argument("--max-new-tokens", type=int, required=True)
    b.add_argument("--threads", type=int, default=2, help="torch.set_num_threads (default: 2)")
    b.add_argument("--warmup", type=int, default=1, help="untimed calls first (default: 1)")
    b.add_argument("--reps", type=int, default=3, help="timed repetitions, median reported (default: 3)")
    a = ap.parse_args()
    if a.command == "make":
        make(a.out, a.seed)
    else:
        if a.reps < 1 or a.max_new_tokens < 1:
            raise SystemExit("--reps and --max-new-tokens must be at least 1")
        bench(a)


if __name__ == "__main__":
    main()
