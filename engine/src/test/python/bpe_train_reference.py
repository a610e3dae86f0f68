#!/usr/bin/env python3
"""Independent reference for BpeTrainer: byte-level BPE training as GPT-2's vocabulary was learned.

Reads a JSON list of texts (ASCII) and a merge count; prints the learned merges as a JSON list of
[left_bytes_hex, right_bytes_hex]. Pre-tokenization is GPT-2's pattern restricted to ASCII:
  's|'t|'re|'ve|'m|'ll|'d| ?[A-Za-z]+| ?[0-9]+| ?[^\\sA-Za-z0-9]+|\\s+(?!\\S)|\\s+
Each round counts adjacent symbol pairs inside pieces (weighted by piece frequency), merges the
most frequent pair (ties: smallest (left id, right id); ids are byte values, then 258, 259, ...
in order of creation), and stops early when no pair occurs twice.

  bpe_train_reference.py corpus.json merges
"""
import json
import re
import sys
from collections import Counter

PATTERN = re.compile(r"""'s|'t|'re|'ve|'m|'ll|'d| ?[A-Za-z]+| ?[0-9]+| ?[^\sA-Za-z0-9]+|\s+(?!\S)|\s+""")


def main():
    texts = json.load(open(sys.argv[1]))
    merges = int(sys.argv[2])
    pieces = Counter(p for t in texts for p in PATTERN.findall(t))
    words = [([b for b in p.encode()], n) for p, n in pieces.items()]
    spelled = {b: bytes([b]) for b in range(256)}
    by_spelling = {v: k for k, v in spelled.items()}
    next_id = 258
    out = []
    for _ in range(merges):
        pairs = Counter()
        for symbols, n in words:
            for a, b in zip(symbols, symbols[1:]):
                pairs[(a, b)] += n
        if not pairs:
            break
        best_count = max(pairs.values())
        if best_count < 2:
            break
        left, right = min(p for p, c in pairs.items() if c == best_count)
        text = spelled[left] + spelled[right]
        if text in by_spelling:
            new = by_spelling[text]
        else:
            new = next_id
            next_id += 1
            spelled[new] = text
            by_spelling[text] = new
        out.append([spelled[left].hex(), spelled[right].hex()])
        merged = []
        for symbols, n in words:
            s, i = [], 0
            while i < len(symbols):
                if i + 1 < len(symbols) and symbols[i] == left and symbols[i + 1] == right:
                    s.append(new)
                    i += 2
                else:
                    s.append(symbols[i])
                    i += 1
            merged.append((s, n))
        words = merged
    print(json.dumps(out))


if __name__ == "__main__":
    main()
