"""scikit-learn references for the lab's NMF (lib/studies/nmf/).

Writes data/reference/nmf_sklearn.json, which tests/studies/nmf/sklearn_test.ts compares with:

1. NNDSVD / NNDSVDa of a tiny 6 x 5 matrix (full W and H), from
   sklearn.decomposition._nmf._initialize_nmf, once with the exact SVD and
   once with sklearn's own randomized SVD (which is exact at this size).
2. solver="mu" on the first 500 digits of the lab's seeded MNIST subset
   (loadMnist({ limit: 500, seed: 0 }), dumped by scripts/reference/nmf_subset.ts
   so that both sides factorise the same float64 pixels), rank 16, 200
   iterations, tol=0, for beta_loss "frobenius" and "kullback-leibler" from:
   - "nndsvd-exact" / "nndsvda-exact": sklearn's NNDSVD code fed the exact
     leading singular vectors (numpy.linalg.svd) instead of randomized_svd,
     which is what the lab computes; the runs must then agree closely;
   - "nndsvd": sklearn as it ships (randomized_svd, random_state=0);
   - "random": sklearn's random init (numpy's generator, random_state=0).
   For each run: the objective (Frobenius: ||X - WH||_F^2; KL: D(X||WH)) after
   0, 1, 2, 5, 10, 20, 50, 100 and 200 iterations, the other objective at the
   end, reconstruction_err_ of NMF.fit_transform, and a few sums of the
   initial factors.

Run with Debian's scikit-learn (deno must be on PATH for the data dump):

    /usr/bin/python3 scripts/reference/nmf_sklearn.py

This script is a fixture generator only; the project never imports sklearn.
"""
import json
import pathlib
import subprocess
import tempfile
import warnings

import numpy as np
import sklearn
from sklearn.decomposition import NMF
from sklearn.decomposition import _nmf

ROOT = pathlib.Path(__file__).resolve().parents[2]
LIMIT, SEED, RANK, ITERATIONS = 500, 0, 16, 200
KEEP = [0, 1, 2, 5, 10, 20, 50, 100, 200]
BETA = {"frobenius": "frobenius", "kl": "kullback-leibler"}

randomized_svd = _nmf.randomized_svd


def exact_svd(X, n_components, random_state=None):
    U, S, Vt = np.linalg.svd(np.asarray(X), full_matrices=False)
    return U[:, :n_components], S[:n_components], Vt[:n_components]


def initialize(X, rank, init):
    """sklearn's _initialize_nmf; '-exact' swaps its SVD for numpy's exact one."""
    exact = init.endswith("-exact")
    _nmf.randomized_svd = exact_svd if exact else randomized_svd
    try:
        return _nmf._initialize_nmf(X, rank, init=init.replace("-exact", ""), random_state=0)
    finally:
        _nmf.randomized_svd = randomized_svd


def objective(X, W, H, name):
    value = _nmf._beta_divergence(X, W, H, BETA[name])
    # sklearn's beta = 2 divergence is half the squared Frobenius norm.
    return float(2 * value if name == "frobenius" else value)


def run(X, init, name):
    W, H = initialize(X, RANK, init)
    start = {"W_sum": float(W.sum()), "H_sum": float(H.sum()),
             "W_zeros": int((W == 0).sum()), "H_zeros": int((H == 0).sum())}
    W0, H0 = W.copy(), H.copy()
    trajectory = {0: objective(X, W, H, name)}
    for t in range(1, ITERATIONS + 1):
        # Each call of the solver is one self-contained iteration (its cached
        # products are recomputed after every H update), so this loop is the
        # same computation as one call with max_iter=ITERATIONS; checked below.
        W, H, _ = _nmf._fit_multiplicative_update(X, W, H, BETA[name], max_iter=1, tol=0)
        if t in KEEP:
            trajectory[t] = objective(X, W, H, name)
    model = NMF(n_components=RANK, init="custom", solver="mu", beta_loss=BETA[name],
                max_iter=ITERATIONS, tol=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        W_fit = model.fit_transform(X, W=W0, H=H0)
    assert np.allclose(W_fit, W, rtol=0, atol=1e-12) and np.allclose(model.components_, H, rtol=0, atol=1e-12)
    other = "kl" if name == "frobenius" else "frobenius"
    return {
        "init": init, "objective": name, "start": start,
        "trajectory": [[t, trajectory[t]] for t in KEEP],
        "final": {name: trajectory[ITERATIONS], other: objective(X, W, H, other)},
        "reconstruction_err": float(model.reconstruction_err_),
    }


def tiny():
    X = np.array([[((3 * i + 5 * j) % 7) / 3.0 + (0.5 if i == j else 0.0) for j in range(5)]
                  for i in range(6)])
    out = {"X": X.tolist(), "rank": 3}
    for init in ["nndsvd", "nndsvda", "nndsvd-exact"]:
        W, H = initialize(X, 3, init)
        out[init] = {"W": W.tolist(), "H": H.tolist()}
    return out


def main():
    with tempfile.TemporaryDirectory() as tmp:
        path = pathlib.Path(tmp) / "subset.json"
        subprocess.run(["deno", "run", "-A", str(ROOT / "scripts/reference/nmf_subset.ts"),
                        str(path), str(LIMIT), str(SEED)], check=True, cwd=ROOT)
        subset = json.loads(path.read_text())
    X = np.array(subset["values"], dtype=np.float64).reshape(subset["n"], subset["d"])
    runs = [run(X, init, name)
            for init in ["nndsvd-exact", "nndsvda-exact", "nndsvd", "random"]
            for name in ["frobenius", "kl"]]
    fixture = {
        "generator": "scripts/reference/nmf_sklearn.py",
        "sklearn": sklearn.__version__, "numpy": np.__version__,
        "data": {"source": subset["source"], "loader": "loadMnist", "limit": LIMIT, "seed": SEED,
                 "n": int(X.shape[0]), "d": int(X.shape[1]),
                 "sum": float(X.sum()), "sum_sq": float((X * X).sum())},
        "rank": RANK, "iterations": ITERATIONS, "tol": 0,
        "runs": runs,
        "tiny": tiny(),
    }
    out = ROOT / "data/reference/nmf_sklearn.json"
    out.write_text(json.dumps(fixture) + "\n")
    for r in runs:
        print(f"{r['init']:>14} {r['objective']:>9}: {r['trajectory'][0][1]:.6g} -> {r['trajectory'][-1][1]:.10g}")
    print(f"wrote {out} ({out.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
