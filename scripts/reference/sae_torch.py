"""PyTorch reference trajectories for the lab's sparse autoencoders (issue 5).

Reads the inputs written by scripts/reference/sae_inputs.ts (a superposition
data stream, its mean and variance, and the lab's seeded starting parameters
of each variant) and trains every variant for the given steps in float64 with
autograd and torch.optim.Adam:

  a  = (x - b_pre) W_e^T + b_e
  h  = ReLU of the k largest entries of a (top-k), or ReLU(a) (L1 baseline)
  x^ = h W_d^T + b_pre                       (W_d^T stored as [latents, dim])
  L  = sum ||x - x^||^2 / (B V)
       + auxCoef * sum ||e - e^||^2 / N_aux   (top-k with AuxK, dead latents only)
       + l1 * sum h / B                        (ReLU)

with e = x - x^ held constant, e^ = z W_d^T, z = ReLU of the top min(2k, dead)
pre-activations among the dead latents, and N_aux the batch's residual spread
(auxNorm "residual") or B V ("data"). A latent is dead when it has not fired
(h > 0) in the last `deadAfter` examples, counted per example and updated
before the auxiliary latents are chosen. Before each Adam step the decoder
gradient loses its component along each (unit) decoder row; after it the rows
are rescaled to unit length.

This is an independent statement of lib/studies/sae/model.ts and kernel.ts in PyTorch, from the
formulas, not a translation of its loops; tests/studies/sae/train_test.ts replays the
fixture with trainSae().

  deno run -A scripts/reference/sae_inputs.ts /tmp/sae_inputs.json
  /usr/bin/python3 scripts/reference/sae_torch.py /tmp/sae_inputs.json

writes data/reference/sae_torch.json (inputs and results). The project never
imports PyTorch.
"""
import json
import pathlib
import sys

import torch

ROOT = pathlib.Path(__file__).resolve().parents[2]
torch.set_default_dtype(torch.float64)


def train_variant(run, variant, init, data):
    cfg = run["config"]
    model = cfg["model"]
    lay = run["layout"]
    d, n = model["dim"], model["latents"]
    B, steps = cfg["batch"], cfg["steps"]
    V = data["variance"]
    X = torch.tensor(data["batches"]).reshape(-1, B, d)[:steps]
    p = torch.tensor(init)
    W_e = p[lay["encoder"]:lay["encoderBias"]].reshape(n, d).clone().requires_grad_()
    b_e = p[lay["encoderBias"]:lay["decoder"]].clone().requires_grad_()
    D = p[lay["decoder"]:lay["preBias"]].reshape(n, d).clone().requires_grad_()
    b_pre = p[lay["preBias"]:lay["size"]].clone().requires_grad_()
    o = cfg["optimizer"]
    assert o["name"] == "adam" and o["weightDecay"] == 0
    opt = torch.optim.Adam(
        [W_e, b_e, D, b_pre], lr=o["lr"], betas=(o["beta1"], o["beta2"]), eps=o["eps"]
    )
    topk = variant["activation"] == "topk"
    k = variant["k"]
    aux_on = topk and variant["auxCoef"] > 0
    since = torch.zeros(n)
    rows = []
    for t in range(steps):
        x = X[t]
        a = (x - b_pre) @ W_e.T + b_e  # [B, n]
        if topk:
            vals, idx = torch.topk(a, k, dim=1)
            h = torch.zeros_like(a).scatter(1, idx, torch.relu(vals))
        else:
            h = torch.relu(a)
        x_hat = h @ D + b_pre
        recon = ((x - x_hat) ** 2).sum() / (B * V)
        fired = (h > 0).detach()  # [B, n]
        order = torch.arange(B, dtype=torch.float64).unsqueeze(1).expand(B, n)
        last = torch.where(fired, order, torch.full_like(order, -1.0)).max(dim=0).values
        since = torch.where(last >= 0, B - 1 - last, since + B)
        dead = since >= model["deadAfter"]
        aux = torch.zeros(())
        if aux_on and bool(dead.any()):
            take = min(2 * k, n, int(dead.sum()))
            masked = a.masked_fill(~dead, float("-inf"))
            avals, aidx = torch.topk(masked, take, dim=1)
            z = torch.zeros_like(a).scatter(1, aidx, torch.relu(avals))
            e = (x - x_hat).detach()
            sq = ((e - z @ D) ** 2).sum()
            if model["auxNorm"] == "data":
                norm = B * V
            else:
                norm = float(((e - e.mean(dim=0)) ** 2).sum())
            if norm > 0:
                aux = sq / norm
        l1 = h.sum() / B
        loss = recon
        if float(aux) > 0:
            loss = loss + variant["auxCoef"] * aux
        if not topk:
            loss = loss + variant["l1"] * l1
        opt.zero_grad()
        loss.backward()
        with torch.no_grad():
            D.grad -= (D.grad * D).sum(dim=1, keepdim=True) * D
        opt.step()
        with torch.no_grad():
            D /= D.norm(dim=1, keepdim=True)
        rows.append(
            {
                "step": t + 1,
                "loss": float(loss),
                "recon": float(recon),
                "aux": float(aux),
                "l1": float(l1),
                "l0": float(fired.sum()) / B,
                "dead": int(dead.sum()),
            }
        )
    params = torch.cat(
        [W_e.detach().reshape(-1), b_e.detach(), D.detach().reshape(-1), b_pre.detach()]
    )
    return {"history": rows, "params": params.tolist(), "since": since.tolist()}


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: python3 scripts/reference/sae_torch.py INPUTS.json")
    inputs = json.loads(pathlib.Path(sys.argv[1]).read_text())
    data = inputs["data"]
    for run in inputs["runs"]:
        run["torch"] = [
            train_variant(run, v, init, data)
            for v, init in zip(run["config"]["variants"], run["init"])
        ]
        for v, r in zip(run["config"]["variants"], run["torch"]):
            h = r["history"]
            print(
                f"{run['name']:8s} {v['label']:10s} loss {h[0]['loss']:.4f} -> {h[-1]['loss']:.4f}"
                f"  max dead {max(s['dead'] for s in h)}  steps with AuxK"
                f" {sum(s['aux'] > 0 for s in h)}"
            )
    inputs["torch_version"] = torch.__version__
    out = ROOT / "data" / "reference" / "sae_torch.json"
    out.write_text(json.dumps(inputs))
    print(f"wrote {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
