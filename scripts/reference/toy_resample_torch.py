"""One resample event of the toy autoencoder in PyTorch, written independently
of the lab's TypeScript, as a reference fixture (issue 10).

For each case: a state of y = ReLU(W^T W x + b) on one-hot data (n = 7, m = 2)
near Symmetric Failure or with two unlearnt features, Adam moments from a few
torch.optim.Adam steps, then the event as the lab defines it (see
lib/studies/toy/resample.ts): dead features are columns shorter than 0.1;
per-example squared errors e_k on the one-hot examples; picking weights
|e_k|^p; one given uniform u per dead feature picks the first k whose
cumulative weight exceeds u * total; the new column is the living features'
latent point of example k (W[:, k] when k is alive), or, when that is zero,
the given normal draws z normalised; its length is scale times the mean
length of the living columns ("input"), or the regular n-gon's length on the
widest gap's bisector ("gap"); the bias becomes 0 or the n-gon's; Adam's
exp_avg and exp_avg_sq are zeroed where the event changed a parameter (step
count kept); then one more Adam step at lr * warmup factor.

Writes data/reference/toy_resample_torch.json; tests/studies/toy/resample_test.ts
replays every case. Run with Debian's PyTorch:

    /usr/bin/python3 scripts/reference/toy_resample_torch.py
"""
import json
import math
import pathlib

import numpy as np
import torch

N, M = 7, 2
torch.set_default_dtype(torch.float64)


def loss_of(W, b):
    x = torch.eye(N)
    h = x @ W.T                      # [examples, m]
    pre = h @ W + b                  # [examples, n]
    return ((torch.relu(pre) - x) ** 2).mean()


def example_errors(W, b):
    x = torch.eye(N)
    pre = (x @ W.T) @ W + b
    return ((torch.relu(pre) - x) ** 2).sum(dim=1)   # [examples]


def start_state(kind, rng):
    """Symmetric Failure (last feature unlearnt) or two unlearnt features, with noise."""
    dead = [N - 1] if kind == "sf" else [N - 2, N - 1]
    k = N - len(dead)
    c = math.cos(2 * math.pi / k)
    r, bias = math.sqrt(1 / (1 - c)), -c / (1 - c)
    W = np.zeros((M, N))
    b = np.full(N, 1 / N)
    for j in range(k):
        a = 2 * math.pi * j / k
        W[:, j] = [r * math.cos(a), r * math.sin(a)]
        b[j] = bias
    W += 0.01 * rng.standard_normal((M, N))
    for d in dead:
        W[:, d] = 0.02 * rng.standard_normal(M)
    b += 0.01 * rng.standard_normal(N)
    return W, b


def widest_gap_bisector(W, cols):
    ang = sorted((math.atan2(W[1, j], W[0, j]), j) for j in cols)
    best, at = -1.0, 0
    for i in range(len(ang)):
        a0 = ang[i][0]
        a1 = ang[i + 1][0] if i + 1 < len(ang) else ang[0][0] + 2 * math.pi
        gap = 2 * math.pi if len(ang) == 1 else a1 - a0
        if gap > best:
            best, at = gap, i
    mid = ang[at][0] + best / 2
    return np.array([math.cos(mid), math.sin(mid)])


def snapshot(W, b, opt, step=False):
    """Parameters and Adam moments as plain lists (and the step count when asked)."""
    out = {
        "W": W.detach().tolist(),
        "b": b.detach().tolist(),
        "exp_avg_W": opt.state[W]["exp_avg"].tolist(),
        "exp_avg_b": opt.state[b]["exp_avg"].tolist(),
        "exp_avg_sq_W": opt.state[W]["exp_avg_sq"].tolist(),
        "exp_avg_sq_b": opt.state[b]["exp_avg_sq"].tolist(),
    }
    if step:
        out["step"] = int(opt.state[W]["step"])
    return out


