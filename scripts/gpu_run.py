#!/usr/bin/env python3
"""One `ekt run` on a GPU (run by scripts/gpu-run.sh): the paper's largest pair in one JVM, through
every stage of the pipeline. A GPT-J-6B-shaped teacher in bfloat16 samples n = 100 programs of 150
tokens for each training problem from the paper's few-shot prompt (GPT-2's tokenizer, GSM8k
questions), the sandbox executes them, the selection keeps the first correct one per problem, a
GPT-Neo-1.3B-shaped student trains on them in bfloat16 mixed precision (EKT, then KD with the 6B
teacher live beside it), and the students and the teacher are sampled and scored on test problems.

No weights can be downloaded, and a random teacher solves nothing: the selection would keep no
program and the student would have nothing to train on. So the teacher is random except for a
planted path (plant()): after any text it writes "answer = 18.0" lines, and the training problems are
GSM8k problems whose answer is 18, plus a few whose answer is not (the check must reject those).
The run's accuracy figures therefore mean nothing; what it shows is that the whole pipeline runs at
the paper's scale on one GPU, how long each stage takes and how much device memory it needs.

Before the JVM starts, transformers' own GPTJForCausalLM checks the plant: its greedy continuation of
a real teacher prompt must be the planted program. Afterwards the run's stages, their times and counts,
the peak device memory (nvidia-smi, polled) and failures go to OUT/ekt-run.json, the report and the
JVM's log beside it; the selection must have kept exactly one program per problem whose answer is 18.
A copy of the run's manifest in OUT, refreshed every second, outlives a run cut short.

--rehearsal runs the same at toy model sizes, on any device (also the CPU).
"""
import argparse
import gzip
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime

import torch
import transformers as hf
from tokenizers import Tokenizer, decoders, models, pre_tokenizers

from gpu_check import Record, gptj_6b_config, neo_1p3b_config, on_gpu, random_model, release

PROGRAM = "answer = 18.0\n"  # a float: the paper's check counts only float answers
ANSWER = "18"
EOS_ID = 50256  # GPT-2's <|endoftext|>
# The planted tokens' embedding: it must dwarf what 28 random layers add to the residual stream, so
# that the final layer norm leaves ~sqrt(d) in the token's own coordinate and ~0 elsewhere. Measured
# on the full GPT-J-6B shape at transformers' initialisation (CPU, bfloat16, 2026-12-02): 12.8 per
# coordinate, 818 in norm, before the last block; the random logits' spread 1.3, their largest 5.2.
PLANT_SCALE = 1e5
PLANT_LOGIT = 64.0  # the planted successor's logit
NEWLINE_BIAS = 20.0  # every other token is followed by "\n"


def gpt2_tokenizer(directory):
    """GPT-2's tokenizer from its vocab.json and merges.txt, as the core reads them."""
    tokenizer = Tokenizer(models.BPE.from_file(os.path.join(directory, "vocab.json"), os.path.join(directory, "merges.txt")))
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.decoder = decoders.ByteLevel()
    return tokenizer


def plant(model, program_ids, newline_id):
    """Plants a path through random GPT-J weights that writes the program again and again after any text.

    Each program token gets a residual-stream coordinate of its own (slot): its embedding is PLANT_SCALE
    there and 0 elsewhere, and the LM head's row of the token that follows it reads that coordinate.
    Every other token ends with the LM head's bias on "\n" (the program's last token), so a question is
    followed by "\n", then the program: "\nanswer = 18.0\nanswer = 18.0\n..." (the paper's truncation keeps
    the first "\nanswer...\n")."""
    if len(set(program_ids)) != len(program_ids) or program_ids[-1] != newline_id:
        raise ValueError(f"the planted program's tokens must be distinct and end with a newline: {program_ids}")
    d = model.config.n_embd
    with torch.no_grad():
        embedding, head = model.transformer.wte.weight, model.lm_head
        head.bias.zero_()
        head.bias[newline_id] = NEWLINE_BIAS
        for slot, (token, successor) in enumerate(zip(program_ids, program_ids[1:] + program_ids[:1])):
            embedding[token].zero_()
            embedding[token, slot] = PLANT_SCALE
            head.weight[:, slot] = 0  # only the successor reads the slot
            head.weight[successor, slot] = PLANT_LOGIT / d ** 0.5  # the normed slot is ~sqrt(d)


