"""PyTorch on the GPU against cnnc, for bench/gpu.sh (docs/gpu-device-runs.md).

The same two models as examples/fashion_mnist_cnn.mlir (28x28x1) and
examples/cifar10_cnn.mlir (32x32x3), built by frameworks.py's torch_model,
measured like bench/gpu_model_bench.c measures cnnc. Three subcommands:

  measure --impl eager|compile|compile-ro [--device cuda|cpu] [--models ...]
      prints "torch_<impl>_<model>_<figure>: value" lines, impl eager (also
      eager_fused: Adam(fused=True), training only), compile
      (torch.compile default mode), compile_ro (mode="reduce-overhead",
      CUDA graphs). Figures:
        train_batch32_us_per_step, train_batch32_images_per_s
            Adam (lr 1e-3, eps 1e-7 as Keras/cnnc), cross-entropy from logits,
            one fixed batch already on the device; median over timed windows
            of back-to-back steps, torch.cuda.synchronize() around each
            window only (torch's best case: no per-step sync);
        batch256_images_per_s, batch256_us   forward, no_grad, each call
            synchronized, median;
        batch1_p50_us, batch1_p90_us         forward of one image, each call
            synchronized.
      torch.compile failures (no C compiler, Triton) are caught and printed
      as "..._error: <message>" lines; the other figures still come.
  info [--device cuda|cpu]
      device, torch/CUDA/cuDNN versions and the FP32 peak: SMs x SM clock x
      FP32 lanes per SM (128 on sm_86+/sm_89/sm_90, 64 on sm_60/70/80) x 2.
      The clock is the device property clock_rate when torch exposes it,
      else nvidia-smi's maximum SM clock, else 1.98 GHz (H100/H200 SXM boost)
      for Hopper; the source is printed with it.
  report FILE...
      reads the "key: value" lines of info, measure and gpu_model_bench
      (keys cnnc_g<0|1>_<model>_...) and prints the comparison table, the
      ratios cnnc/torch and the issue's targets. Needs only the standard
      library.

--device cpu runs everything on the CPU with short durations: it exists to
test this script's logic without a GPU.
"""

import argparse
import math
import os
import shutil
import statistics
import subprocess
import sys
import time
import traceback

MODELS = {"fashion": (1, 28), "cifar": (3, 32)}
MODEL_LABELS = {"fashion": "fashion 28x28x1", "cifar": "cifar 32x32x3"}


def emit(key, value):
    print(f"{key}: {value}", flush=True)


def one_line(error):
    text = f"{type(error).__name__}: {error}".replace("\n", " ")
    return text[:300]


# --------------------------------------------------------------------------
# measure
# --------------------------------------------------------------------------

def timed_windows(run, sync, seconds, windows=11, max_per_window=2000):
    """Median and min seconds per call over `windows` windows of back-to-back
    calls, sized so that all windows take about `seconds`."""
    sync()
    t0 = time.perf_counter()
    for _ in range(5):
        run()
    sync()
    estimate = max((time.perf_counter() - t0) / 5, 1e-7)
    per_window = max(1, min(max_per_window,
                            int(seconds / windows / estimate)))
    results = []
    for _ in range(windows):
        sync()
        start = time.perf_counter()
        for _ in range(per_window):
            run()
        sync()
        results.append((time.perf_counter() - start) / per_window)
    return statistics.median(results), min(results), per_window


def synced_calls(run, sync, seconds, min_samples, max_samples):
    """Sorted seconds of individual calls, each synchronized."""
    samples = []
    deadline = time.perf_counter() + seconds
    while len(samples) < max_samples and (len(samples) < min_samples or
                                          time.perf_counter() < deadline):
        sync()
        t0 = time.perf_counter()
        run()
        sync()
        samples.append(time.perf_counter() - t0)
    samples.sort()
    return samples


def compile_fn(torch, fn, impl):
    mode = "reduce-overhead" if impl == "compile_ro" else None
    return torch.compile(fn, mode=mode)


