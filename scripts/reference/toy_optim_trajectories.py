"""Reference trajectories of PyTorch's optimizers on the toy ReLU autoencoder.

Writes data/reference/toy_optim_torch.json, which tests/core/optim/optimizer_test.ts compares
the lab's optimizers against (both engines, from the same initial weights).

Each case trains three independent instances y = ReLU(W^T W x + b) on the
identity dataset (n = 5, m = 2), one parameter group per instance so that
each has its own learning rate, in float64. Run with Debian's PyTorch:

    /usr/bin/python3 scripts/reference/toy_optim_trajectories.py

This script is a fixture generator only; the project never imports PyTorch.
"""
import json
import pathlib

import numpy as np
import torch

torch.set_default_dtype(torch.float64)
N, M, STEPS, INSTANCES = 5, 2, 300, 3
KEEP = [0, 1, 2, 10, 100, 200, 300]

CASES = [
    ("sgd", dict(name="sgd", lrs=[0.5, 0.2, 1.0]), lambda g: torch.optim.SGD(g)),
    ("sgd-momentum-wd", dict(name="sgd", lrs=[0.1, 0.05, 0.2], momentum=0.9, weightDecay=1e-3),
     lambda g: torch.optim.SGD(g, momentum=0.9, weight_decay=1e-3)),
    ("sgd-nesterov", dict(name="sgd", lrs=[0.1, 0.05, 0.2], momentum=0.8, nesterov=True),
     lambda g: torch.optim.SGD(g, momentum=0.8, nesterov=True)),
    ("adam", dict(name="adam", lrs=[1e-2, 3e-3, 3e-2]), lambda g: torch.optim.Adam(g)),
    ("adam-l2", dict(name="adam", lrs=[1e-2, 3e-3, 3e-2], weightDecay=0.05),
     lambda g: torch.optim.Adam(g, weight_decay=0.05)),
    ("adamw", dict(name="adamw", lrs=[1e-2, 3e-3, 3e-2]), lambda g: torch.optim.AdamW(g)),
    ("adamw-wd0.1", dict(name="adamw", lrs=[1e-2, 3e-3, 3e-2], weightDecay=0.1),
     lambda g: torch.optim.AdamW(g, weight_decay=0.1)),
    ("rmsprop", dict(name="rmsprop", lrs=[1e-3, 3e-4, 3e-3]), lambda g: torch.optim.RMSprop(g)),
    ("rmsprop-centered-momentum",
     dict(name="rmsprop", lrs=[1e-3, 3e-4, 3e-3], centered=True, momentum=0.5, weightDecay=1e-3),
     lambda g: torch.optim.RMSprop(g, centered=True, momentum=0.5, weight_decay=1e-3)),
]


def loss_of(W, b, x):
    y = torch.relu(x @ W.T @ W + b)
    return ((y - x) ** 2).mean()


def main():
    rng = np.random.default_rng(20241104)
    init_W = rng.normal(0.0, 0.3, size=(INSTANCES, M, N))
    init_b = rng.normal(0.0, 0.1, size=(INSTANCES, N))
    x = torch.eye(N)
    cases = []
    for case_id, spec, make in CASES:
        Ws = [torch.tensor(init_W[i], requires_grad=True) for i in range(INSTANCES)]
        bs = [torch.tensor(init_b[i], requires_grad=True) for i in range(INSTANCES)]
        groups = [{"params": [Ws[i], bs[i]], "lr": spec["lrs"][i]} for i in range(INSTANCES)]
        opt = make(groups)
        losses = [[] for _ in range(INSTANCES)]
        kept = []
        for step in range(STEPS + 1):
            opt.zero_grad()
            per = [loss_of(Ws[i], bs[i], x) for i in range(INSTANCES)]
            for i in range(INSTANCES):
                losses[i].append(per[i].item())
            if step in KEEP:
                kept.append({
                    "step": step,
                    "W": [w.detach().tolist() for w in Ws],
                    "b": [v.detach().tolist() for v in bs],
                })
            if step == STEPS:
                break
            sum(per).backward()
            opt.step()
        cases.append({"id": case_id, "optimizer": spec, "loss": losses, "params": kept})
    out = {
        "generator": "scripts/reference/toy_optim_trajectories.py",
        "torch": torch.__version__,
        "dtype": "float64",
        "n": N, "m": M, "steps": STEPS,
        "init": {"W": init_W.tolist(), "b": init_b.tolist()},
        "cases": cases,
    }
    path = pathlib.Path(__file__).resolve().parents[2] / "data/reference/toy_optim_torch.json"
    path.write_text(json.dumps(out) + "\n")
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