def problems(path, answer_is_18, count):
    """The first count GSM8k records of the file whose final answer is (or is not) 18, as they are."""
    chosen = []
    with gzip.open(path, "rt") as f:
        for line in f:
            record = json.loads(line)
            final = record["answer"].split("####")[-1].strip().replace(",", "")
            if (final == ANSWER) == answer_is_18:
                chosen.append(record)
                if len(chosen) == count:
                    return chosen
    raise ValueError(f"{path}: fewer than {count} problems whose answer {'is' if answer_is_18 else 'is not'} {ANSWER}")


def write_jsonl(path, records):
    with open(path, "w") as f:
        for r in records:
            f.write(json.dumps(r) + "\n")


def save_checkpoint(model, directory, tokenizer_dir):
    model.config.bos_token_id = model.config.eos_token_id = EOS_ID
    model.save_pretrained(directory)
    for name in ("vocab.json", "merges.txt"):
        shutil.copy(os.path.join(tokenizer_dir, name), directory)


def build_teacher(args, tokenizer, directory, prompt_text):
    """The planted GPT-J-6B-shaped teacher in bfloat16, checked by transformers' greedy decoding."""
    model = random_model(hf.GPTJForCausalLM, gptj_6b_config(args.rehearsal), args.device, torch.bfloat16, 4).eval()
    program_ids = tokenizer.encode(PROGRAM).ids
    plant(model, program_ids, tokenizer.encode("\n").ids[0])
    prompt = torch.tensor([tokenizer.encode(prompt_text).ids[-args.teacher_max_tokens:]], device=args.device)
    with torch.no_grad():
        ids = model.generate(prompt, attention_mask=torch.ones_like(prompt), do_sample=False, max_new_tokens=2 * len(program_ids) + 1, pad_token_id=EOS_ID)
    continuation = tokenizer.decode(ids[0, prompt.shape[1]:].tolist())
    expected = "\n" + PROGRAM + PROGRAM
    if continuation != expected:
        raise RuntimeError(f"the planted teacher's greedy continuation is {continuation!r}, not {expected!r}")
    save_checkpoint(model, directory, args.tokenizer)
    parameters = sum(p.numel() for p in model.parameters())
    del model
    release(args.device)
    return parameters


def build_student(args, directory):
    model = random_model(hf.GPTNeoForCausalLM, neo_1p3b_config(args.rehearsal), args.device, torch.float32, 2)
    save_checkpoint(model, directory, args.tokenizer)
    parameters = sum(p.numel() for p in model.parameters())
    del model
    release(args.device)
    return parameters


def sandbox_python():
    """The system's interpreter where there is one (the sandbox's children, running as nobody, must be able
    to read it), else this one."""
    return "/usr/bin/python3" if os.access("/usr/bin/python3", os.X_OK) else os.path.realpath(sys.executable)