def measure_train(torch, impl, name, device, seconds, fused=False):
    from frameworks import torch_model
    from torch import nn
    channels, size = MODELS[name]
    torch.manual_seed(0)
    model = torch_model(channels, size).to(device)
    model.train()
    options = {"lr": 1e-3, "eps": 1e-7}
    if fused:
        options["fused"] = True
    optimizer = torch.optim.Adam(model.parameters(), **options)
    loss_fn = nn.CrossEntropyLoss()
    images = torch.rand(32, channels, size, size, device=device)
    labels = torch.arange(32, device=device) % 10
    key = f"torch_{impl}_{name}"
    forward, optimizer_step, mark = model, optimizer.step, None
    if impl.startswith("compile"):
        forward = compile_fn(torch, model, impl)

        def step_optimizer():
            optimizer.step()
        optimizer_step = compile_fn(torch, step_optimizer, impl)
        if impl == "compile_ro":
            mark = getattr(torch.compiler, "cudagraph_mark_step_begin", None)
    how = "compiled" if impl.startswith("compile") else "eager"

    def step():
        if mark:
            mark()
        optimizer.zero_grad(set_to_none=True)
        loss = loss_fn(forward(images), labels)
        loss.backward()
        optimizer_step()
        return loss

    sync = torch.cuda.synchronize if device == "cuda" else (lambda: None)
    start = time.perf_counter()
    try:
        for _ in range(5):  # compilation, CUDA graph recording
            step()
        sync()
    except Exception as error:  # a compiled optimizer step is optional
        if not impl.startswith("compile"):
            raise
        print(f"{key}: compiled optimizer step failed, eager instead: "
              f"{one_line(error)}", file=sys.stderr)
        optimizer_step, how = optimizer.step, "eager (compiled step failed)"
        for _ in range(5):
            step()
        sync()
    emit(f"{key}_train_warmup_s", f"{time.perf_counter() - start:.2f}")
    emit(f"{key}_train_optimizer", how)
    median, best, per_window = timed_windows(step, sync, seconds)
    loss = float(step().detach().float().cpu())
    emit(f"{key}_train_batch32_us_per_step", f"{median * 1e6:.1f}")
    emit(f"{key}_train_batch32_us_per_step_min", f"{best * 1e6:.1f}")
    emit(f"{key}_train_batch32_images_per_s", f"{32 / median:.0f}")
    emit(f"{key}_train_steps_per_window", per_window)
    emit(f"{key}_train_last_loss", f"{loss:.6f}")
    if not math.isfinite(loss):
        raise RuntimeError("training loss is not finite")


