#!/usr/bin/env python3
"""Mutation fuzzing of whole models through cnnc and the generated library.

Each round takes a model (examples/*.mlir and the lit tests' models), changes
a few of its numbers (shapes, strides, windows, dilations, padding counts,
rates) or enum words (padding, activations), compiles it with
`build/bin/cnnc` under a memory and time limit, and, when it compiles, loads
the library and runs a batch (fuzz/RunModel.c through libcnnrt). Findings:
cnnc killed by a signal or by the limits, an exit code other than 0 or 1,
an error without a location, more than one error line, or the harness
crashing or hanging. Each finding is kept in build/fuzz-models/findings/.

    python3 scripts/fuzz-models.py [--rounds N] [--seed S] [--timeout SECONDS]
"""

import argparse
import glob
import os
import random
import re
import resource
import shutil
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD = os.environ.get("CNNC_BUILD_DIR", os.path.join(ROOT, "build"))
CNNC = os.path.join(BUILD, "bin", "cnnc")
WORK = os.path.join(BUILD, "fuzz-models")
MEMORY_BYTES = 4 << 30

NUMBER = re.compile(r"(?<![\w.])\d+(?![\w.])")
WORDS = {"same": "valid", "valid": "same", "relu": "tanh", "tanh": "sigmoid",
         "sigmoid": "none", "none": "relu"}


def mutate(text, rng):
    """Changes 1-3 numbers or enum words of `text`."""
    for _ in range(rng.randint(1, 3)):
        if rng.random() < 0.8:
            matches = list(NUMBER.finditer(text))
            if not matches:
                continue
            m = rng.choice(matches)
            value = int(m.group())
            choice = rng.choice([0, 1, value + 1, max(value - 1, 0), 2 * value,
                                 value * 1000, 2**31 - 1, 2**31, 2**62,
                                 rng.randint(0, 64)])
            text = text[:m.start()] + str(choice) + text[m.end():]
        else:
            word = rng.choice(list(WORDS))
            text = text.replace(word, WORDS[word], 1)
    return text


def limit():
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_BYTES, MEMORY_BYTES))


def run(command, timeout):
    try:
        return subprocess.run(command, capture_output=True, text=True,
                              timeout=timeout, preexec_fn=limit)
    except subprocess.TimeoutExpired:
        return None


def finding(kind, model, output, findings, index):
    path = os.path.join(findings, f"{index:05d}-{kind}.mlir")
    with open(path, "w") as f:
        f.write(model)
    with open(path + ".txt", "w") as f:
        f.write(output)
    print(f"finding: {kind}: {path}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=200)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--timeout", type=float, default=60.0)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    seeds = [open(p).read() for p in
             sorted(glob.glob(os.path.join(ROOT, "examples", "*.mlir")))]
    seeds += [open(p).read() for p in
              sorted(glob.glob(os.path.join(ROOT, "test", "cnnc", "Inputs",
                                            "*.mlir")))]
    os.makedirs(WORK, exist_ok=True)
    findings = os.path.join(WORK, "findings")
    os.makedirs(findings, exist_ok=True)
    harness = os.path.join(WORK, "run-model")
    subprocess.run(["/usr/lib/llvm-22/bin/clang", "-O1", "-I",
                    os.path.join(ROOT, "include"),
                    os.path.join(ROOT, "fuzz", "RunModel.c"), "-L",
                    os.path.join(BUILD, "lib"), "-lcnnrt",
                    "-Wl,-rpath," + os.path.join(BUILD, "lib"), "-o", harness],
                   check=True)
    stats = {"compiled": 0, "refused": 0, "findings": 0}
    for index in range(args.rounds):
        model = mutate(rng.choice(seeds), rng)
        source = os.path.join(WORK, "model.mlir")
        library = os.path.join(WORK, "model.so")
        with open(source, "w") as f:
            f.write(model)
        result = run([CNNC, source, "-o", library], args.timeout)
        if result is None:
            stats["findings"] += 1
            finding("cnnc-timeout", model, "", findings, index)
            continue
        errors = [l for l in result.stderr.splitlines() if "error:" in l]
        if result.returncode not in (0, 1):
            stats["findings"] += 1
            finding(f"cnnc-exit{result.returncode}", model, result.stderr,
                    findings, index)
            continue
        if result.returncode == 1:
            stats["refused"] += 1
            located = errors and re.match(r"^(\S+:\d+:\d+|cnnc): error:",
                                          errors[0])
            if len(errors) != 1 or not located:
                stats["findings"] += 1
                finding("cnnc-diagnostic", model, result.stderr, findings,
                        index)
            continue
        stats["compiled"] += 1
        ran = run([harness, library], args.timeout)
        if ran is None or ran.returncode != 0:
            stats["findings"] += 1
            finding("library-crash" if ran else "library-timeout", model,
                    ran.stdout + ran.stderr if ran else "", findings, index)
    print(f"fuzz-models: {args.rounds} models: {stats['compiled']} compiled "
          f"and ran, {stats['refused']} refused with one located error, "
          f"{stats['findings']} findings")
    return 1 if stats["findings"] else 0


if __name__ == "__main__":
    sys.exit(main())
