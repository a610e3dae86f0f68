#!/usr/bin/env python3
"""Hugging Face transformers itself as the parity oracle: builds a random checkpoint with the
library's own model class (eager attention, float32), saves it with save_pretrained, and prints
the logits it computes for the given ids at every position.

  transformers_oracle.py --archs gpt2,gpt_neo,gptj,llama,qwen2,mistral --out DIR --ids 1,2,3
      -> DIR/ARCH/ (the checkpoint) and DIR/ARCH.json {"class": name, "logits": [[per vocab] per position]}

Runs under Debian's python3 with its torch (python3-torch 1.13) and transformers from PyPI on
PYTHONPATH (installed by the test, see ekt.testing.PyPi).
"""
import argparse
import json
import os

import torch
import transformers as hf

VOCAB, POSITIONS = 97, 64

CONFIGS = {
    # GPT-Neo's window (4) is shorter than the tests' sequences, so local attention is exercised.
    "gpt2": lambda: (hf.GPT2LMHeadModel, hf.GPT2Config(
        vocab_size=VOCAB, n_positions=POSITIONS, n_embd=32, n_layer=2, n_head=4)),
    "gpt_neo": lambda: (hf.GPTNeoForCausalLM, hf.GPTNeoConfig(
        vocab_size=VOCAB, max_position_embeddings=POSITIONS, hidden_size=32, num_layers=2, num_heads=4,
        attention_types=[[["global", "local"], 1]], window_size=4)),
    "gptj": lambda: (hf.GPTJForCausalLM, hf.GPTJConfig(
        vocab_size=VOCAB, n_positions=POSITIONS, n_embd=32, n_layer=2, n_head=4, rotary_dim=4)),
    "llama": lambda: (hf.LlamaForCausalLM, hf.LlamaConfig(
        vocab_size=VOCAB, max_position_embeddings=POSITIONS, hidden_size=32, intermediate_size=48,
        num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2)),
    "qwen2": lambda: (hf.Qwen2ForCausalLM, hf.Qwen2Config(
        vocab_size=VOCAB, max_position_embeddings=POSITIONS, hidden_size=32, intermediate_size=48,
        num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2, tie_word_embeddings=True)),
    "mistral": lambda: (hf.MistralForCausalLM, hf.MistralConfig(
        vocab_size=VOCAB, max_position_embeddings=POSITIONS, hidden_size=32, intermediate_size=48,
        num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=1)),
}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--archs", required=True, help="comma-separated: " + ",".join(sorted(CONFIGS)))
    ap.add_argument("--out", required=True)
    ap.add_argument("--ids", required=True)
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args()
    ids = torch.tensor([[int(t) for t in a.ids.split(",")]])
    for arch in a.archs.split(","):
        torch.manual_seed(a.seed)
        cls, config = CONFIGS[arch]()
        config.initializer_range = 0.2  # the default 0.02 leaves logits too flat to tell layers apart
        model = cls._from_config(config, attn_implementation="eager").eval()
        model.save_pretrained(os.path.join(a.out, arch))
        with torch.no_grad():
            logits = model(ids).logits[0]
        with open(os.path.join(a.out, arch + ".json"), "w") as f:
            json.dump({"class": cls.__name__, "logits": logits.double().tolist()}, f)


if __name__ == "__main__":
    main()