def case(name, kind, rule, us, zs, seed):
    rng = np.random.default_rng(seed)
    W0, b0 = start_state(kind, rng)
    W = torch.tensor(W0, requires_grad=True)
    b = torch.tensor(b0, requires_grad=True)
    opt = torch.optim.Adam([W, b], lr=rule["lr"])
    for _ in range(5):
        opt.zero_grad()
        loss_of(W, b).backward()
        opt.step()
    before = snapshot(W, b, opt, step=True)
    with torch.no_grad():
        Wn = W.detach().clone().numpy()
        bn = b.detach().clone().numpy()
        norms = np.linalg.norm(Wn, axis=0)
        dead = [i for i in range(N) if norms[i] < 0.1]
        alive = [i for i in range(N) if i not in dead]
        err = example_errors(W, b).numpy()
        weights = err ** (rule["p"] / 2)
        alive_norm = norms[alive].mean()
        c = math.cos(2 * math.pi / N)
        poly_r, poly_b = math.sqrt(1 / (1 - c)), -c / (1 - c)
        learnt = [i for i in alive if norms[i] >= 0.1]
        picked, changed, zi = [], set(), 0
        for d, u in zip(dead, us):
            if rule["place"] == "input":
                cum = np.cumsum(weights)
                k = int(np.argmax(cum > u * cum[-1]))
                picked.append(k)
                h = np.zeros(M) if k in dead else Wn[:, k].copy()
                if np.linalg.norm(h) <= 1e-12:
                    h = np.array(zs[zi:zi + M])
                    zi += M
                Wn[:, d] = h / np.linalg.norm(h) * rule["scale"] * alive_norm
            else:  # gap
                picked.append(-1)
                Wn[:, d] = widest_gap_bisector(Wn, learnt) * rule["scale"] * poly_r
                learnt.append(d)
            bn[d] = 0.0 if rule["bias"] == "zero" else poly_b
            changed.update([d, N + d, 2 * N + d])
        W.copy_(torch.tensor(Wn))
        b.copy_(torch.tensor(bn))
        if rule["reset"]:
            for d in dead:
                for key in ("exp_avg", "exp_avg_sq"):
                    opt.state[W][key][:, d] = 0.0
                    opt.state[b][key][d] = 0.0
        after = snapshot(W, b, opt)
    warm = 1.0 if rule["warmup"] == 0 else 1.0 / rule["warmup"]
    for g in opt.param_groups:
        g["lr"] = rule["lr"] * warm
    opt.zero_grad()
    loss_of(W, b).backward()
    opt.step()
    return {
        "name": name,
        "rule": rule,
        "uniforms": us,
        "normals": zs,
        "before": before,
        "dead": dead,
        "errors": err.tolist(),
        "loss_before": float(err.sum() / N ** 2),
        "picked": picked,
        "changed": sorted(changed),
        "after": after,
        "next": {"W": W.detach().tolist(), "b": b.detach().tolist()},
    }


ANTHROPIC = {"p": 4, "place": "input", "scale": 0.2, "bias": "zero", "reset": True, "warmup": 0, "lr": 1e-3}
cases = [
    # Anthropic's rule: the own example is picked, it has no latent point, the normals decide.
    case("anthropic", "sf", ANTHROPIC, [0.37], [0.8, -1.3], 1),
    # Picking by |e|: u lands on a living feature's example, whose column gives the direction.
    case("pick-e1 on a living example", "sf", {**ANTHROPIC, "p": 1}, [0.05], [0.4, 0.9], 2),
    # Two dead features, dictionary_learning's re-warmup on the next step.
    case("dictlearn, two dead", "two", {**ANTHROPIC, "p": 1, "warmup": 1000}, [0.9, 0.2], [1.1, 0.3, -0.7, 0.5], 3),
    # The lab's gap rule, no optimizer reset.
    case("gap", "two", {**ANTHROPIC, "place": "gap", "scale": 1.0, "bias": "regular", "reset": False}, [0.5, 0.5], [], 4),
]
out = pathlib.Path(__file__).resolve().parents[2] / "data" / "reference" / "toy_resample_torch.json"
out.write_text(json.dumps({"torch": torch.__version__, "n": N, "m": M, "cases": cases}, indent=1))
print("wrote", out, [c["picked"] for c in cases])
