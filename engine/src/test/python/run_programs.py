#!/usr/bin/env python3
"""Executes each program of a JSON list (file given as argv[1]) in a fresh namespace and prints
the list of their `answer` values: a plain reference, with no sandboxing, for trusted programs."""
import json
import sys

out = []
for program in json.load(open(sys.argv[1])):
    scope = {}
    exec(program, scope)
    out.append(scope.get("answer"))
print(json.dumps(out))
