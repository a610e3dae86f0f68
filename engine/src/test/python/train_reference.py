#!/usr/bin/env python3
"""Independent reference for the trainer, in float64 numpy. It builds the fully padded batch
literally (every sequence padded with end-of-text to max_length, as the paper's collator does),
runs its own batched forward with the core's padding semantics (positions count real tokens;
padding keys are masked; padding queries attend to the real tokens), and evaluates the loss as
the definitions state: causal-LM cross-entropy over the positions the mask selects, averaged
over the batch, plus KL(teacher || student) at temperature T averaged over non-padding
positions. Gradients are central finite differences of that loss. Model weights are read with
hf_reference.py's own safetensors reader.

  train_reference.py loss --model DIR --spec SPEC.json   -> JSON {"loss", "ce_loss", "kd_loss", "grads": {name: [..]}}

SPEC: {"examples": [{"prompt": [int], "completion": [int]}], "max_length": L, "pad_id": E,
       "mask": "all" | "no_padding" | "completion_only", "teacher": DIR or null,
       "kd_weight": 1.0, "kd_temperature": 1.0, "probe": {param name: [flat indices]}, "fd_step": 1e-5}
"""
import argparse
import json
import math
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hf_reference as hf  # noqa: E402  (its layer_norm, act, softmax and safetensors reader)


class Model:
    def __init__(self, d):
        with open(os.path.join(d, "config.json")) as f:
            self.cfg = json.load(f)
        self.t = hf.read_checkpoint(d)
        c = self.cfg
        self.gpt2 = c["model_type"] == "gpt2"
        self.layers = c["n_layer"] if self.gpt2 else c["num_layers"]
        self.heads = c["n_head"] if self.gpt2 else c["num_heads"]
        self.windows = [0] * self.layers
        if not self.gpt2:
            self.windows = []
            for kinds, n in c["attention_types"]:
                self.windows += [c["window_size"] if k == "local" else 0 for k in kinds] * n

    def head(self):
        if self.cfg.get("tie_word_embeddings", True):
            return self.t["transformer.wte.weight"]
        return self.t["lm_head.weight"]

    def logits(self, ids, valid):
        """ids, valid: (B, L) -> (B, L, V)."""
        t, eps = self.t, self.cfg.get("layer_norm_epsilon", 1e-5)
        kind = self.cfg.get("activation_function", "gelu_new")
        v = valid.astype(np.int64)
        pos = np.cumsum(v, axis=1) - v  # a padding token sits where the next real token would
        x = t["transformer.wte.weight"][ids] + t["transformer.wpe.weight"][pos]
        B, L, C = x.shape
        H = self.heads
        D = C // H
        qi, kj = pos[:, :, None], pos[:, None, :]
        base = valid[:, None, :] & (kj <= qi)  # (B, L, L)
        for i in range(self.layers):
            p = f"transformer.h.{i}."
            h = hf.layer_norm(x, t[p + "ln_1.weight"], t[p + "ln_1.bias"], eps)
            if self.gpt2:
                q, k, vv = np.split(h @ t[p + "attn.c_attn.weight"] + t[p + "attn.c_attn.bias"], 3, axis=-1)
            else:
                a = p + "attn.attention."
                q, k, vv = (h @ t[a + n + ".weight"].T for n in ("q_proj", "k_proj", "v_proj"))
            q, k, vv = (z.reshape(B, L, H, D).transpose(0, 2, 1, 3) for z in (q, k, vv))  # (B, H, L, D)
            s = q @ k.transpose(0, 1, 3, 2)
            if self.gpt2 and self.cfg.get("scale_attn_weights", True):
                s = s / math.sqrt(D)
            allowed = base if not self.windows[i] else base & ((qi - kj) < self.windows[i])
            s = np.where(allowed[:, None], s, np.finfo(np.float32).min)
            y = (hf.softmax(s) @ vv).transpose(0, 2, 1, 3).reshape(B, L, C)
            if self.gpt2:
                y = y @ t[p + "attn.c_proj.weight"] + t[p + "attn.c_proj.bias"]
            else:
                y = y @ t[p + "attn.attention.out_proj.weight"].T + t[p + "attn.attention.out_proj.bias"]
            x = x + y
            h = hf.layer_norm(x, t[p + "ln_2.weight"], t[p + "ln_2.bias"], eps)
            if self.gpt2:
                m = hf.act(h @ t[p + "mlp.c_fc.weight"] + t[p + "mlp.c_fc.bias"], kind) @ t[p + "mlp.c_proj.weight"]
            else:
                m = hf.act(h @ t[p + "mlp.c_fc.weight"].T + t[p + "mlp.c_fc.bias"], kind) @ t[p + "mlp.c_proj.weight"].T
            x = x + m + t[p + "mlp.c_proj.bias"]
        x = hf.layer_norm(x, t["transformer.ln_f.weight"], t["transformer.ln_f.bias"], eps)
        return x @ self.head().T