def measure_forward(torch, impl, name, device, seconds):
    from frameworks import torch_model
    channels, size = MODELS[name]
    torch.manual_seed(0)
    model = torch_model(channels, size).to(device).eval()
    key = f"torch_{impl}_{name}"
    forward = model
    if impl.startswith("compile"):
        mode = "reduce-overhead" if impl == "compile_ro" else None
        # One static graph per batch size (1 and 256), as cnnc's fixed code.
        forward = torch.compile(model, mode=mode, dynamic=False)
    sync = torch.cuda.synchronize if device == "cuda" else (lambda: None)
    many = torch.rand(256, channels, size, size, device=device)
    one = torch.rand(1, channels, size, size, device=device)
    with torch.no_grad():
        start = time.perf_counter()
        for _ in range(3):
            forward(many)
        sync()
        emit(f"{key}_batch256_warmup_s", f"{time.perf_counter() - start:.2f}")
        runs = synced_calls(lambda: forward(many), sync, seconds, 15, 2000)
        median = runs[len(runs) // 2]
        emit(f"{key}_batch256_images_per_s", f"{256 / median:.0f}")
        emit(f"{key}_batch256_us", f"{median * 1e6:.1f}")
        start = time.perf_counter()
        for _ in range(50):
            forward(one)
        sync()
        emit(f"{key}_batch1_warmup_s", f"{time.perf_counter() - start:.2f}")
        latency = synced_calls(lambda: forward(one), sync, seconds, 50, 5000)
        emit(f"{key}_batch1_p50_us", f"{latency[len(latency) // 2] * 1e6:.1f}")
        emit(f"{key}_batch1_p90_us",
             f"{latency[int(len(latency) * 0.9)] * 1e6:.1f}")
        emit(f"{key}_batch1_samples", len(latency))


def measure(args):
    import torch
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    if args.device == "cuda" and not torch.cuda.is_available():
        emit(f"torch_{args.impl.replace('-', '_')}_error",
             "torch.cuda.is_available() is False")
        return 1
    if args.device == "cpu":
        torch.set_num_threads(max(1, min(4, os.cpu_count() or 1)))
    impl = args.impl.replace("-", "_")
    deadline = time.perf_counter() + args.budget
    # Training of every model first: the targets for the compiled
    # modes are about the training step, and compiling takes the budget.
    jobs = []
    models = args.models.split(",")
    for name in models:
        if name not in MODELS:
            raise SystemExit(f"gpu_frameworks.py: unknown model '{name}'")
    if "train" in args.figures:
        for name in models:
            jobs.append((name, "train", impl))
            if impl == "eager" and args.device == "cuda":
                jobs.append((name, "train", "eager_fused"))
    if "forward" in args.figures:
        jobs += [(name, "forward", impl) for name in models]
    failures = 0
    for name, figure, job_impl in jobs:
        key = f"torch_{job_impl}_{name}_{figure}"
        if time.perf_counter() > deadline:
            emit(f"{key}_skipped", f"over the --budget of {args.budget:.0f} s")
            continue
        try:
            if figure == "train":
                measure_train(torch, job_impl.replace("_fused", ""), name,
                              args.device, args.seconds,
                              fused=job_impl.endswith("_fused"))
            else:
                measure_forward(torch, job_impl, name, args.device,
                                args.seconds)
        except Exception as error:
            failures += 1
            traceback.print_exc()
            emit(f"{key}_error", one_line(error))
    return 0 if failures == 0 else 1


# --------------------------------------------------------------------------
# info
# --------------------------------------------------------------------------

def fp32_lanes(major, minor):
    if (major, minor) in ((6, 0), (7, 0), (7, 2), (7, 5), (8, 0)):
        return 64
    return 128


def nvidia_smi_max_sm_mhz():
    if not shutil.which("nvidia-smi"):
        return None
    try:
        out = subprocess.run(
            ["nvidia-smi", "--query-gpu=clocks.max.sm",
             "--format=csv,noheader,nounits", "-i", "0"],
            capture_output=True, text=True, timeout=20).stdout.strip()
        return float(out.splitlines()[0])
    except Exception:
        return None


def info(args):
    import torch
    emit("torch_version", torch.__version__)
    emit("c_compiler", shutil.which("cc") or shutil.which("gcc") or "none")
    try:
        import triton
        emit("triton_version", triton.__version__)
    except Exception as error:
        emit("triton_version", f"none ({one_line(error)})")
    if args.device != "cuda":
        emit("device_name", "cpu (dry run)")
        return 0
    if not torch.cuda.is_available():
        emit("device_name", "none: torch.cuda.is_available() is False")
        return 1
    props = torch.cuda.get_device_properties(0)
    emit("device_name", props.name)
    emit("cuda_version", torch.version.cuda)
    emit("cudnn_version", torch.backends.cudnn.version())
    emit("compute_capability", f"{props.major}.{props.minor}")
    emit("sm_count", props.multi_processor_count)
    khz = getattr(props, "clock_rate", None)
    if khz:
        ghz, source = khz / 1e6, "device property clock_rate"
    elif (mhz := nvidia_smi_max_sm_mhz()):
        ghz, source = mhz / 1e3, "nvidia-smi clocks.max.sm"
    elif props.major == 9:
        ghz, source = 1.98, "assumed: H100/H200 SXM boost clock 1.98 GHz"
    else:
        ghz, source = 1.5, "assumed: 1.5 GHz (clock not exposed)"
    lanes = fp32_lanes(props.major, props.minor)
    peak = props.multi_processor_count * ghz * lanes * 2
    emit("sm_clock_ghz", f"{ghz:.3f}")
    emit("sm_clock_source", source)
    emit("fp32_lanes_per_sm", lanes)
    emit("fp32_peak_gflops", f"{peak:.0f}")
    return 0


# --------------------------------------------------------------------------
# report
# --------------------------------------------------------------------------

def read_values(paths):
    values = {}
    for path in paths:
        try:
            lines = open(path, errors="replace").read().splitlines()
        except OSError:
            continue
        for line in lines:
            key, sep, value = line.partition(": ")
            if not sep or " " in key.strip():
                continue
            value = value.strip()
            try:
                values[key.strip()] = float(value)
            except ValueError:
                values[key.strip()] = value
    return values


def report(args):
    v = read_values(args.files)
    num = lambda key: v.get(key) if isinstance(v.get(key), float) else None
    peak = num("fp32_peak_gflops")
    device = f"device: {v.get('device_name', '?')}"
    if num("sm_count"):
        device += (f", {v['sm_count']:.0f} SMs, cc "
                   f"{v.get('compute_capability', '?')}")
    print(device + "; ", end="")
    if peak:
        print(f"FP32 peak {peak / 1e3:.1f} TFLOP/s = "
              f"{v['sm_count']:.0f} SMs x {v['sm_clock_ghz']:.3f} GHz "
              f"({v.get('sm_clock_source')}) x {v['fp32_lanes_per_sm']:.0f} "
              f"lanes x 2")
    else:
        print("FP32 peak unknown (no fractions of peak)")
    print(f"torch {v.get('torch_version', '?')}, CUDA {v.get('cuda_version', '-')}, "
          f"cuDNN {v.get('cudnn_version', '-')}, triton "
          f"{v.get('triton_version', '-')}, C compiler {v.get('c_compiler', '?')}")
    print("torch: data already on the device, train windows back-to-back "
          "(no per-step sync); inference calls each synchronized.")
    print("cnnc cnnrt: through libcnnrt as cnnc-train (batch copied in, "
          "loss/logits out, every call synchronous); cnnc resident: the "
          "entry points on device buffers, no copies.")
    variants = [("cnnc_g0_{m}_", "cnnc cnnrt, graphs off"),
                ("cnnc_g1_{m}_", "cnnc cnnrt, graphs on"),
                ("cnnc_g0_{m}_resident_", "cnnc resident, graphs off"),
                ("cnnc_g1_{m}_resident_", "cnnc resident, graphs on"),
                ("torch_eager_{m}_", "torch eager"),
                ("torch_eager_fused_{m}_", "torch eager, fused Adam"),
                ("torch_compile_{m}_", "torch.compile default"),
                ("torch_compile_ro_{m}_", "torch.compile reduce-overhead")]
    targets = []
    shown = set()
    for model in MODELS:
        flops = num(f"cnnc_g0_{model}_forward_flops_per_image") or \
            num(f"cnnc_g1_{model}_forward_flops_per_image")
        print()
        print(f"== {MODEL_LABELS[model]}: forward "
              f"{(flops or 0) / 1e6:.2f} MFLOP/image (cnnc descriptor; "
              f"training counted as 3x forward)")
        header = (f"{'':31} {'train b32':>10} {'train':>9} {'train':>7}"
                  f" {'b256':>9} {'b256':>7} {'b1 p50':>8} {'b1 p90':>8}")
        print(header)
        print(f"{'':31} {'us/step':>10} {'img/s':>9} {'%peak':>7}"
              f" {'img/s':>9} {'%peak':>7} {'us':>8} {'us':>8}")
        print("-" * len(header))
        rows = {}
        for pattern, label in variants:
            p = pattern.format(m=model)
            row = {"us": num(p + "train_batch32_us_per_step"),
                   "ips": num(p + "train_batch32_images_per_s"),
                   "b256": num(p + "batch256_images_per_s"),
                   "p50": num(p + "batch1_p50_us"),
                   "p90": num(p + "batch1_p90_us")}
            resident = p.endswith("resident_")
            errors = [k for k in v if k.startswith(p) and
                      (k.endswith("_error") or k.endswith("_skipped")) and
                      (resident or not k[len(p):].startswith("resident_"))]
            if all(x is None for x in row.values()) and not errors:
                continue
            rows[label] = row
            frac = lambda ips, mult: (
                f"{100 * ips * mult * flops * 1e-9 / peak:6.2f}%"
                if ips and flops and peak else f"{'-':>7}")
            cell = lambda x, w, f: f"{x:{w}.{f}f}" if x is not None else f"{'-':>{w}}"
            print(f"{label:31} {cell(row['us'], 10, 1)} {cell(row['ips'], 9, 0)}"
                  f" {frac(row['ips'], 3)} {cell(row['b256'], 9, 0)}"
                  f" {frac(row['b256'], 1)} {cell(row['p50'], 8, 1)}"
                  f" {cell(row['p90'], 8, 1)}")
            for k in errors:
                print(f"{'':31} {k[len(p):]}: {str(v[k])[:120]}")
                shown.add(k)
        cnnc = {k: r for k, r in rows.items() if k.startswith("cnnc")}
        torch_rows = {k: r for k, r in rows.items() if k.startswith("torch")}
        if cnnc and torch_rows:
            print("ratios cnnc/torch (> 1: cnnc faster; train: torch us/step "
                  "/ cnnc us/step; b256: img/s; b1: torch p50 / cnnc p50):")
            for ck, c in cnnc.items():
                parts = []
                for tk, t in torch_rows.items():
                    r = lambda a, b: f"{a / b:5.2f}" if a and b else "    -"
                    parts.append(f"{tk.replace('torch', '').strip()}: train "
                                 f"{r(t['us'], c['us'])} b256 "
                                 f"{r(c['b256'], t['b256'])} b1 "
                                 f"{r(t['p50'], c['p50'])}")
                print(f"  {ck}:")
                for part in parts:
                    print(f"    vs {part}")
        best = lambda rs, key, low: min(
            ((r[key], k) for k, r in rs.items() if r[key]),
            default=(None, None)) if low else max(
            ((r[key], k) for k, r in rs.items() if r[key]),
            default=(None, None))
        cnnc_us, cnnc_us_from = best(cnnc, "us", True)
        cnnc_b256, cnnc_b256_from = best(cnnc, "b256", False)
        eager_us = rows.get("torch eager", {}).get("us")
        eager_b256 = rows.get("torch eager", {}).get("b256")
        compiled = {k: r for k, r in torch_rows.items() if "compile" in k}
        compile_us, compile_from = best(compiled, "us", True)
        def target(text, ok, detail):
            if ok is None:
                targets.append(f"  [n/a ] {model}: {text}: figures missing")
            else:
                targets.append(f"  [{'MET ' if ok else 'MISS'}] {model}: "
                               f"{text}: {detail}")
        target("train step <= 150 us", cnnc_us and cnnc_us <= 150,
               f"best cnnc {cnnc_us or float('nan'):.1f} us ({cnnc_us_from})")
        target(">= 5x PyTorch eager (train b32)",
               cnnc_us and eager_us and eager_us / cnnc_us >= 5,
               f"{(eager_us or math.nan) / (cnnc_us or math.nan):.2f}x "
               f"(eager {eager_us or math.nan:.1f} us)")
        target(">= 1.5x torch.compile (train b32, best mode)",
               cnnc_us and compile_us and compile_us / cnnc_us >= 1.5,
               f"{(compile_us or math.nan) / (cnnc_us or math.nan):.2f}x "
               f"({compile_from}: {compile_us or math.nan:.1f} us)")
        target("b256 throughput >= PyTorch (cuDNN, eager)",
               cnnc_b256 and eager_b256 and cnnc_b256 >= eager_b256,
               f"best cnnc {cnnc_b256 or math.nan:.0f} img/s ({cnnc_b256_from})"
               f" vs {eager_b256 or math.nan:.0f}")
    print()
    print("issue targets (best cnnc variant; n/a: a figure is missing):")
    for line in targets:
        print(line)
    other = [k for k in v if k not in shown and
             (k.endswith("_error") or k.endswith("_skipped"))]
    if other:
        print()
        print("errors and skipped parts:")
        for k in other:
            print(f"  {k}: {str(v[k])[:200]}")
    return 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    m = sub.add_parser("measure")
    m.add_argument("--impl", choices=["eager", "compile", "compile-ro"],
                   required=True)
    m.add_argument("--device", choices=["cuda", "cpu"], default="cuda")
    m.add_argument("--models", default="fashion,cifar")
    m.add_argument("--figures", default="train,forward")
    m.add_argument("--seconds", type=float, default=1.0,
                   help="time per figure's timed part")
    m.add_argument("--budget", type=float, default=600,
                   help="start no new figure after this many seconds")
    i = sub.add_parser("info")
    i.add_argument("--device", choices=["cuda", "cpu"], default="cuda")
    r = sub.add_parser("report")
    r.add_argument("files", nargs="+")
    args = parser.parse_args()
    if args.command == "measure":
        return measure(args)
    if args.command == "info":
        return info(args)
    return report(args)


if __name__ == "__main__":
    sys.exit(main())
