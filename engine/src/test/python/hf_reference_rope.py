#!/usr/bin/env python3
"""Independent reference for the rotary-embedding architectures of the native core, written from
Hugging Face's published modeling code (modeling_gptj.py, modeling_llama.py, modeling_qwen2.py,
modeling_mistral.py, modeling_rope_utils.py) in plain numpy, float64. It shares no code with the
project beyond hf_reference.py's safetensors reader/writer and LayerNorm/softmax helpers.

  hf_reference_rope.py make   --type gptj|llama|qwen2|mistral --out DIR [--layers 2 --hidden 32 ...]
  hf_reference_rope.py logits --model DIR --ids 1,2,3     -> JSON [[logit per vocab] per position]
  hf_reference_rope.py compare --a DIR --b DIR            -> JSON {"max_abs_diff": x, "tensors": n}

Semantics followed (transformers 4.4x-4.5x):
  GPT-J: wte; per block x + attn(ln_1(x)) + mlp(ln_1(x)); rotary on the first rotary_dim dims of
    q and k with rotate_every_two (pairs 2i, 2i+1), inv_freq = 1 / 10000^(2i/rotary_dim); scores
    divided by sqrt(head_dim); ln_f; lm_head with bias.
  Llama/Qwen2/Mistral: embed_tokens; x + attn(rms(x)), x + mlp(rms(x)); rotate_half rotary on whole
    heads with inv_freq from the rope init functions (default, linear, dynamic, llama3, yarn; yarn's
    attention factor multiplies cos and sin); repeat_kv for grouped-query attention; scores times
    head_dim^-0.5; causal mask, and where sliding: key index > query index - window; SwiGLU MLP;
    norm; lm_head. Dynamic NTK: seq_len = max(position_ids) + 1, recomputed when above
    max_position_embeddings.
"""
import argparse
import json
import math
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from hf_reference import act as base_act, layer_norm, read_tensors, softmax, write_checkpoint  # noqa: E402

NEG = np.finfo(np.float32).min


# ---------------------------------------------------------------- checkpoints



def make(args):
    rng = np.random.default_rng(args.seed)
    C, L, H, V, P = args.hidden, args.layers, args.heads, args.vocab, args.positions
    K = args.kv_heads or H
    D = args.head_dim or C // H
    F = args.inner or 4 * C

    def w(*shape, scale=args.scale):
        return rng.normal(0.0, scale, size=shape).astype(np.float32)

    t = {}
    if args.type == "gptj":
        t["transformer.wte.weight"] = w(V, C)
        for i in range(L):
            p = f"transformer.h.{i}."
            t[p + "ln_1.weight"] = 1.0 + w(C)
            t[p + "ln_1.bias"] = w(C)
            for n in ("k_proj", "v_proj", "q_proj", "out_proj"):
                t[p + "attn." + n + ".weight"] = w(C, C)
            t[p + "mlp.fc_in.weight"] = w(F, C)
            t[p + "mlp.fc_in.bias"] = w(F)
            t[p + "mlp.fc_out.weight"] = w(C, F)
            t[p + "mlp.fc_out.bias"] = w(C)
        t["transformer.ln_f.weight"] = 1.0 + w(C)
        t["transformer.ln_f.bias"] = w(C)
        if not args.tied:
            t["lm_head.weight"] = w(V, C)
        t["lm_head.bias"] = w(V)
        config = {"model_type": "gptj", "architectures": ["GPTJForCausalLM"], "vocab_size": V, "n_positions": P,
                  "n_embd": C, "n_layer": L, "n_head": H, "rotary_dim": args.rotary_dim, "n_inner": args.inner,
                  "activation_function": args.activation or "gelu_new", "layer_norm_epsilon": 1e-5}
    else:
        qkv_bias = args.type == "qwen2" or args.attention_bias
        o_bias = args.type == "llama" and args.attention_bias
        t["model.embed_tokens.weight"] = w(V, C)
        for i in range(L):
            p = f"model.layers.{i}."
            for n, rows, bias in (("q_proj", H * D, qkv_bias), ("k_proj", K * D, qkv_bias), ("v_proj", K * D, qkv_bias)):
                t[p + "self_attn." + n + ".weight"] = w(rows, C)
                if bias:
                    t[p + "self_attn." + n + ".bias"] = w(rows)
            t[p + "self_attn.o_proj.weight"] = w(C, H * D)
            if o_bias:
                t[p + "self_attn.o_proj.bias"] = w(C)
            for n, shape in (("gate_proj", (F, C)), ("up_proj", (F, C)), ("down_proj", (C, F))):
                t[p + "mlp." + n + ".weight"] = w(*shape)
                if args.mlp_bias:
                    t[p + "mlp." + n + ".bias"] = w(shape[0])
            t[p + "input_layernorm.weight"] = 1.0 + w(C)
            t[p + "post_attention_layernorm.weight"] = 1.0 + w(C)
        t["model.norm.weight"] = 1.0 + w(C)
        if not args.tied:
            t["lm_head.weight"] = w(V, C)
        arch = {"llama": "LlamaForCausalLM", "qwen2": "Qwen2ForCausalLM", "mistral": "MistralForCausalLM"}[args.type]
        config = {"model_type": args.type, "architectures": [arch], "vocab_size": V, "max_position_embeddings": P,
                  "hidden_size": C, "num_hidden_layers": L, "num_attention_heads": H, "num_key_value_heads": K,
                  "intermediate_size": F, "hidden_act": args.activation or "silu", "rms_norm_eps": 1e-6,
                  "rope_theta": args.theta, "rope_scaling": json.loads(args.rope_scaling) if args.rope_scaling else None}
        if args.head_dim:
            config["head_dim"] = D
        if args.type == "llama":
            config.update({"attention_bias": args.attention_bias, "mlp_bias": args.mlp_bias})
        elif args.type == "mistral":
            config["sliding_window"] = args.window or None
        else:
            config.update({"use_sliding_window": bool(args.window), "sliding_window": args.window or 4096,
                           "max_window_layers": args.max_window_layers})
    config.update({"tie_word_embeddings": args.tied, "bos_token_id": 1, "eos_token_id": V - 1,
                   "torch_dtype": {"F32": "float32", "F16": "float16", "BF16": "bfloat16"}[args.dtype]})

    write_checkpoint(args.out, config, t, args.shards, args.dtype)