def run_config(args, work, teacher_dir, student_dir):
    """The paper's settings (examples/paper/gptj-to-neo1.3B.yaml) on the chosen problems, fewer epochs and test samples."""
    placement = {"device": args.device, "dtype": "bfloat16"}
    return {
        "name": "gpu-gptj6b-to-neo1.3b",
        "data": {"train": os.path.join(work, "train.jsonl"), "test": os.path.join(work, "test.jsonl")},
        "prompt": {"few_shot_file": os.path.join(args.data, "gsm8k_prompt.txt"),
                   "teacher_max_tokens": args.teacher_max_tokens, "student_max_tokens": 400},
        "teacher": {"kind": "engine", "model": teacher_dir, "n": 100, "temperature": 0.6, "top_k": 50, "max_new_tokens": 150},
        "execution": {"checker": "paper", "timeout_ms": 1000, "python": sandbox_python()},
        "selection": {"policy": "first"},
        "student": {"model": student_dir, "epochs": args.epochs, "lr": 1e-4, "weight_decay": 0.1, "warmup_steps": 1,
                    "schedule": "linear", "batch": 8, "accum": 4, "max_length": 400, "mask": "all",
                    "eval_every_epochs": 0, "checkpoint": "final"},
        "kd": {"temperature": 1.0, "kl_weight": 1.0},
        "evaluation": {"n": args.test_samples, "temperature": 0.6, "top_k": 50, "max_new_tokens": 150, "greedy": True,
                       "k": [1, args.test_samples]},
        "methods": ["ekt", "kd", "fewshot_teacher"],
        "devices": {"teacher": placement, "student": placement, "evaluation": placement},
    }


class RunWatcher:
    """Once a second while the JVM runs: the device's used memory (nvidia-smi; its peak, None without one),
    and a copy of the run's manifest in OUT, so that a run cut short by a time limit still tells which
    stages finished and when."""

    def __init__(self, device, run_dir, out):
        self.peak_mib = None
        self.gpu = on_gpu(device) and shutil.which("nvidia-smi") is not None
        self.index = torch.device(device).index or 0
        self.manifest, self.copy = os.path.join(run_dir, "manifest.json"), os.path.join(out, "ekt-run-manifest.json")
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.watch, daemon=True)

    def watch(self):
        while not self.stop.wait(1.0):
            if self.gpu:
                done = subprocess.run(["nvidia-smi", "--query-gpu=memory.used", "--format=csv,noheader,nounits", "-i", str(self.index)],
                                      capture_output=True, text=True)
                if done.returncode == 0:
                    self.peak_mib = max(self.peak_mib or 0, int(done.stdout.strip()))
            if os.path.exists(self.manifest):
                shutil.copy(self.manifest, self.copy)  # the run replaces it atomically: always a whole file

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        self.thread.join()
        if os.path.exists(self.manifest):
            shutil.copy(self.manifest, self.copy)


