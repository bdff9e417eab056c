"""A long AdamW run of the toy autoencoder in PyTorch, as a cross-check of the
lab's finding that Symmetric Failure is left again under AdamW(lr=1e-3).

Writes data/reference/toy_long_adamw_torch.json: 16 instances of
y = ReLU(W^T W x + b) on one-hot data (n = 7, m = 2), W ~ N(0, 0.1^2) drawn with
numpy, b = 0, torch.optim.AdamW(lr=1e-3, weight_decay=0.01) per instance, 20,000
steps, in float64 and float32. Records every instance's loss every 500 steps
and its final parameters. tests/studies/toy/train_long_run_test.ts replays the same runs with the
lab's fused engine. Run with Debian's PyTorch:

    /usr/bin/python3 scripts/reference/toy_long_run_torch.py
"""
import json
import pathlib

import numpy as np
import torch

N, M, INSTANCES, STEPS, EVERY = 7, 2, 16, 20_000, 500


def run(dtype, init_W):
    W = torch.tensor(init_W, dtype=dtype, requires_grad=True)
    b = torch.zeros((INSTANCES, N), dtype=dtype, requires_grad=True)
    # One parameter group per instance: AdamW's update is elementwise, so this equals
    # separate optimizers; weight decay applies to W and b alike, as in the lab.
    opt = torch.optim.AdamW([W, b], lr=1e-3, weight_decay=0.01)
    x = torch.eye(N, dtype=dtype)
    losses = []
    for step in range(STEPS + 1):
        opt.zero_grad()
        h = torch.einsum("imn,kn->ikm", W, x)          # [instances, examples, m]
        pre = torch.einsum("ikm,imn->ikn", h, W) + b[:, None, :]
        per = ((torch.relu(pre) - x) ** 2).mean(dim=(1, 2))
        if step % EVERY == 0:
            losses.append([step, per.detach().tolist()])
        if step == STEPS:
            break
        per.sum().backward()
        opt.step()
    return {"loss": losses, "W": W.detach().tolist(), "b": b.detach().tolist()}


def main():
    torch.set_num_threads(2)
    rng = np.random.default_rng(7)
    init_W = rng.normal(0.0, 0.1, size=(INSTANCES, M, N))
    out = {
        "generator": "scripts/reference/toy_long_run_torch.py",
        "torch": torch.__version__,
        "n": N, "m": M, "steps": STEPS, "every": EVERY,
        "optimizer": {"name": "adamw", "lr": 1e-3, "weightDecay": 0.01},
        "init": {"W": init_W.tolist()},
        "float64": run(torch.float64, init_W),
        "float32": run(torch.float32, init_W),
    }
    path = pathlib.Path(__file__).resolve().parents[2] / "data/reference/toy_long_adamw_torch.json"
    path.write_text(json.dumps(out) + "\n")
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
