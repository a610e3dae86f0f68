#!/usr/bin/env python3
"""Independent reference for the native core, written from Hugging Face's published modeling code
(modeling_gpt2.py, modeling_gpt_neo.py) in plain numpy, float64. It shares no code with the
project: it writes random checkpoints in the HF layout with its own safetensors writer and
computes logits with its own forward pass.

  hf_reference.py make   --type gpt2|gpt_neo --out DIR [--layers 2 --hidden 32 --heads 4 ...]
  hf_reference.py logits --model DIR --ids 1,2,3        -> JSON [[logit per vocab] per position]
  hf_reference.py compare --a DIR --b DIR               -> JSON {"max_abs_diff": x, "tensors": n}
"""
import argparse
import json
import math
import os
import struct

import numpy as np

# ---------------------------------------------------------------- safetensors (own reader/writer)

DTYPES = {"F32": (np.float32, 4), "F16": (np.float16, 2), "BF16": (None, 2), "I64": (np.int64, 8)}


def to_bf16_bytes(a):
    bits = np.asarray(a, dtype=np.float32).view(np.uint32)
    rounded = (bits + 0x7FFF + ((bits >> 16) & 1)) >> 16  # round to nearest even
    return rounded.astype(np.uint16).tobytes()


def write_safetensors(path, tensors, dtype="F32"):
    header, blobs, offset = {"__metadata__": {"format": "pt"}}, [], 0
    for name, arr in tensors.items():
        if dtype == "BF16":
            data = to_bf16_bytes(arr)
        else:
            data = np.ascontiguousarray(arr, dtype=DTYPES[dtype][0]).tobytes()
        header[name] = {"dtype": dtype, "shape": list(arr.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    h = json.dumps(header).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)


def read_safetensors(path):
    with open(path, "rb") as f:
        raw = f.read()
    n = struct.unpack("<Q", raw[:8])[0]
    header = json.loads(raw[8:8 + n])
    data = raw[8 + n:]
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        b, e = info["data_offsets"]
        buf = data[b:e]
        if info["dtype"] == "BF16":
            arr = (np.frombuffer(buf, dtype=np.uint16).astype(np.uint32) << 16).view(np.float32)
        else:
            arr = np.frombuffer(buf, dtype=DTYPES[info["dtype"]][0])
        out[name] = arr.reshape(info["shape"]).astype(np.float64)
    return out


def read_tensors(d):
    """Every tensor of a checkpoint directory: model.safetensors, or the shards its index names."""
    if os.path.exists(os.path.join(d, "model.safetensors")):
        return read_safetensors(os.path.join(d, "model.safetensors"))
    with open(os.path.join(d, "model.safetensors.index.json")) as f:
        files = sorted(set(json.load(f)["weight_map"].values()))
    tensors = {}
    for fn in files:
        tensors.update(read_safetensors(os.path.join(d, fn)))
    return tensors


def write_checkpoint(out, config, t, shards, dtype):
    """config.json and the tensors, in one model.safetensors or `shards` files with an index."""
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "config.json"), "w") as f:
        json.dump(config, f, indent=2)
    if shards > 1:
        names = list(t)
        per = math.ceil(len(names) / shards)
        weight_map = {}
        for s in range(shards):
            fn = f"model-{s + 1:05d}-of-{shards:05d}.safetensors"
            chunk = {n: t[n] for n in names[s * per:(s + 1) * per]}
            write_safetensors(os.path.join(out, fn), chunk, dtype)
            weight_map.update({n: fn for n in chunk})
        with open(os.path.join(out, "model.safetensors.index.json"), "w") as f:
            json.dump({"metadata": {}, "weight_map": weight_map}, f)
    else:
        write_safetensors(os.path.join(out, "model.safetensors"), t, dtype)


def read_checkpoint(d):
    # Accept names with or without the "transformer." prefix, as HF does.
    return {(k if k.startswith(("transformer.", "lm_head.")) else "transformer." + k): v for k, v in read_tensors(d).items()}


# ---------------------------------------------------------------- random checkpoints

