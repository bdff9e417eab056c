"""PyTorch's side of `deno task bench --scale`: cost per toy-model step against scale.

Reads a JSON list of points ({"instances", "n", "steps"}) from the file named by its
argument and, for each, trains that many tied toy autoencoders y = ReLU(W^T W x + b)
(m = 2, identity data, Adam at lr 1e-3, float32, 2 threads) batched on a leading
instances axis -- the model and loop of bench_peers.py's toy sweep -- timing the whole
training call after one warm-up call. Prints one JSON line per point:
{"instances", "n", "steps", "seconds", "threads"}.

    /usr/bin/python3 scripts/reference/toy_scale_torch.py points.json

A reference measurement only; the lab never imports PyTorch.
"""
import json
import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).parent))
import bench_peers  # noqa: E402  (sets the thread counts before torch loads)


def point(instances, n, steps):
    sizes = {"instances": instances, "n": n, "m": 2, "steps": steps, "optimizer": "adam"}
    seconds, detail = bench_peers.toy_sweep(sizes, classify=False)
    return {"instances": instances, "n": n, "steps": steps, "seconds": seconds,
            "threads": detail["threads"]}


def main():
    points = json.loads(pathlib.Path(sys.argv[1]).read_text())
    point(1000, 7, 300)  # warm-up: thread pools, allocator, autograd
    for p in points:
        print(json.dumps(point(p["instances"], p["n"], p["steps"])), flush=True)


if __name__ == "__main__":
    main()
