"""Writes pytorch_model.bin checkpoints with Debian's PyTorch (python3-torch), as transformers'
save_pretrained does: torch.save of the state dict, an OrderedDict with a _metadata attribute.

usage:
  torch_save_reference.py probe                      exits 0 when torch imports
  torch_save_reference.py single SRC DST [--bf16]    DST/pytorch_model.bin from SRC/model.safetensors
  torch_save_reference.py sharded SRC DST            two shards + pytorch_model.bin.index.json
  torch_save_reference.py hostile DST                a .bin whose pickle names a class of __main__
  torch_save_reference.py legacy SRC DST             the pre-1.6 (non-zip) torch.save format
"""
import collections
import json
import os
import shutil
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from hf_reference import read_safetensors  # noqa: E402


def state_dict(src, bf16=False):
    import torch
    sd = collections.OrderedDict()
    for name, arr in read_safetensors(os.path.join(src, "model.safetensors")).items():
        t = torch.from_numpy(np.ascontiguousarray(arr.astype(np.float32)))
        sd[name] = t.to(torch.bfloat16) if bf16 else t
    # as module.state_dict() leaves it: per-module versions, and the causal-mask buffer GPT-Neo shipped
    sd._metadata = collections.OrderedDict([("", {"version": 1}), ("transformer", {"version": 1})])
    sd["transformer.h.0.attn.attention.bias"] = torch.tril(torch.ones(4, 4, dtype=torch.bool)).view(1, 1, 4, 4)
    return sd


def copy_config(src, dst):
    os.makedirs(dst, exist_ok=True)
    shutil.copy(os.path.join(src, "config.json"), os.path.join(dst, "config.json"))


def main():
    cmd = sys.argv[1]
    if cmd == "probe":
        import torch  # noqa: F401
        print("ok")
        return
    import torch
    if cmd == "single":
        src, dst = sys.argv[2], sys.argv[3]
        copy_config(src, dst)
        torch.save(state_dict(src, bf16="--bf16" in sys.argv), os.path.join(dst, "pytorch_model.bin"))
    elif cmd == "sharded":
        src, dst = sys.argv[2], sys.argv[3]
        copy_config(src, dst)
        sd = state_dict(src)
        names = list(sd.keys())
        half = len(names) // 2
        weight_map = {}
        for i, part in enumerate([names[:half], names[half:]]):
            fn = f"pytorch_model-{i + 1:05d}-of-00002.bin"
            torch.save({n: sd[n] for n in part}, os.path.join(dst, fn))  # transformers' shards are plain dicts
            weight_map.update({n: fn for n in part})
        with open(os.path.join(dst, "pytorch_model.bin.index.json"), "w") as f:
            json.dump({"metadata": {}, "weight_map": weight_map}, f)
    elif cmd == "hostile":
        dst = sys.argv[2]
        os.makedirs(dst, exist_ok=True)

        class Payload:
            def __reduce__(self):
                return (os.system, ("touch " + os.path.join(dst, "pwned"),))

        torch.save({"x": torch.zeros(2), "y": Payload()}, os.path.join(dst, "pytorch_model.bin"))
    elif cmd == "legacy":
        src, dst = sys.argv[2], sys.argv[3]
        copy_config(src, dst)
        torch.save(state_dict(src), os.path.join(dst, "pytorch_model.bin"), _use_new_zipfile_serialization=False)
    else:
        raise SystemExit("unknown command " + cmd)


if __name__ == "__main__":
    main()
