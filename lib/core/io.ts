/**
 * File writes that never leave a half-written file under its final name, and
 * a JSON encoding that keeps typed arrays bit-exact (for checkpoints).
 *
 * @module
 */
import { dirname, join } from "node:path";

/** Writes `data` to `path` atomically (temporary sibling, then rename). */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  await Deno.mkdir(dirname(path), { recursive: true });
  const tmp = join(dirname(path), `.${crypto.randomUUID()}.tmp`);
  try {
    if (typeof data === "string") await Deno.writeTextFile(tmp, data);
    else await Deno.writeFile(tmp, data);
    await Deno.rename(tmp, path);
  } catch (err) {
    await Deno.remove(tmp).catch(() => {});
    throw err;
  }
}

/** Base64 of bytes (chunked, so large buffers do not overflow the call stack). */
export function encodeBase64(bytes: Uint8Array): string {
  let text = "";
  for (let k = 0; k < bytes.length; k += 0x8000) {
    text += String.fromCharCode(...bytes.subarray(k, k + 0x8000));
  }
  return btoa(text);
}

const KINDS = {
  Float64Array,
  Float32Array,
  Int32Array,
  Uint32Array,
  Uint8Array,
} as const;
type Kind = keyof typeof KINDS;

function decodeBase64(text: string): Uint8Array {
  const bin = atob(text);
  const out = new Uint8Array(new ArrayBuffer(bin.length));
  for (let k = 0; k < bin.length; k++) out[k] = bin.charCodeAt(k);
  return out;
}

/**
 * JSON text in which typed arrays keep every bit (stored as base64 of their
 * bytes), and so do the numbers JSON cannot write (NaN, ±Infinity, −0).
 */
export function toExactJson(value: unknown): string {
  return JSON.stringify(value, (_key, v) => {
    if (typeof v === "number" && (!Number.isFinite(v) || Object.is(v, -0))) {
      return { $number: Object.is(v, -0) ? "-0" : String(v) };
    }
    for (const kind of Object.keys(KINDS) as Kind[]) {
      if (v instanceof KINDS[kind]) {
        const bytes = new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
        return { $typed: kind, data: encodeBase64(bytes) };
      }
    }
    return v;
  });
}

/** Reads what {@link toExactJson} wrote. */
export function fromExactJson<T>(text: string): T {
  return JSON.parse(text, (_key, v) => {
    if (v && typeof v === "object" && typeof v.$number === "string") return Number(v.$number);
    if (v && typeof v === "object" && typeof v.$typed === "string" && v.$typed in KINDS) {
      const bytes = decodeBase64(v.data);
      const Ctor = KINDS[v.$typed as Kind];
      return new Ctor(bytes.buffer as ArrayBuffer);
    }
    return v;
  }) as T;
}