def stage_figures(run_dir):
    """Each stage's status, seconds and counts from the run's manifest."""
    with open(os.path.join(run_dir, "manifest.json")) as f:
        stages = json.load(f)["stages"]
    figures = {}
    for name, stage in stages.items():
        row = {"status": stage.get("status"), "counts": stage.get("counts")}
        if "started" in stage and "finished" in stage:
            start, end = (datetime.fromisoformat(stage[k].replace("Z", "+00:00")) for k in ("started", "finished"))
            row["seconds"] = (end - start).total_seconds()
        figures[name] = row
    return figures


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--java", required=True, help="the java launcher")
    ap.add_argument("--classpath", required=True, help="the CLI's class path, without the CPU core's native jar")
    ap.add_argument("--core", required=True, help="the JNI glue beside the libektcore.so built against this torch")
    ap.add_argument("--data", required=True, help="train.jsonl.gz, test.jsonl.gz (GSM8k) and gsm8k_prompt.txt (the paper's prompt), as gpu-deps.sh --run writes them")
    ap.add_argument("--tokenizer", required=True, help="GPT-2's vocab.json and merges.txt")
    ap.add_argument("--out", required=True)
    ap.add_argument("--work", default=None, help="where the checkpoints and the run directory go (~19 GB; default: the system's)")
    ap.add_argument("--device", default="cuda")
    ap.add_argument("--problems", type=int, default=32, help="training problems whose answer is 18 (the paper's batch: 32)")
    ap.add_argument("--others", type=int, default=8, help="training problems whose answer is not 18")
    ap.add_argument("--test-problems", type=int, default=8, help="test problems (half with answer 18)")
    ap.add_argument("--test-samples", type=int, default=10)
    ap.add_argument("--epochs", type=int, default=2)
    ap.add_argument("--teacher-max-tokens", type=int, default=756)
    ap.add_argument("--rehearsal", action="store_true", help="toy model sizes, any device")
    args = ap.parse_args()
    record = Record(args.out, "ekt-run.json", args.device)
    figures = record.figures
    with tempfile.TemporaryDirectory(dir=args.work) as work:
        tokenizer = gpt2_tokenizer(args.tokenizer)
        train = problems(os.path.join(args.data, "train.jsonl.gz"), True, args.problems) \
            + problems(os.path.join(args.data, "train.jsonl.gz"), False, args.others)
        half = args.test_problems // 2
        test = problems(os.path.join(args.data, "test.jsonl.gz"), True, half) \
            + problems(os.path.join(args.data, "test.jsonl.gz"), False, args.test_problems - half)
        write_jsonl(os.path.join(work, "train.jsonl"), train)
        write_jsonl(os.path.join(work, "test.jsonl"), test)
        with open(os.path.join(args.data, "gsm8k_prompt.txt")) as f:
            prompt_text = f.read() + "# " + train[0]["question"]  # Prompts.teacherPrompt's layout
        start = time.perf_counter()
        teacher_dir, student_dir = os.path.join(work, "teacher"), os.path.join(work, "student")
        figures["teacher_parameters"] = build_teacher(args, tokenizer, teacher_dir, prompt_text)
        figures["student_parameters"] = build_student(args, student_dir)
        figures["checkpoints_seconds"] = time.perf_counter() - start
        config_file, run_dir = os.path.join(work, "run.json"), os.path.join(work, "run")
        with open(config_file, "w") as f:
            json.dump(run_config(args, work, teacher_dir, student_dir), f, indent=2)
        shutil.copy(config_file, os.path.join(args.out, "ekt-run-config.json"))
        # The carried runtime is Java 25: JNI and JavaCPP's sun.misc.Unsafe are allowed without its warnings.
        command = [args.java, "--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow", "-Dorg.bytedeco.javacpp.pathsFirst=true",
                   f"-Dorg.bytedeco.javacpp.platform.preloadpath={args.core}", "-cp", args.classpath, "ekt.cli.Main",
                   "run", "--config", config_file, "--out", run_dir, "--device", args.device, "--dtype", "bfloat16"]
        print("running: " + " ".join(command), flush=True)
        start = time.perf_counter()
        record.write()  # what a run cut short leaves, with the manifest's copy
        with RunWatcher(args.device, run_dir, args.out) as watcher, open(os.path.join(args.out, "ekt-run.log"), "w") as log:
            status = subprocess.run(command, stdout=log, stderr=subprocess.STDOUT).returncode
        figures["ekt_run"] = {"exit": status, "seconds": time.perf_counter() - start, "peak_device_memory_mib": watcher.peak_mib}
        if os.path.exists(os.path.join(run_dir, "manifest.json")):
            figures["stages"] = stage_figures(run_dir)
        if os.path.exists(os.path.join(run_dir, "report.md")):
            shutil.copy(os.path.join(run_dir, "report.md"), os.path.join(args.out, "ekt-run-report.md"))
        if status != 0:
            record.failures.append(f"ekt run exited with {status} (OUT/ekt-run.log)")
        selected = (figures.get("stages", {}).get("select", {}).get("counts") or {}).get("pairs")
        if selected != args.problems:  # the planted program, sampled by the core and executed, is right only for them
            record.failures.append(f"the selection kept {selected} programs, not {args.problems} (one per problem whose answer is 18)")
        trained = figures.get("stages", {}).get("ekt-train", {}).get("status")
        if trained != "done":
            record.failures.append(f"the student's EKT training did not finish (stage ekt-train: {trained})")
    record.write()
    print(json.dumps(figures, indent=2))
    with open(os.path.join(args.out, "ekt-run.log")) as f:
        print("".join(f.readlines()[-30:]))
    return record.exit_status()


if __name__ == "__main__":
    sys.exit(main())
