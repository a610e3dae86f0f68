"""Independent reference for ekt.eval.Intervals: exact binomial tail sums with integers (math.comb)
and fractions, bisected to the Clopper-Pearson bounds; the exact McNemar p-value. Prints JSON.

usage: interval_reference.py s1/n1 s2/n2 ...   (Clopper-Pearson 95% for each) then mcnemar b c pairs
"""
import json
import math
import sys
from fractions import Fraction


def tail_at_least(s, n, p):
    """P(X >= s) for X ~ Binomial(n, p), p a Fraction: exact."""
    return sum(math.comb(n, i) * p ** i * (1 - p) ** (n - i) for i in range(s, n + 1))


def bisect(f, lo=Fraction(0), hi=Fraction(1), steps=45):
    """f increasing in p: the p where f crosses zero."""
    for _ in range(steps):
        mid = (lo + hi) / 2
        mid = Fraction(round(mid * 2 ** 64), 2 ** 64)  # keep the fractions small
        if f(mid) < 0:
            lo = mid
        else:
            hi = mid
    return float((lo + hi) / 2)


def clopper_pearson(s, n, alpha=Fraction(5, 100)):
    lo = 0.0 if s == 0 else bisect(lambda p: tail_at_least(s, n, p) - alpha / 2)
    hi = 1.0 if s == n else bisect(lambda p: (1 - tail_at_least(s + 1, n, p)) * -1 + alpha / 2)
    return [lo, hi]


def mcnemar(b, c):
    n = b + c
    if n == 0:
        return 1.0
    k = min(b, c)
    return min(1.0, 2 * sum(math.comb(n, i) for i in range(k + 1)) / 2 ** n)


def main():
    out = {"cp": {}, "mcnemar": {}}
    args = sys.argv[1:]
    split = args.index("mcnemar") if "mcnemar" in args else len(args)
    for a in args[:split]:
        s, n = map(int, a.split("/"))
        out["cp"][a] = clopper_pearson(s, n)
    rest = args[split + 1:]
    for i in range(0, len(rest), 2):
        b, c = int(rest[i]), int(rest[i + 1])
        out["mcnemar"][f"{b},{c}"] = mcnemar(b, c)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
