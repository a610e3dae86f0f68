#!/usr/bin/env python3
"""Peer measurement for TrainBenchmark: the same training step in PyTorch eager (Debian's
python3-torch 1.13), for a side-by-side comparison on the same machine at the same time.
GPT-2 shape of stack.md (6 layers, d=512, 8 heads, vocab 8192, 1024 positions, tied head), B=8
sequences of T=128 tokens, causal-LM loss on every next token, clip_grad_norm_(1.0), AdamW.
Prints wall time and process CPU time (all threads) per step; the CPU time is less sensitive to
other jobs on a shared machine, like TrainBenchmark's "process CPU" figure.

  OPENBLAS_CORETYPE=SkylakeX OMP_WAIT_POLICY=PASSIVE /usr/bin/python3 train_step_pytorch.py [threads] [steps]
"""
import math
import statistics
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class Block(nn.Module):
    def __init__(self, d, heads):
        super().__init__()
        self.heads = heads
        self.ln_1, self.ln_2 = nn.LayerNorm(d), nn.LayerNorm(d)
        self.c_attn, self.c_proj = nn.Linear(d, 3 * d), nn.Linear(d, d)
        self.c_fc, self.mlp_proj = nn.Linear(d, 4 * d), nn.Linear(4 * d, d)

    def forward(self, x, mask):
        B, T, C = x.shape
        q, k, v = self.c_attn(self.ln_1(x)).split(C, dim=-1)
        q, k, v = (z.view(B, T, self.heads, -1).transpose(1, 2) for z in (q, k, v))
        att = (q @ k.transpose(-1, -2)) / math.sqrt(q.size(-1))
        att = att.masked_fill(~mask, torch.finfo(att.dtype).min).softmax(-1)
        x = x + self.c_proj((att @ v).transpose(1, 2).reshape(B, T, C))
        return x + self.mlp_proj(F.gelu(self.c_fc(self.ln_2(x)), approximate="tanh"))


class Gpt2(nn.Module):
    def __init__(self, vocab=8192, positions=1024, d=512, layers=6, heads=8):
        super().__init__()
        self.wte, self.wpe = nn.Embedding(vocab, d), nn.Embedding(positions, d)
        self.h = nn.ModuleList(Block(d, heads) for _ in range(layers))
        self.ln_f = nn.LayerNorm(d)
        for p in self.parameters():
            if p.dim() >= 2:
                nn.init.normal_(p, 0.0, 0.02)

    def forward(self, ids):
        T = ids.size(1)
        mask = torch.ones(T, T, dtype=torch.bool).tril()
        x = self.wte(ids) + self.wpe(torch.arange(T))
        for block in self.h:
            x = block(x, mask)
        return self.ln_f(x) @ self.wte.weight.T


def main():
    threads = int(sys.argv[1]) if len(sys.argv) > 1 else 2
    steps = int(sys.argv[2]) if len(sys.argv) > 2 else 10
    torch.set_num_threads(threads)
    torch.manual_seed(1)
    model = Gpt2()
    decay = [p for p in model.parameters() if p.dim() >= 2]
    rest = [p for p in model.parameters() if p.dim() < 2]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.1}, {"params": rest, "weight_decay": 0.0}], lr=1e-5, eps=1e-6)
    ids = torch.randint(0, 8191, (8, 128))
    times, cpu = [], []
    for s in range(steps + 2):
        t0, c0 = time.perf_counter(), time.process_time()
        logits = model(ids)
        loss = F.cross_entropy(logits[:, :-1].reshape(-1, logits.size(-1)), ids[:, 1:].reshape(-1))
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        opt.zero_grad(set_to_none=True)
        if s >= 2:
            times.append(time.perf_counter() - t0)
            cpu.append(time.process_time() - c0)
    print(f"pytorch {torch.__version__} threads {threads}: median {1e3 * statistics.median(times):.0f} ms/step, "
          f"best {1e3 * min(times):.0f} ms, process CPU median {1e3 * statistics.median(cpu):.0f} ms/step (loss {loss.item():.4f})")


if __name__ == "__main__":
    main()