def make(args):
    rng = np.random.default_rng(args.seed)
    C, L, H, V, P = args.hidden, args.layers, args.heads, args.vocab, args.positions
    F = args.inner or 4 * C

    def w(*shape, scale=args.scale):
        return rng.normal(0.0, scale, size=shape).astype(np.float32)

    t = {"transformer.wte.weight": w(V, C), "transformer.wpe.weight": w(P, C)}
    for i in range(L):
        p = f"transformer.h.{i}."
        t[p + "ln_1.weight"] = 1.0 + w(C)
        t[p + "ln_1.bias"] = w(C)
        if args.type == "gpt2":  # Conv1D: [in, out]
            t[p + "attn.c_attn.weight"] = w(C, 3 * C)
            t[p + "attn.c_attn.bias"] = w(3 * C)
            t[p + "attn.c_proj.weight"] = w(C, C)
            t[p + "attn.c_proj.bias"] = w(C)
            t[p + "mlp.c_fc.weight"] = w(C, F)
            t[p + "mlp.c_fc.bias"] = w(F)
            t[p + "mlp.c_proj.weight"] = w(F, C)
            t[p + "mlp.c_proj.bias"] = w(C)
        else:  # nn.Linear: [out, in]
            a = p + "attn.attention."
            for n in ("k_proj", "v_proj", "q_proj"):
                t[a + n + ".weight"] = w(C, C)
            t[a + "out_proj.weight"] = w(C, C)
            t[a + "out_proj.bias"] = w(C)
            t[p + "mlp.c_fc.weight"] = w(F, C)
            t[p + "mlp.c_fc.bias"] = w(F)
            t[p + "mlp.c_proj.weight"] = w(C, F)
            t[p + "mlp.c_proj.bias"] = w(C)
        t[p + "ln_2.weight"] = 1.0 + w(C)
        t[p + "ln_2.bias"] = w(C)
    t["transformer.ln_f.weight"] = 1.0 + w(C)
    t["transformer.ln_f.bias"] = w(C)
    if args.untied:
        t["lm_head.weight"] = w(V, C)

    if args.type == "gpt2":
        config = {"model_type": "gpt2", "architectures": ["GPT2LMHeadModel"], "vocab_size": V, "n_positions": P,
                  "n_embd": C, "n_layer": L, "n_head": H, "n_inner": args.inner, "activation_function": args.activation,
                  "layer_norm_epsilon": 1e-5, "scale_attn_weights": True, "bos_token_id": V - 1, "eos_token_id": V - 1}
    else:
        layers = ["global", "local"] * (L // 2) + (["global"] if L % 2 else [])
        types = [[["global", "local"], L // 2]] + ([[["global"], 1]] if L % 2 else [])
        config = {"model_type": "gpt_neo", "architectures": ["GPTNeoForCausalLM"], "vocab_size": V,
                  "max_position_embeddings": P, "hidden_size": C, "num_layers": L, "num_heads": H,
                  "intermediate_size": args.inner, "window_size": args.window, "attention_types": types,
                  "attention_layers": layers, "activation_function": args.activation, "layer_norm_epsilon": 1e-5,
                  "bos_token_id": V - 1, "eos_token_id": V - 1}
    config["tie_word_embeddings"] = not args.untied
    config["torch_dtype"] = {"F32": "float32", "F16": "float16", "BF16": "bfloat16"}[args.dtype]

    if args.no_prefix:
        t = {k.replace("transformer.", "", 1): v for k, v in t.items()}
    write_checkpoint(args.out, config, t, args.shards, args.dtype)


# ---------------------------------------------------------------- forward (HF semantics)

def layer_norm(x, w, b, eps):
    mu = x.mean(-1, keepdims=True)
    var = ((x - mu) ** 2).mean(-1, keepdims=True)
    return (x - mu) / np.sqrt(var + eps) * w + b


def act(x, kind):
    if kind in ("gelu_new", "gelu_pytorch_tanh", "gelu_fast"):
        return 0.5 * x * (1.0 + np.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x ** 3)))
    if kind == "gelu":
        from math import erf
        return 0.5 * x * (1.0 + np.vectorize(erf)(x / math.sqrt(2.0)))
    if kind == "relu":
        return np.maximum(x, 0)
    raise ValueError(kind)


def softmax(x):
    x = x - x.max(-1, keepdims=True)
    e = np.exp(x)
    return e / e.sum(-1, keepdims=True)


def attend(q, k, v, H, scale, window):
    T, C = q.shape
    D = C // H
    q, k, v = (a.reshape(T, H, D).transpose(1, 0, 2) for a in (q, k, v))  # (H, T, D)
    s = q @ k.transpose(0, 2, 1)
    if scale:
        s = s / math.sqrt(D)
    i, j = np.arange(T)[:, None], np.arange(T)[None, :]
    allowed = j <= i
    if window:
        allowed &= (i - j) < window  # bias XOR tril(bias, -window)
    s = np.where(allowed, s, np.finfo(np.float32).min)
    return (softmax(s) @ v).transpose(1, 0, 2).reshape(T, C)


def logits(d, ids):
    with open(os.path.join(d, "config.json")) as f:
        cfg = json.load(f)
    t = read_checkpoint(d)
    gpt2 = cfg["model_type"] == "gpt2"
    L = cfg["n_layer"] if gpt2 else cfg["num_layers"]
    H = cfg["n_head"] if gpt2 else cfg["num_heads"]
    eps = cfg.get("layer_norm_epsilon", 1e-5)
    kind = cfg.get("activation_function", "gelu_new")
    if not gpt2:
        windows = []
        for kinds, n in cfg["attention_types"]:
            windows += [cfg["window_size"] if k == "local" else 0 for k in kinds] * n
    ids = np.asarray(ids)
    x = t["transformer.wte.weight"][ids] + t["transformer.wpe.weight"][np.arange(len(ids))]
    for i in range(L):
        p = f"transformer.h.{i}."
        h = layer_norm(x, t[p + "ln_1.weight"], t[p + "ln_1.bias"], eps)
        if gpt2:
            qkv = h @ t[p + "attn.c_attn.weight"] + t[p + "attn.c_attn.bias"]
            q, k, v = np.split(qkv, 3, axis=-1)
            a = attend(q, k, v, H, cfg.get("scale_attn_weights", True), 0)
            a = a @ t[p + "attn.c_proj.weight"] + t[p + "attn.c_proj.bias"]
        else:
            pa = p + "attn.attention."
            q, k, v = (h @ t[pa + n + ".weight"].T for n in ("q_proj", "k_proj", "v_proj"))
            a = attend(q, k, v, H, False, windows[i])
            a = a @ t[pa + "out_proj.weight"].T + t[pa + "out_proj.bias"]
        x = x + a
        h = layer_norm(x, t[p + "ln_2.weight"], t[p + "ln_2.bias"], eps)
        if gpt2:
            m = act(h @ t[p + "mlp.c_fc.weight"] + t[p + "mlp.c_fc.bias"], kind) @ t[p + "mlp.c_proj.weight"]
        else:
            m = act(h @ t[p + "mlp.c_fc.weight"].T + t[p + "mlp.c_fc.bias"], kind) @ t[p + "mlp.c_proj.weight"].T
        x = x + m + t[p + "mlp.c_proj.bias"]
    x = layer_norm(x, t["transformer.ln_f.weight"], t["transformer.ln_f.bias"], eps)
    head = t.get("lm_head.weight") if not cfg.get("tie_word_embeddings", True) else t["transformer.wte.weight"]
    return x @ head.T  # (T, V)


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    m = sub.add_parser("make")
    m.add_argument("--type", choices=["gpt2", "gpt_neo"], required=True)
    m.add_argument("--out", required=True)
    m.add_argument("--seed", type=int, default=0)
    m.add_argument("--layers", type=int, default=2)
    m.add_argument("--hidden", type=int, default=32)
    m.add_argument("--heads", type=int, default=4)
    m.add_argument("--inner", type=int, default=None)
    m.add_argument("--vocab", type=int, default=97)
    m.add_argument("--positions", type=int, default=64)
    m.add_argument("--window", type=int, default=4)
    m.add_argument("--activation", default="gelu_new")
    m.add_argument("--scale", type=float, default=0.3)
    m.add_argument("--dtype", choices=["F32", "F16", "BF16"], default="F32")
    m.add_argument("--shards", type=int, default=1)
    m.add_argument("--untied", action="store_true")
    m.add_argument("--no-prefix", action="store_true")
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
        out = logits(args.model, [int(s) for s in args.ids.split(",")])
        print(json.dumps(out.tolist()))
    else:
        a, b = read_checkpoint(args.a), read_checkpoint(args.b)
        assert set(a) == set(b), sorted(set(a) ^ set(b))
        print(json.dumps({"max_abs_diff": max(float(np.abs(a[k] - b[k]).max()) for k in a), "tensors": len(a)}))


if __name__ == "__main__":
    main()
