"""PyTorch reference for resampling dead sparse-autoencoder latents (issue 10).

Reads the inputs written by scripts/reference/sae_resample_inputs.ts (a
superposition stream, the lab's seeded starts, and the draws of every
possible check: candidate examples, uniform numbers, fresh directions) and
trains every variant in float64 with autograd and torch.optim.Adam, the
model and loss of scripts/reference/sae_torch.py (top-k or ReLU + L1, AuxK
on the dead latents, unit-norm decoder rows with the gradient projected onto
their tangent). After every `every` updates, except in the last `every`, a
check rebuilds the latents that have not fired for `window` examples:

  e_k^2   = ||x_k - x^_k||^2 for each candidate k under the current weights
  weight  = (e_k^2) ** (p / 2), p = 1, 2 or 4 by the rule's pick
  pick    = for the q-th due latent (index order), the first k with
            cumsum(weight)[k] > u_q * sum(weight)      (u_q given)
  v       = x_pick - b_pre
  input:  decoder row = v / ||v||, encoder row = v / ||v|| * scale * (mean
          encoder-row norm of the latents not due), encoder bias 0
  fresh:  decoder row = encoder row = the q-th given unit direction, bias 0
  counter of the latent = 0; with `reset`, Adam's exp_avg and exp_avg_sq of
  the changed rows and bias entries = 0 (the step count carries on)

and the instance's learning rate is scaled by n / warmup on the n-th update
after the event while n < warmup. For every event it records the state just
before (parameters, moments, step count, counters), the candidates' errors,
the picks, the state just after, and the parameters after the next update
(the first event of each variant; later ones keep their step, latents and
picks); at the end, the parameters and counters.

This states the procedure from its description (Bricken et al. 2023, and the
lab's choices in lib/studies/sae/resample.ts), not from the lab's loops;
tests/studies/sae/resample_test.ts replays the fixture.

  deno run -A scripts/reference/sae_resample_inputs.ts /tmp/sae_resample_inputs.json
  /usr/bin/python3 scripts/reference/sae_resample_torch.py /tmp/sae_resample_inputs.json

writes data/reference/sae_resample_torch.json (inputs and results). The
project never imports PyTorch.
"""
import json
import pathlib
import sys

import torch

ROOT = pathlib.Path(__file__).resolve().parents[2]
torch.set_default_dtype(torch.float64)


def top(a, k):
    # The lab's rule: equal values go to the lower index. Two latents rebuilt
    # from the same example are exactly equal, so ties do happen here.
    vals, idx = torch.sort(a, dim=1, descending=True, stable=True)
    return vals[:, :k], idx[:, :k]


def forward(x, W_e, b_e, D, b_pre, variant):
    a = (x - b_pre) @ W_e.T + b_e
    if variant["activation"] == "topk":
        vals, idx = top(a, variant["k"])
        h = torch.zeros_like(a).scatter(1, idx, torch.relu(vals))
    else:
        h = torch.relu(a)
    return a, h, h @ D + b_pre


def flat(tensors):
    return torch.cat([t.detach().reshape(-1) for t in tensors]).tolist()


