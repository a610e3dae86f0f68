#!/usr/bin/env python3
"""The GPU check's measurements (run by scripts/gpu-check.sh after it built ekt_bench).

1. Parity: random checkpoints of Hugging Face transformers' own classes (GPT2LMHeadModel,
   GPTNeoForCausalLM with a local window shorter than the sequence, GPTJForCausalLM,
   LlamaForCausalLM, Qwen2ForCausalLM, MistralForCausalLM) against the core on the GPU: every
   position's logits in float32 (relative error <= 1e-4 of the largest logit, TF32 off on both
   sides) and in bfloat16 (<= 1e-1, the CPU test's bound, PrecisionTest, or at most 2x the error
   of transformers' own bfloat16 forward against its float32 one if that is larger).
2. Sampling: a GPT-Neo-1.3B-shaped random model in bfloat16, ~750-token prompts, n = 100 samples
   of 150 new tokens at T = 0.6, top-k 50: the core against generate(num_return_sequences=100).
3. Training: one optimizer step on the same shape, 32 sequences x 400 tokens, bfloat16 mixed
   precision, against a plain PyTorch loop (transformers model, autocast, torch.optim.AdamW):
   tokens/s and MFU against the GPU's dense bfloat16 peak.

4. The paper's teacher: a GPT-J-6B-shaped random model sampling in bfloat16 (12 GB of weights),
   one ~750-token prompt, n = 100, 150 new tokens: that it fits and runs on one GPU, and how fast.

Every figure goes to OUT/figures.json, rewritten after each part (a run cut short by its time limit
keeps what it measured); failures (a parity bound exceeded, a part that did not run through) are
recorded and make the exit status 1 after everything ran.

Runs with transformers 4.x (CI's 4.46) and 5.x (the GPU image's): checkpoints are written with
save_pretrained's defaults (safetensors; 5.x has no safe_serialization argument) and read back
without a dtype argument (torch_dtype is deprecated in 5.x), then cast.

--rehearsal runs every part at toy sizes, on any device (also the CPU, with a CPU-capable torch 2.x
and ekt_bench built against it), so the script itself is tried before a GPU's scarce minutes are spent.
"""
import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time

import numpy as np
import torch
import transformers as hf

hf.utils.logging.disable_progress_bar()  # 5.x draws bars for every checkpoint written and read: noise in the log

FP32_TOLERANCE = 1e-4
BF16_TOLERANCE = 1e-1