# ---------------------------------------------------------------- rotary frequencies (modeling_rope_utils.py)

def rope_parameters(cfg, dim, seq_len):
    """(inv_freq, attention_factor) as the rope init function of cfg's rope_scaling computes them."""
    base = cfg.get("rope_theta", 10000.0)
    scaling = cfg.get("rope_scaling") or {}
    kind = scaling.get("rope_type", scaling.get("type", "default"))
    max_pos = cfg["max_position_embeddings"]
    exponents = np.arange(0, dim, 2, dtype=np.float64) / dim

    def default(b=base):
        return 1.0 / (b ** exponents)

    if kind == "default":
        return default(), 1.0
    factor = scaling["factor"]
    if kind == "linear":
        return default() / factor, 1.0
    if kind == "dynamic":
        seq_len = max(seq_len, max_pos)
        return default(base * ((factor * seq_len / max_pos) - (factor - 1)) ** (dim / (dim - 2))), 1.0
    if kind == "llama3":
        inv_freq = default()
        low_ff, high_ff = scaling["low_freq_factor"], scaling["high_freq_factor"]
        old = scaling["original_max_position_embeddings"]
        low_wavelen, high_wavelen = old / low_ff, old / high_ff
        wavelen = 2 * math.pi / inv_freq
        llama = np.where(wavelen > low_wavelen, inv_freq / factor, inv_freq)
        smooth = (old / wavelen - low_ff) / (high_ff - low_ff)
        smoothed = (1 - smooth) * llama / factor + smooth * llama
        medium = ~(wavelen < high_wavelen) & ~(wavelen > low_wavelen)
        return np.where(medium, smoothed, llama), 1.0
    if kind == "yarn":
        original = scaling.get("original_max_position_embeddings") or max_pos

        def get_mscale(scale, mscale=1.0):
            return 1.0 if scale <= 1 else 0.1 * mscale * math.log(scale) + 1.0

        attention_factor = scaling.get("attention_factor")
        if attention_factor is None:
            m, m_all = scaling.get("mscale"), scaling.get("mscale_all_dim")
            attention_factor = get_mscale(factor, m) / get_mscale(factor, m_all) if m and m_all else get_mscale(factor)
        beta_fast = scaling.get("beta_fast") or 32
        beta_slow = scaling.get("beta_slow") or 1

        def correction_dim(rotations):
            return (dim * math.log(original / (rotations * 2 * math.pi))) / (2 * math.log(base))

        low, high = correction_dim(beta_fast), correction_dim(beta_slow)
        if scaling.get("truncate", True):
            low, high = math.floor(low), math.ceil(high)
        low, high = max(low, 0), min(high, dim - 1)
        if low == high:
            high += 0.001
        ramp = np.clip((np.arange(dim // 2, dtype=np.float64) - low) / (high - low), 0, 1)
        pos_freqs = base ** exponents
        extrapolation, interpolation = 1.0 / pos_freqs, 1.0 / (factor * pos_freqs)
        extrapolation_factor = 1 - ramp
        return interpolation * (1 - extrapolation_factor) + extrapolation * extrapolation_factor, attention_factor
    raise ValueError(f"unsupported rope type {kind}")


# ---------------------------------------------------------------- forward

def act(x, kind):
    if kind in ("silu", "swish"):
        return x / (1.0 + np.exp(-x))
    return base_act(x, kind)


def attend(q, k, v, divide_by, window):
    """q (H, T, D), k/v (H, T, D) -> (T, H*D); causal, and key > query - window where window > 0."""
    H, T, D = q.shape
    s = q @ k.transpose(0, 2, 1) / divide_by
    i, j = np.arange(T)[:, None], np.arange(T)[None, :]
    allowed = j <= i
    if window:
        allowed &= j > i - window
    s = np.where(allowed, s, NEG)
    return (softmax(s) @ v).transpose(1, 0, 2).reshape(T, H * D)


def gptj_logits(cfg, t, ids):
    C, H, L = cfg["n_embd"], cfg["n_head"], cfg["n_layer"]
    D = C // H
    R = cfg.get("rotary_dim") or D
    eps = cfg.get("layer_norm_epsilon", 1e-5)
    T = len(ids)
    inv_freq = 1.0 / (10000 ** (np.arange(0, R, 2, dtype=np.float64) / R))
    angles = np.outer(np.arange(T, dtype=np.float64), inv_freq)  # (T, R/2)
    sin = np.repeat(np.sin(angles), 2, axis=-1)  # repeat_interleave: (T, R)
    cos = np.repeat(np.cos(angles), 2, axis=-1)

    def rotate_every_two(x):
        out = np.empty_like(x)
        out[..., 0::2] = -x[..., 1::2]
        out[..., 1::2] = x[..., 0::2]
        return out

    def rotary(x):  # (T, H, D)
        rot, rest = x[..., :R], x[..., R:]
        rot = rot * cos[:, None, :] + rotate_every_two(rot) * sin[:, None, :]
        return np.concatenate([rot, rest], axis=-1)

    x = t["transformer.wte.weight"][ids]
    for i in range(L):
        p = f"transformer.h.{i}."
        h = layer_norm(x, t[p + "ln_1.weight"], t[p + "ln_1.bias"], eps)
        q, k, v = ((h @ t[p + f"attn.{n}.weight"].T).reshape(T, H, D) for n in ("q_proj", "k_proj", "v_proj"))
        q, k = rotary(q), rotary(k)
        a = attend(q.transpose(1, 0, 2), k.transpose(1, 0, 2), v.transpose(1, 0, 2), math.sqrt(D), 0)
        a = a @ t[p + "attn.out_proj.weight"].T
        m = act(h @ t[p + "mlp.fc_in.weight"].T + t[p + "mlp.fc_in.bias"], cfg.get("activation_function", "gelu_new"))
        m = m @ t[p + "mlp.fc_out.weight"].T + t[p + "mlp.fc_out.bias"]
        x = a + m + x
    x = layer_norm(x, t["transformer.ln_f.weight"], t["transformer.ln_f.bias"], eps)
    head = t["transformer.wte.weight"] if cfg.get("tie_word_embeddings", False) else t["lm_head.weight"]
    return x @ head.T + t["lm_head.bias"]


def sliding_windows(cfg):
    L = cfg["num_hidden_layers"]
    kind = cfg["model_type"]
    if kind == "mistral":
        return [cfg.get("sliding_window", 4096) or 0] * L
    if kind == "qwen2" and cfg.get("use_sliding_window", False):
        w = cfg.get("sliding_window", 4096)
        first = cfg.get("max_window_layers", 28)
        return [w if i >= first else 0 for i in range(L)]
    return [0] * L


def llama_logits(cfg, t, ids):
    C, H, L = cfg["hidden_size"], cfg["num_attention_heads"], cfg["num_hidden_layers"]
    K = cfg.get("num_key_value_heads") or H
    D = cfg.get("head_dim") or C // H
    eps = cfg.get("rms_norm_eps", 1e-6)
    T = len(ids)
    positions = np.arange(T, dtype=np.float64)
    inv_freq, attention_scaling = rope_parameters(cfg, D, int(positions.max()) + 1)
    freqs = np.outer(positions, inv_freq)
    emb = np.concatenate([freqs, freqs], axis=-1)  # (T, D)
    cos, sin = np.cos(emb) * attention_scaling, np.sin(emb) * attention_scaling
    windows = sliding_windows(cfg)

    def rms(x, weight):
        return weight * (x / np.sqrt((x ** 2).mean(-1, keepdims=True) + eps))

    def rotate_half(x):
        return np.concatenate([-x[..., D // 2:], x[..., :D // 2]], axis=-1)

    def linear(x, name):
        y = x @ t[name + ".weight"].T
        return y + t[name + ".bias"] if name + ".bias" in t else y

    x = t["model.embed_tokens.weight"][ids]
    for i in range(L):
        p = f"model.layers.{i}."
        h = rms(x, t[p + "input_layernorm.weight"])
        q = linear(h, p + "self_attn.q_proj").reshape(T, H, D).transpose(1, 0, 2)
        k = linear(h, p + "self_attn.k_proj").reshape(T, K, D).transpose(1, 0, 2)
        v = linear(h, p + "self_attn.v_proj").reshape(T, K, D).transpose(1, 0, 2)
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        k, v = np.repeat(k, H // K, axis=0), np.repeat(v, H // K, axis=0)  # repeat_kv
        a = attend(q, k, v, math.sqrt(D), windows[i])
        x = x + linear(a, p + "self_attn.o_proj")
        h = rms(x, t[p + "post_attention_layernorm.weight"])
        m = act(linear(h, p + "mlp.gate_proj"), cfg.get("hidden_act", "silu")) * linear(h, p + "mlp.up_proj")
        x = x + linear(m, p + "mlp.down_proj")
    x = rms(x, t["model.norm.weight"])
    head = t["model.embed_tokens.weight"] if cfg.get("tie_word_embeddings", False) else t["lm_head.weight"]
    return x @ head.T


def logits(d, ids):
    with open(os.path.join(d, "config.json")) as f:
        cfg = json.load(f)
    t = read_tensors(d)
    ids = np.asarray(ids)
    return gptj_logits(cfg, t, ids) if cfg["model_type"] == "gptj" else llama_logits(cfg, t, ids)


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    m = sub.add_parser("make")
    m.add_argument("--type", choices=["gptj", "llama", "qwen2", "mistral"], required=True)
    m.add_argument("--out", required=True)
    m.add_argument("--seed", type=int, default=0)
    m.add_argument("--layers", type=int, default=2)
    m.add_argument("--hidden", type=int, default=32)
    m.add_argument("--heads", type=int, default=4)
    m.add_argument("--kv-heads", type=int, default=None)
    m.add_argument("--head-dim", type=int, default=None, help="Llama family: head_dim config override")
    m.add_argument("--inner", type=int, default=None)
    m.add_argument("--vocab", type=int, default=97)
    m.add_argument("--positions", type=int, default=64)
    m.add_argument("--rotary-dim", type=int, default=4, help="GPT-J")
    m.add_argument("--theta", type=float, default=10000.0)
    m.add_argument("--rope-scaling", default=None, help="JSON object for rope_scaling")
    m.add_argument("--window", type=int, default=0, help="Mistral/Qwen2 sliding window (0: none)")
    m.add_argument("--max-window-layers", type=int, default=0, help="Qwen2: first layer with a sliding window")
    m.add_argument("--attention-bias", action="store_true", help="Llama attention_bias")
    m.add_argument("--mlp-bias", action="store_true", help="Llama mlp_bias")
    m.add_argument("--tied", action="store_true")
    m.add_argument("--activation", default=None)
    m.add_argument("--scale", type=float, default=0.3)
    m.add_argument("--dtype", choices=["F32", "F16", "BF16"], default="F32")
    m.add_argument("--shards", type=int, default=1)
    lg = sub.add_parser("logits")
    lg.add_argument("--model", required=True)
    lg.add_argument("--ids", required=True)
    c = sub.add_parser("compare")
    c.add_argument("--a", required=True)
    c.add_argument("--b", required=True)
    args = ap.parse_args()
    if args.cmd == "make":
        make(args)
    elif args.cmd == "logits":
        print(json.dumps(logits(args.model, [int(s) for s in args.ids.split(",")]).tolist()))
    else:
        a, b = read_tensors(args.a), read_tensors(args.b)
        assert set(a) == set(b), sorted(set(a) ^ set(b))
        print(json.dumps({"max_abs_diff": max(float(np.abs(a[k] - b[k]).max()) for k in a), "tensors": len(a)}))


if __name__ == "__main__":
    main()
