"""PyTorch references for the step-function autoencoder of the step-function write-up.

1. A trajectory fixture (data/reference/step_ae_torch.json): n = 12, A = 5,
   the write-up's architecture (z = w1.x + b1, a = ReLU(w2 z + b2),
   y = ReLU(W3 a)), weights drawn with numpy uniform in [-0.3, 0.3], full
   batch of all n + 1 step functions, nn.MSELoss, 300 epochs of
   torch.optim.RMSprop(lr=1e-3) and of torch.optim.Adam(lr=1e-3), in float64.
   tests/studies/step_ae/train_test.ts replays them with the lab's fused kernel.
(`deno task bench` times PyTorch's step autoencoder with bench_peers.py, which reuses this
model.)

Run with Debian's PyTorch: /usr/bin/python3 scripts/reference/step_ae_torch.py
The project never imports PyTorch.
"""
import json
import pathlib

import numpy as np
import torch

ROOT = pathlib.Path(__file__).resolve().parents[2]


def steps(n, amplitude, dtype):
    x = torch.zeros(n + 1, n, dtype=dtype)
    for e in range(n + 1):
        x[e, e:] = amplitude
    return x


class StepAE(torch.nn.Module):
    def __init__(self, n):
        super().__init__()
        self.enc = torch.nn.Linear(n, 1)
        self.dec = torch.nn.Linear(1, n)
        self.out = torch.nn.Linear(n, n, bias=False)

    def forward(self, x):
        z = self.enc(x)
        a = torch.relu(self.dec(z))
        return torch.relu(self.out(a))


def load(model, flat, n):
    """Copies the lab's parameter row [w1, b1, w2, b2, W3] into the modules."""
    flat = torch.tensor(flat, dtype=model.enc.weight.dtype)
    with torch.no_grad():
        model.enc.weight.copy_(flat[0:n].reshape(1, n))
        model.enc.bias.copy_(flat[n:n + 1])
        model.dec.weight.copy_(flat[n + 1:2 * n + 1].reshape(n, 1))
        model.dec.bias.copy_(flat[2 * n + 1:3 * n + 1])
        model.out.weight.copy_(flat[3 * n + 1:].reshape(n, n))


def dump(model):
    return torch.cat([
        model.enc.weight.reshape(-1), model.enc.bias.reshape(-1),
        model.dec.weight.reshape(-1), model.dec.bias.reshape(-1),
        model.out.weight.reshape(-1),
    ]).tolist()


def trajectory(n, amplitude, init, make_opt, epochs):
    model = StepAE(n).double()
    load(model, init, n)
    opt = make_opt(model.parameters())
    x = steps(n, amplitude, torch.float64)
    losses = []
    for _ in range(epochs):
        opt.zero_grad()
        loss = torch.nn.functional.mse_loss(model(x), x)
        losses.append(loss.item())
        loss.backward()
        opt.step()
    losses.append(torch.nn.functional.mse_loss(model(x), x).item())
    return {"loss": losses, "final": dump(model)}


def main():
    torch.set_num_threads(2)
    n, amplitude, epochs = 12, 5.0, 300
    init = np.random.default_rng(3).uniform(-0.3, 0.3, size=3 * n + 1 + n * n).tolist()
    fixture = {
        "generator": "scripts/reference/step_ae_torch.py",
        "torch": torch.__version__,
        "dtype": "float64",
        "n": n, "amplitude": amplitude, "epochs": epochs,
        "init": init,
        "rmsprop": trajectory(n, amplitude, init, lambda p: torch.optim.RMSprop(p, lr=1e-3), epochs),
        "adam": trajectory(n, amplitude, init, lambda p: torch.optim.Adam(p, lr=1e-3), epochs),
    }
    (ROOT / "data/reference/step_ae_torch.json").write_text(json.dumps(fixture) + "\n")


if __name__ == "__main__":
    main()
