/**
 * Loads TensorFlow.js with the lab's backend: WebAssembly by default (SIMD,
 * single thread), the pure-JavaScript `cpu` backend as a fallback.
 *
 * tfjs is imported lazily so that code paths which never touch tensors (the
 * fused kernels, workers, analysis) do not pay for loading it.
 *
 * @module
 */
import type * as tfNs from "@tensorflow/tfjs";

/** Backends the lab can run tfjs on. */
export const TF_BACKENDS = ["wasm", "cpu"] as const;
/** One of {@link TF_BACKENDS}. */
export type TfBackend = typeof TF_BACKENDS[number];

let loaded: Promise<typeof tfNs> | null = null;

/** Versions of the tfjs packages (for run metadata). */
export const TFJS_VERSION = "4.22.0";

/**
 * Returns the tfjs module with `backend` active. The wasm binaries are read
 * from the project's `node_modules` (Deno's `nodeModulesDir: "auto"`).
 */
export async function loadTf(backend: TfBackend = "wasm"): Promise<typeof tfNs> {
  if (!(TF_BACKENDS as readonly string[]).includes(backend)) {
    throw new RangeError(`backend must be one of ${TF_BACKENDS.join("|")}, got ${backend}`);
  }
  loaded ??= (async () => {
    const tf = await import("@tensorflow/tfjs");
    const wasm = await import("@tensorflow/tfjs-backend-wasm");
    const dist = new URL("../../node_modules/@tensorflow/tfjs-backend-wasm/dist/", import.meta.url);
    wasm.setWasmPaths(dist.href);
    tf.enableProdMode();
    return tf;
  })();
  const tf = await loaded;
  if (tf.getBackend() !== backend) {
    const ok = await tf.setBackend(backend);
    if (!ok) throw new Error(`tfjs could not start the ${backend} backend`);
    await tf.ready();
  }
  return tf;
}