def bench(binary, *args):
    """Runs ekt_bench; its last stdout line is JSON."""
    done = subprocess.run([binary, *map(str, args)], capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"ekt_bench {' '.join(map(str, args))} failed: {done.stderr.strip()}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def on_gpu(device):
    return torch.device(device).type == "cuda"


def synchronize(device):
    if on_gpu(device):
        torch.cuda.synchronize()


def release(device):
    if on_gpu(device):
        torch.cuda.empty_cache()


def parity_models(vocab):
    common = dict(vocab_size=vocab)
    return {
        "gpt2": (hf.GPT2LMHeadModel, hf.GPT2Config(n_layer=2, n_embd=64, n_head=4, n_positions=128, **common)),
        "gpt_neo": (hf.GPTNeoForCausalLM, hf.GPTNeoConfig(num_layers=4, hidden_size=64, num_heads=4, window_size=7,
                                                         attention_types=[[["global", "local"], 2]],
                                                         max_position_embeddings=128, **common)),
        "gptj": (hf.GPTJForCausalLM, hf.GPTJConfig(n_layer=2, n_embd=64, n_head=4, rotary_dim=8, n_positions=128, **common)),
        "llama": (hf.LlamaForCausalLM, hf.LlamaConfig(num_hidden_layers=2, hidden_size=64, num_attention_heads=4,
                                                      num_key_value_heads=2, intermediate_size=128,
                                                      max_position_embeddings=128, **common)),
        "qwen2": (hf.Qwen2ForCausalLM, hf.Qwen2Config(num_hidden_layers=2, hidden_size=64, num_attention_heads=4,
                                                      num_key_value_heads=2, intermediate_size=128,
                                                      max_position_embeddings=128, **common)),
        "mistral": (hf.MistralForCausalLM, hf.MistralConfig(num_hidden_layers=2, hidden_size=64, num_attention_heads=4,
                                                            num_key_value_heads=2, intermediate_size=128, sliding_window=16,
                                                            max_position_embeddings=128, **common)),
    }


def relative_error(actual, expected):
    return float(np.abs(actual - expected).max() / np.abs(expected).max())


def parity(binary, work, device, failures):
    """Every position's logits of each architecture against transformers'; a bound exceeded is appended to failures."""
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    vocab, seq = 1000, 40  # 40 positions: past GPT-Neo's window of 7 and Mistral's of 16
    ids = torch.randint(0, vocab, (1, seq), generator=torch.Generator().manual_seed(0))
    ids_file = os.path.join(work, "ids.i64")
    ids.numpy().astype(np.int64).tofile(ids_file)
    results = {}
    for name, (cls, config) in parity_models(vocab).items():
        torch.manual_seed(1)
        model = cls(config).eval()
        directory = os.path.join(work, name)
        model.save_pretrained(directory)
        with torch.no_grad():
            model = model.to(device)
            expected = model(ids.to(device)).logits[0].float().cpu().numpy()
            theirs_bf16 = model.to(torch.bfloat16)(ids.to(device)).logits[0].float().cpu().numpy()
        row = {"hf_bf16_error": relative_error(theirs_bf16, expected)}
        for dtype in ("float32", "bfloat16"):
            out = os.path.join(work, f"{name}-{dtype}.f32")
            bench(binary, "logits", "--model", directory, "--device", device, "--dtype", dtype, "--ids", ids_file, "--out", out)
            ours = np.fromfile(out, dtype=np.float32).reshape(seq, vocab)
            row[f"{dtype}_error"] = relative_error(ours, expected)
            row[f"{dtype}_last_error"] = relative_error(ours[-1], expected[-1])
        bound = max(BF16_TOLERANCE, 2 * row["hf_bf16_error"])
        if row["float32_error"] > FP32_TOLERANCE:
            failures.append(f"{name} float32 relative error {row['float32_error']:.2e} > {FP32_TOLERANCE}")
        if row["bfloat16_error"] > bound:
            failures.append(f"{name} bfloat16 relative error {row['bfloat16_error']:.2e} > {bound:.2e}")
        results[name] = row
        print(f"parity {name}: {json.dumps(row)}", flush=True)
    return results


def neo_1p3b_config(rehearsal):
    """GPT-Neo 1.3B's shape (EleutherAI/gpt-neo-1.3B config.json); a toy one for a rehearsal."""
    shape = dict(hidden_size=2048, num_layers=24, num_heads=16, attention_types=[[["global", "local"], 12]])
    if rehearsal:
        shape = dict(hidden_size=64, num_layers=2, num_heads=4, attention_types=[[["global", "local"], 1]])
    return hf.GPTNeoConfig(vocab_size=50257, max_position_embeddings=2048, window_size=256, activation_function="gelu_new",
                           embed_dropout=0.0, attention_dropout=0.0, resid_dropout=0.0, **shape)


def gptj_6b_config(rehearsal):
    """GPT-J 6B's shape (EleutherAI/gpt-j-6b config.json); a toy one for a rehearsal."""
    shape = dict(n_embd=4096, n_layer=28, n_head=16, rotary_dim=64)
    if rehearsal:
        shape = dict(n_embd=64, n_layer=2, n_head=4, rotary_dim=8)
    return hf.GPTJConfig(vocab_size=50400, n_positions=2048, **shape)


def flops_per_step(config, rows, seq):
    """Model FLOPs of a training step as the core counts them (6 x matrix parameters per token, LM head, attention)."""
    c, layers, vocab = config.hidden_size, config.num_layers, config.vocab_size
    matrix = layers * (4 * c * c + 8 * c * c)  # q, k, v, out + the 4x MLP
    per_token = 2 * matrix + 2 * vocab * c
    attention = 4 * layers * c * rows * seq * seq
    return 3 * (per_token * rows * seq + attention)


def sampling(binary, directory, model, device, sizes):
    prompts, prompt_tokens, n, new_tokens = sizes
    generator = torch.Generator().manual_seed(3)
    batch = [torch.randint(0, 50257, (1, prompt_tokens), generator=generator) for _ in range(prompts)]
    settings = dict(do_sample=True, temperature=0.6, top_k=50, max_new_tokens=new_tokens, min_new_tokens=new_tokens,
                    num_return_sequences=n, pad_token_id=0)
    with torch.no_grad():
        model.generate(batch[0][:, :32].to(device), **{**settings, "max_new_tokens": 4, "min_new_tokens": 4})  # warm-up
        synchronize(device)
        start = time.perf_counter()
        for ids in batch:
            model.generate(ids.to(device), **settings)
        synchronize(device)
        seconds = time.perf_counter() - start
    generated = prompts * n * new_tokens
    theirs = {"generated_tokens": generated, "seconds": seconds, "tokens_per_s": generated / seconds}
    default = ekt_sampling(binary, directory, device, sizes, 0, 0)  # the device's default: stop checks every 8 steps on a GPU
    every_step = ekt_sampling(binary, directory, device, sizes, 1, 0)  # a host synchronisation per token, for comparison
    return {"transformers_generate": theirs, "ekt": default, "ekt_sync_every_step": every_step,
            "speedup": default["tokens_per_s"] / theirs["tokens_per_s"],
            "speedup_of_default_steps_per_sync": default["tokens_per_s"] / every_step["tokens_per_s"]}


def ekt_sampling(binary, directory, device, sizes, steps_per_sync, cuda_graphs):
    prompts, prompt_tokens, n, new_tokens = sizes
    return bench(binary, "sample", "--model", directory, "--device", device, "--dtype", "bfloat16", "--prompts", prompts,
                 "--prompt-tokens", prompt_tokens, "--n", n, "--new-tokens", new_tokens, "--max-batch", 2 * n,
                 "--memory-mb", 32768, "--steps-per-sync", steps_per_sync, "--cuda-graphs", cuda_graphs)


def random_model(cls, config, device, dtype, seed):
    """A randomly initialised transformers model built on the device in dtype (a 6B model in bfloat16 never
    exists in float32: 12 GB, not 24)."""
    torch.manual_seed(seed)
    default_dtype = torch.get_default_dtype()
    torch.set_default_dtype(dtype)
    try:
        with torch.device(device):
            return cls(config)
    finally:
        torch.set_default_dtype(default_dtype)


def teacher(binary, work, device, sizes, rehearsal):
    """The paper's teacher on one GPU: built and written in bfloat16, sampled by the core."""
    model = random_model(hf.GPTJForCausalLM, gptj_6b_config(rehearsal), device, torch.bfloat16, 4)
    directory = os.path.join(work, "gptj-6b")
    model.save_pretrained(directory)
    parameters = sum(p.numel() for p in model.parameters())
    del model
    release(device)
    figures = ekt_sampling(binary, directory, device, sizes, 0, 0)
    return {**figures, "parameters": parameters, "weights_gb": 2 * parameters / 1e9}


def graph_sampling(binary, directory, device, sizes, default):
    """Each run of steps captures one step as a CUDA graph and replays it: longer runs spread the capture.
    Against launching every kernel with the same steps per check (the default run where that is its value)."""
    figures = {}
    for steps in (8, 32):
        same = default["stats"]["steps_per_sync"] == steps
        eager = default if same else ekt_sampling(binary, directory, device, sizes, steps, 0)
        graphs = ekt_sampling(binary, directory, device, sizes, steps, 1)
        figures[f"steps_per_sync_{steps}"] = {"eager": eager, "cuda_graphs": graphs,
                                              "speedup": graphs["tokens_per_s"] / eager["tokens_per_s"]}
    return figures


def training(binary, directory, config, device, rows, seq, steps, peak_tflops):
    model = hf.GPTNeoForCausalLM.from_pretrained(directory).to(device, torch.float32).train()
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-5, eps=1e-6, weight_decay=0.1)
    ids = torch.randint(0, config.vocab_size, (rows, seq), generator=torch.Generator().manual_seed(5)).to(device)
    timed = 0.0
    for step in range(steps):
        synchronize(device)
        start = time.perf_counter()
        with torch.autocast(torch.device(device).type, dtype=torch.bfloat16):
            loss = model(input_ids=ids, labels=ids).loss
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        synchronize(device)
        if step > 0:
            timed += time.perf_counter() - start
    del model, optimizer
    release(device)
    per_step = timed / (steps - 1)
    tflops = flops_per_step(config, rows, seq) / per_step / 1e12
    theirs = {"step_seconds": per_step, "tokens_per_s": rows * seq / per_step, "model_tflops": tflops, "mfu": tflops / peak_tflops}
    ours = bench(binary, "train", "--model", directory, "--device", device, "--precision", "bfloat16", "--rows", rows,
                 "--seq", seq, "--steps", steps, "--peak-tflops", peak_tflops)
    return {"pytorch_loop": theirs, "ekt": ours, "speedup": ours["tokens_per_s"] / theirs["tokens_per_s"]}


