#!/usr/bin/env python3
"""The paper's estimator, transcribed from eval_utils.pass_k (paper.md §5), as an independent
reference. Reads a JSON list of [n, c, k] from the file given with --stdin-file (or stdin) and
prints the list of estimates."""
import json
import sys

import numpy as np


def pass_k(lst, k):
    n = len(lst)
    c = sum(lst)
    if n - c < k:
        return 1.0
    return 1.0 - np.prod(1.0 - k / np.arange(n - c + 1, n + 1))


cases = json.load(open(sys.argv[2]) if len(sys.argv) > 2 else sys.stdin)
print(json.dumps([float(pass_k([True] * c + [False] * (n - c), k)) for n, c, k in cases]))