def train_variant(cfg, variant, init, data, draws, lay):
    model = cfg["model"]
    d, n = model["dim"], model["latents"]
    B, steps = cfg["batch"], cfg["steps"]
    V = data["variance"]
    rule = variant["resample"]
    X = torch.tensor(data["batches"]).reshape(-1, B, d)
    p = torch.tensor(init)
    W_e = p[lay["encoder"]:lay["encoderBias"]].reshape(n, d).clone().requires_grad_()
    b_e = p[lay["encoderBias"]:lay["decoder"]].clone().requires_grad_()
    D = p[lay["decoder"]:lay["preBias"]].reshape(n, d).clone().requires_grad_()
    b_pre = p[lay["preBias"]:lay["size"]].clone().requires_grad_()
    params = [W_e, b_e, D, b_pre]
    o = cfg["optimizer"]
    assert o["name"] == "adam" and o["weightDecay"] == 0
    lr = o["lr"]
    opt = torch.optim.Adam(params, lr=lr, betas=(o["beta1"], o["beta2"]), eps=o["eps"])
    topk = variant["activation"] == "topk"
    aux_on = topk and variant["auxCoef"] > 0
    since = torch.zeros(n)
    since_event = -1
    by_step = {dr["step"]: dr for dr in draws}
    events = []

    def moments(key):
        return flat([opt.state[t][key] for t in params])

    for t in range(1, steps + 1):
        x = X[t - 1]
        a, h, x_hat = forward(x, W_e, b_e, D, b_pre, variant)
        recon = ((x - x_hat) ** 2).sum() / (B * V)
        fired = (h > 0).detach()
        order = torch.arange(B, dtype=torch.float64).unsqueeze(1).expand(B, n)
        last = torch.where(fired, order, torch.full_like(order, -1.0)).max(dim=0).values
        since = torch.where(last >= 0, B - 1 - last, since + B)
        dead = since >= model["deadAfter"]
        loss = recon
        if aux_on and bool(dead.any()):
            take = min(2 * variant["k"], n, int(dead.sum()))
            masked = a.masked_fill(~dead, float("-inf"))
            avals, aidx = top(masked, take)
            z = torch.zeros_like(a).scatter(1, aidx, torch.relu(avals))
            e = (x - x_hat).detach()
            norm = float(((e - e.mean(dim=0)) ** 2).sum())
            if norm > 0:
                loss = loss + variant["auxCoef"] * ((e - z @ D) ** 2).sum() / norm
        if not topk:
            loss = loss + variant["l1"] * h.sum() / B
        scale = 1.0
        if since_event >= 0:
            since_event += 1
            if rule["warmup"] > 0 and since_event < rule["warmup"]:
                scale = since_event / rule["warmup"]
        for group in opt.param_groups:
            group["lr"] = lr * scale
        opt.zero_grad()
        loss.backward()
        with torch.no_grad():
            D.grad -= (D.grad * D).sum(dim=1, keepdim=True) * D
        opt.step()
        with torch.no_grad():
            D /= D.norm(dim=1, keepdim=True)
        if len(events) == 1 and events[0]["step"] == t - 1:
            events[-1]["params_next"] = flat(params)
        if not (t % rule["every"] == 0 and t + rule["every"] <= steps):
            continue
        due = [j for j in range(n) if float(since[j]) >= rule["window"]]
        if not due:
            continue
        dr = by_step[t]
        event = {
            "step": t,
            "due": due,
            "params_before": flat(params),
            "exp_avg_before": moments("exp_avg"),
            "exp_avg_sq_before": moments("exp_avg_sq"),
            "adam_step": int(opt.state[W_e]["step"]),
            "since_before": since.tolist(),
        }
        with torch.no_grad():
            rebuilt = list(due)
            if rule["place"] == "input":
                cand = torch.tensor(dr["sample"]).reshape(-1, d)
                _, _, c_hat = forward(cand, W_e, b_e, D, b_pre, variant)
                err_sq = ((c_hat - cand) ** 2).sum(dim=1)
                weight = err_sq ** ({"e1": 1, "e2": 2, "e4": 4}[rule["pick"]] / 2)
                cum = torch.cumsum(weight, 0)
                alive = torch.ones(n, dtype=torch.bool)
                alive[due] = False
                ref = float(W_e[alive].norm(dim=1).mean()) if bool(alive.any()) else 1.0
                picked = []
                for q, j in enumerate(due):
                    target = dr["uniforms"][q] * float(cum[-1])
                    k = int(torch.nonzero(cum > target)[0])
                    v = cand[k] - b_pre
                    u = v / v.norm()
                    D[j] = u
                    W_e[j] = u * rule["scale"] * ref
                    b_e[j] = 0.0
                    picked.append(k)
                event["err_sq"] = err_sq.tolist()
            else:
                fresh = torch.tensor(dr["fresh"]).reshape(-1, d)
                picked = [-1] * len(due)
                for q, j in enumerate(due):
                    D[j] = fresh[q]
                    W_e[j] = fresh[q]
                    b_e[j] = 0.0
            since[rebuilt] = 0.0
            if rule["reset"]:
                for key in ("exp_avg", "exp_avg_sq"):
                    opt.state[W_e][key][rebuilt] = 0.0
                    opt.state[b_e][key][rebuilt] = 0.0
                    opt.state[D][key][rebuilt] = 0.0
        since_event = 0
        event.update(
            {
                "picked": picked,
                "params_after": flat(params),
                "exp_avg_after": moments("exp_avg"),
                "exp_avg_sq_after": moments("exp_avg_sq"),
                "since_after": since.tolist(),
            }
        )
        if events:
            # Later events keep what the trainer reports (the full state of one per variant is enough).
            event = {key: event[key] for key in ("step", "due", "picked")}
        events.append(event)
    return {"events": events, "params": flat(params), "since": since.tolist()}


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: python3 scripts/reference/sae_resample_torch.py INPUTS.json")
    inputs = json.loads(pathlib.Path(sys.argv[1]).read_text())
    cfg = inputs["config"]
    inputs["torch"] = [
        train_variant(cfg, v, init, inputs["data"], draws, inputs["layout"])
        for v, init, draws in zip(cfg["variants"], inputs["init"], inputs["draws"])
    ]
    for v, r in zip(cfg["variants"], inputs["torch"]):
        ev = ", ".join(f"step {e['step']}: {len(e['due'])} latents" for e in r["events"])
        print(f"{v['label']:10s} {ev or 'no event'}")
    inputs["torch_version"] = torch.__version__
    out = ROOT / "data" / "reference" / "sae_resample_torch.json"
    out.write_text(json.dumps(inputs))
    print(f"wrote {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
