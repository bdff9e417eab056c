"""PyTorch CPU timings of the toy sweep, the yardstick for `deno task bench`.

Trains many independent tied toy autoencoders y = ReLU(W^T W x + b) at once
with batched tensors, the way one would write the sweep in PyTorch:

* data: the identity dataset X = I_n (every one-hot example, full batch);
* W: [instances, m, n], drawn from N(0, 0.1^2); b: [instances, n], zeros;
* loss of an instance: mean over examples and features of (y - x)^2;
  the optimised loss is the sum over instances, so every instance gets
  exactly the gradient of its own loss;
* optimizer: torch.optim.Adam(lr=1e-3), torch.optim.AdamW(lr=1e-3) or
  torch.optim.SGD(lr=1e-3), PyTorch's defaults otherwise (AdamW: weight
  decay 0.01);
* float32 (PyTorch's default dtype), torch.set_num_threads(2).

For each configuration it warms up for 200 steps, then times at least 2,000
steps and keeps going until at least 5 s have passed; this is repeated three
times and the median ms/step is reported. Run with Debian's PyTorch:

    /usr/bin/python3 scripts/reference/torch_bench.py            # writes the reference
    /usr/bin/python3 scripts/reference/torch_bench.py --quick --out out/torch_live.json

It writes data/reference/torch_bench.json by default. This script only
produces reference numbers; the project never imports PyTorch.
"""
import argparse
import datetime
import json
import pathlib
import statistics
import time

import torch

ROOT = pathlib.Path(__file__).resolve().parents[2]
GENERATOR = "scripts/reference/torch_bench.py"
THREADS = 2
LR = 1e-3
INIT_STD = 0.1
CONFIGS = [
    (1024, 7, 2, "adam"),
    (10000, 7, 2, "adam"),
    (1024, 7, 2, "adamw"),
    (10000, 7, 2, "adamw"),
    # The chaos map's full grid (toy-chaos: 128 x 128 cells, plain SGD).
    (16384, 7, 2, "sgd"),
]


def cpu_model():
    """The first "model name" line of /proc/cpuinfo, or "unknown"."""
    try:
        for line in pathlib.Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown"


def make_run(instances, n, m, optimizer):
    """Parameters, data and optimizer of one sweep; returns a function doing one step."""
    gen = torch.Generator().manual_seed(0)
    W = (torch.randn(instances, m, n, generator=gen) * INIT_STD).requires_grad_()
    b = torch.zeros(instances, n, requires_grad=True)
    x = torch.eye(n)
    if optimizer == "adam":
        opt = torch.optim.Adam([W, b], lr=LR)
    elif optimizer == "adamw":
        opt = torch.optim.AdamW([W, b], lr=LR)
    elif optimizer == "sgd":
        opt = torch.optim.SGD([W, b], lr=LR)
    else:
        raise ValueError(f"unknown optimizer {optimizer}")

    def step():
        # h[i] = X W_i^T  -> [instances, n, m];  y[i] = ReLU(h[i] W_i + b_i) -> [instances, n, n]
        h = torch.matmul(x, W.transpose(1, 2))
        y = torch.relu(torch.matmul(h, W) + b[:, None, :])
        per_instance = ((y - x) ** 2).mean(dim=(1, 2))
        loss = per_instance.sum()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        return loss

    return step


def time_steps(step, min_steps, min_seconds, chunk):
    """Runs `step` in chunks until both `min_steps` and `min_seconds` are reached; ms/step."""
    done = 0
    start = time.perf_counter()
    while True:
        for _ in range(chunk):
            step()
        done += chunk
        elapsed = time.perf_counter() - start
        if done >= min_steps and elapsed >= min_seconds:
            return 1000.0 * elapsed / done


def measure(instances, n, m, optimizer, warmup, min_steps, min_seconds, repeats):
    """Median ms/step over `repeats` timed runs of one configuration (after a warm-up)."""
    step = make_run(instances, n, m, optimizer)
    for _ in range(warmup):
        step()
    last = step().item()
    if last != last:  # NaN: the benchmark would be timing garbage
        raise RuntimeError(f"loss is NaN for {instances}x(n={n}, m={m}) {optimizer}")
    times = [time_steps(step, min_steps, min_seconds, chunk=250) for _ in range(repeats)]
    return statistics.median(times), times


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", default=str(ROOT / "data/reference/torch_bench.json"),
                        help="where to write the JSON results")
    parser.add_argument("--quick", action="store_true",
                        help="shorter runs (500 steps or 1 s per repeat), for a live check")
    args = parser.parse_args()

    torch.set_num_threads(THREADS)
    warmup = 200
    min_steps, min_seconds = (500, 1.0) if args.quick else (2000, 5.0)
    repeats = 3
    results = []
    for instances, n, m, optimizer in CONFIGS:
        ms, times = measure(instances, n, m, optimizer, warmup, min_steps, min_seconds, repeats)
        print(f"{instances:>6} instances  n={n} m={m}  {optimizer:<5}  {ms:.4f} ms/step"
              f"  (repeats: {', '.join(f'{t:.4f}' for t in times)})", flush=True)
        results.append({
            "instances": instances,
            "n": n,
            "m": m,
            "optimizer": optimizer,
            "ms_per_step": round(ms, 5),
            "repeats_ms_per_step": [round(t, 5) for t in times],
        })
    out = {
        "generator": GENERATOR,
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
        "dtype": str(torch.get_default_dtype()).replace("torch.", ""),
        "cpu": cpu_model(),
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "method": {
            "warmup_steps": warmup,
            "min_timed_steps": min_steps,
            "min_timed_seconds": min_seconds,
            "repeats": repeats,
            "statistic": "median",
            "lr": LR,
            "init_std": INIT_STD,
            "data": "identity",
        },
        "results": results,
    }
    path = pathlib.Path(args.out)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(out, indent=2) + "\n")
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