class Record:
    """The figures so far and what failed, headed by the machine and versions, rewritten to OUT/<file>
    after every part."""

    def __init__(self, out, file, device):
        os.makedirs(out, exist_ok=True)
        self.path = os.path.join(out, file)
        self.figures = {"device": torch.cuda.get_device_name(0) if on_gpu(device) else platform.processor() or "cpu",
                        "torch": torch.__version__, "transformers": hf.__version__,
                        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "failures": []}
        self.failures = self.figures["failures"]

    def measure(self, name, run):
        """figures[name] = run(); a failure is recorded instead, so the other parts still run and are written."""
        try:
            self.figures[name] = run()
            print(f"{name}: {json.dumps(self.figures[name])}", flush=True)
        except Exception as e:  # whatever it was (a failed ekt_bench, out of memory), the part's line says it
            self.failures.append(f"{name}: {e}")
            print(f"{name} FAILED: {e}", flush=True)
        self.write()

    def write(self):
        with open(self.path, "w") as f:
            json.dump(self.figures, f, indent=2)

    def exit_status(self):
        """1 after printing each failure, 0 without any."""
        for line in self.failures:
            print("FAILED: " + line, file=sys.stderr)
        return 1 if self.failures else 0

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bench", required=True, help="the ekt_bench binary")
    ap.add_argument("--out", required=True)
    ap.add_argument("--device", default="cuda")
    ap.add_argument("--prompts", type=int, default=2)
    ap.add_argument("--peak-tflops", type=float, default=989.0, help="dense bfloat16 peak (H100/H200 SXM: 989)")
    ap.add_argument("--skip-large", action="store_true", help="parity only")
    ap.add_argument("--rehearsal", action="store_true", help="every part at toy sizes, on any device (try the script)")
    args = ap.parse_args()
    record = Record(args.out, "figures.json", args.device)
    with tempfile.TemporaryDirectory() as work:
        record.measure("parity", lambda: parity(args.bench, work, args.device, record.failures))
        if not args.skip_large:
            config = neo_1p3b_config(args.rehearsal)
            model = random_model(hf.GPTNeoForCausalLM, config, args.device, torch.float32, 2).eval()
            directory = os.path.join(work, "neo-1.3b")
            model.save_pretrained(directory)  # float32: the trainer's master weights
            model = model.to(torch.bfloat16)
            size = (40, 8, 12) if args.rehearsal else (750, 100, 150)  # prompt tokens, n, new tokens
            sizes = (1 if args.rehearsal else args.prompts, *size)
            record.measure("sampling", lambda: sampling(args.bench, directory, model, args.device, sizes))
            if "sampling" in record.figures:  # never run on a GPU before: measured on its own, so a failure leaves the rest
                record.measure("sampling_cuda_graphs",
                               lambda: graph_sampling(args.bench, directory, args.device, sizes, record.figures["sampling"]["ekt"]))
            del model
            release(args.device)
            rows, seq = (4, 32) if args.rehearsal else (32, 400)
            record.measure("training", lambda: training(args.bench, directory, config, args.device, rows, seq, 4, args.peak_tflops))
            record.measure("teacher_6b", lambda: teacher(args.bench, work, args.device, (1, *size), args.rehearsal))
    return record.exit_status()

if __name__ == "__main__":
    sys.exit(main())