def log_softmax(z):
    z = z - z.max(-1, keepdims=True)
    return z - np.log(np.exp(z).sum(-1, keepdims=True))


def padded_batch(spec):
    """The literal batch: (B, L) ids, validity, and the loss mask over target positions."""
    L, E, mode = spec["max_length"], spec["pad_id"], spec["mask"]
    B = len(spec["examples"])
    ids = np.full((B, L), E, dtype=np.int64)
    valid = np.zeros((B, L), dtype=bool)
    counted = np.zeros((B, L), dtype=bool)  # counted[b, j]: token j is a target in the loss
    for b, ex in enumerate(spec["examples"]):
        seq = (list(ex["prompt"]) + list(ex["completion"]))[:L]
        n, p = len(seq), min(len(ex["prompt"]), L)
        ids[b, :n] = seq
        valid[b, :n] = True
        for j in range(1, L):
            if mode == "all":
                counted[b, j] = True
            elif mode == "no_padding":
                counted[b, j] = j <= n  # the text and the one end-of-text token after it
            else:
                counted[b, j] = p <= j <= n
    return ids, valid, counted


def loss(student, teacher, spec, ids, valid, counted, teacher_logits):
    z = student.logits(ids, valid)  # (B, L, V)
    lp = log_softmax(z[:, :-1])
    tgt = ids[:, 1:]
    nll = -np.take_along_axis(lp, tgt[..., None], axis=-1)[..., 0]  # (B, L-1): position t predicts token t+1
    mask = counted[:, 1:]
    ce = float((nll * mask).sum() / mask.sum())
    if teacher is None:
        return ce, ce, 0.0
    T = spec.get("kd_temperature", 1.0)
    V = z.shape[-1]
    logq = log_softmax(z / T)
    logp = log_softmax(teacher_logits[..., :V] / T)
    kl = (np.exp(logp) * (logp - logq)).sum(-1)  # (B, L)
    kd = float(kl[valid].sum() / valid.sum())
    return ce + spec.get("kd_weight", 1.0) * kd, ce, kd


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    lo = sub.add_parser("loss")
    lo.add_argument("--model", required=True)
    lo.add_argument("--spec", required=True)
    args = ap.parse_args()
    with open(args.spec) as f:
        spec = json.load(f)
    student = Model(args.model)
    teacher = Model(spec["teacher"]) if spec.get("teacher") else None
    ids, valid, counted = padded_batch(spec)
    tl = teacher.logits(ids, valid) if teacher else None
    total, ce, kd = loss(student, teacher, spec, ids, valid, counted, tl)
    h = spec.get("fd_step", 1e-5)
    grads = {}
    for name, indices in spec.get("probe", {}).items():
        w = student.t[name].reshape(-1)  # a view: perturbing it perturbs the model
        out = []
        for i in indices:
            keep = w[i]
            w[i] = keep + h
            up = loss(student, teacher, spec, ids, valid, counted, tl)[0]
            w[i] = keep - h
            down = loss(student, teacher, spec, ids, valid, counted, tl)[0]
            w[i] = keep
            out.append((up - down) / (2 * h))
        grads[name] = out
    print(json.dumps({"loss": total, "ce_loss": ce, "kd_loss": kd, "grads": grads}))


if __name__ == "__main__":
    main()
