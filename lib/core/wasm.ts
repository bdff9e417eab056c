/**
 * Loading the lab's WebAssembly kernels and laying out their memory. A study
 * writes its hot loops in AssemblyScript (`*.as.ts`, compiled with SIMD by
 * `deno task build-wasm` into a checked-in `_*_wasm.ts` module that holds the
 * bytes as base64) and places its arrays in one {@link WasmHeap}: a bump
 * allocator over the module's memory, sized once, so that the typed views it
 * hands out stay valid (memory only ever grows before the first view).
 *
 * @module
 */

/** The bytes of a module from its base64 text (what the generated `_*_wasm.ts` files export). */
function decodeBase64(text: string): Uint8Array {
  const raw = atob(text);
  const bytes = new Uint8Array(raw.length);
  for (let i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
  return bytes;
}

const compiled = new Map<string, WebAssembly.Module>();

/**
 * A compiled module from base64 bytes, compiled once per thread and reused.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { wasmModule } from "./wasm.ts";
 * // The smallest valid module: the magic number and version 1.
 * const empty = btoa(String.fromCharCode(0, 0x61, 0x73, 0x6d, 1, 0, 0, 0));
 * assert.equal(wasmModule(empty), wasmModule(empty));
 * ```
 */
export function wasmModule(base64: string): WebAssembly.Module {
  let mod = compiled.get(base64);
  if (!mod) {
    mod = new WebAssembly.Module(decodeBase64(base64) as BufferSource);
    compiled.set(base64, mod);
  }
  return mod;
}

/**
 * An instance of a kernel module with `bytes` of memory reserved above its
 * static data, and a bump allocator over them. Views returned by
 * {@link WasmHeap.f64} and {@link WasmHeap.i32} alias the module's memory:
 * the kernel reads and writes them in place.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { WasmHeap } from "./wasm.ts";
 * // (module (memory (export "memory") 1) (func (export "heapBase") (result i32) i32.const 0))
 * const bytes = "0061736d010000000105016000017f0302010005030100010715020" +
 *   "66d656d6f727902000868656170426173650000" + "0a0601040041000b";
 * const raw = String.fromCharCode(...bytes.match(/../g)!.map((h) => parseInt(h, 16)));
 * const heap = new WasmHeap(btoa(raw), { bytes: 1 << 20 });
 * const a = heap.f64(3);
 * a.set([1, 2, 3]);
 * assert.equal(new Float64Array(heap.memory.buffer, a.byteOffset, 3)[2], 3);
 * assert.equal(a.byteOffset % 16, 0);
 * ```
 */
export class WasmHeap {
  /** The instance's exports (the kernel's functions). */
  readonly exports: WebAssembly.Exports;
  /** The instance's memory. */
  readonly memory: WebAssembly.Memory;
  #top: number;
  #end: number;

  /**
   * Instantiates the module (its base64 text, or the module compiled, e.g.
   * one sent to a worker) with `imports` (the module's `env.abort` is
   * provided) and grows its memory to hold `bytes` more.
   */
  constructor(
    source: string | WebAssembly.Module,
    options: { bytes: number; imports?: Record<string, WebAssembly.ImportValue> },
  ) {
    const module = typeof source === "string" ? wasmModule(source) : source;
    const instance = new WebAssembly.Instance(module, {
      env: {
        abort: () => {
          throw new Error("wasm kernel aborted");
        },
        ...options.imports,
      },
    });
    this.exports = instance.exports;
    const memory = instance.exports.memory;
    if (!(memory instanceof WebAssembly.Memory)) throw new Error("the kernel exports no memory");
    this.memory = memory;
    // The module's static data ends where its `heapBase()` says (AssemblyScript's __heap_base).
    const base = instance.exports.heapBase;
    if (typeof base !== "function") throw new Error("the kernel exports no heapBase()");
    this.#top = align(Number(base()));
    const need = this.#top + options.bytes;
    const have = memory.buffer.byteLength;
    if (need > have) memory.grow(Math.ceil((need - have) / 65536));
    this.#end = memory.buffer.byteLength;
  }

  /** `length` float64 entries (zeroed, 16-byte aligned). */
  f64(length: number): Float64Array {
    return new Float64Array(this.memory.buffer, this.#take(length * 8), length);
  }

  /** `length` float32 entries (zeroed, 16-byte aligned). */
  f32(length: number): Float32Array {
    return new Float32Array(this.memory.buffer, this.#take(length * 4), length);
  }

  /** `length` int32 entries (zeroed, 16-byte aligned). */
  i32(length: number): Int32Array {
    return new Int32Array(this.memory.buffer, this.#take(length * 4), length);
  }

  #take(bytes: number): number {
    const at = this.#top;
    if (at + bytes > this.#end) {
      throw new RangeError(`wasm heap: ${bytes} bytes asked, ${this.#end - at} left`);
    }
    this.#top = align(at + bytes);
    return at;
  }
}

/** `bytes` rounded up to 16 (a SIMD vector). */
function align(bytes: number): number {
  return Math.ceil(bytes / 16) * 16;
}
