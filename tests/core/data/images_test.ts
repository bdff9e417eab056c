/**
 * lib/core/data/images.ts, the PGM reader (issue 11): valid images in either
 * encoding read back exactly, with netpbm's white space and comments; a
 * damaged file is read or refused with one ImageFileError naming it, never
 * another exception; a header claiming more than the file or the size cap
 * holds is refused before anything is allocated. Property tests use fixed
 * seeds.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import { ImageFileError, MAX_PGM_PIXELS, parsePgm } from "../../../lib/core/data/images.ts";

const ascii = (s: string) => new TextEncoder().encode(s);

/** A valid image: its size, maxval and grey levels. */
const image = fc.record({
  width: fc.integer({ min: 1, max: 12 }),
  height: fc.integer({ min: 1, max: 12 }),
  maxval: fc.oneof(fc.integer({ min: 1, max: 255 }), fc.integer({ min: 256, max: 65535 })),
}).chain((h) =>
  fc.record({
    width: fc.constant(h.width),
    height: fc.constant(h.height),
    maxval: fc.constant(h.maxval),
    levels: fc.array(fc.integer({ min: 0, max: h.maxval }), {
      minLength: h.width * h.height,
      maxLength: h.width * h.height,
    }),
  })
);
type Image = { width: number; height: number; maxval: number; levels: number[] };

/** White space between tokens as netpbm allows it: blanks, tabs, line ends, comments. */
const gap = fc.array(
  fc.oneof(
    fc.constantFrom(" ", "\t", "\n", "\r", "\r\n", "\f", "\v"),
    fc.string({ unit: fc.constantFrom(..."abc #1 2"), maxLength: 8 }).map((c) => `#${c}\n`),
  ),
  { minLength: 1, maxLength: 3 },
).map((parts) => parts.join(""))
  // A gap must separate tokens: a comment alone after a token is white space, but make sure.
  .map((g) => (g.startsWith("#") ? ` ${g}` : g));

function p2(img: Image, gaps: string[]): Uint8Array {
  const tokens = ["P2", img.width, img.height, img.maxval, ...img.levels].map(String);
  return ascii(tokens.map((t, k) => t + gaps[k % gaps.length]).join(""));
}

function p5(img: Image, headerGaps: string[]): Uint8Array {
  const head = ["P5", img.width, img.height, img.maxval].map(String);
  // Exactly one white-space byte after maxval; comments only before it.
  const text = head.slice(0, 3).map((t, k) => t + headerGaps[k]).join("") + `${img.maxval}\n`;
  const wide = img.maxval > 255;
  const raster = new Uint8Array(img.levels.length * (wide ? 2 : 1));
  img.levels.forEach((v, k) => {
    if (wide) raster.set([v >> 8, v & 0xff], 2 * k);
    else raster[k] = v;
  });
  const out = new Uint8Array(text.length + raster.length);
  out.set(ascii(text));
  out.set(raster, text.length);
  return out;
}

function assertReadsAs(bytes: Uint8Array, img: Image): void {
  const got = parsePgm(bytes, "img.pgm");
  assert.deepEqual([got.width, got.height], [img.width, img.height]);
  assert.deepEqual(Array.from(got.pixels), img.levels.map((v) => Math.fround(v / img.maxval)));
}

Deno.test("parsePgm() reads back random images written as P2 and P5, whatever the white space and comments", () => {
  fc.assert(
    fc.property(image, fc.array(gap, { minLength: 4, maxLength: 4 }), (img, gaps) => {
      assertReadsAs(p2(img, gaps), img);
      assertReadsAs(p5(img, gaps), img);
    }),
    { seed: 1, numRuns: 400 },
  );
});

/** Either a well-formed image or one ImageFileError naming the file in one line. */
function readOrRefuse(bytes: Uint8Array): void {
  let img;
  try {
    img = parsePgm(bytes, "damaged.pgm");
  } catch (err) {
    assert.ok(err instanceof ImageFileError, `not an ImageFileError: ${err}`);
    assert.ok(err.message.startsWith("damaged.pgm "), err.message);
    assert.ok(!/[\r\n]/.test(err.message), `two lines: ${JSON.stringify(err.message)}`);
    return;
  }
  assert.equal(img.pixels.length, img.width * img.height);
  assert.ok(img.pixels.every((v) => v >= 0 && v <= 1), "a pixel outside [0, 1]");
}

/** Damage done to a good file: bytes flipped or set, the file cut, bytes inserted. */
const damage = fc.oneof(
  fc.record({ kind: fc.constant("flip"), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ kind: fc.constant("set"), at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant("cut"), at: fc.nat() }),
  fc.record({
    kind: fc.constant("insert"),
    at: fc.nat(),
    bytes: fc.oneof(
      fc.uint8Array({ minLength: 1, maxLength: 4 }),
      fc.constantFrom("-", "x", "1e3", "0x10", "99999999999", "#", " 300 ", "\n").map(ascii),
    ),
  }),
);
interface Damage {
  kind: string;
  at: number;
  bit?: number;
  byte?: number;
  bytes?: Uint8Array;
}

function damaged(good: Uint8Array, edits: Damage[]): Uint8Array {
  let b = good.slice();
  for (const e of edits) {
    const at = b.length === 0 ? 0 : e.at % b.length;
    if (e.kind === "flip" && b.length) b[at] ^= 1 << e.bit!;
    else if (e.kind === "set" && b.length) b[at] = e.byte!;
    else if (e.kind === "cut") b = b.slice(0, at);
    else if (e.kind === "insert") {
      const out = new Uint8Array(b.length + e.bytes!.length);
      out.set(b.subarray(0, at));
      out.set(e.bytes!, at);
      out.set(b.subarray(at), at + e.bytes!.length);
      b = out;
    }
  }
  return b;
}

Deno.test("parsePgm() reads a damaged file or refuses it with one ImageFileError, never another exception", () => {
  fc.assert(
    fc.property(
      image,
      fc.boolean(),
      fc.array(damage as fc.Arbitrary<Damage>, { minLength: 1, maxLength: 3 }),
      (img, plain, edits) => {
        const good = plain ? p2(img, [" "]) : p5(img, [" ", " ", " "]);
        readOrRefuse(damaged(good, edits));
      },
    ),
    { seed: 1, numRuns: 3000 },
  );
  // Random bytes behind a PGM magic number, and no file at all.
  fc.assert(
    fc.property(
      fc.constantFrom("P2", "P5", "P2 ", "P5\n"),
      fc.uint8Array({ maxLength: 64 }),
      (m, tail) => {
        const bytes = new Uint8Array([...ascii(m), ...tail]);
        readOrRefuse(bytes);
      },
    ),
    { seed: 1, numRuns: 2000 },
  );
  readOrRefuse(new Uint8Array(0));
});

Deno.test("parsePgm() refuses a header claiming more than the size cap or the file holds, before allocating", () => {
  const side = fc.integer({ min: 1, max: 2 ** 32 - 1 });
  fc.assert(
    fc.property(side, side, fc.constantFrom("P2", "P5"), (w, h, magic) => {
      const bytes = ascii(`${magic}\n${w} ${h}\n255\n0 0 0 0\n`);
      try {
        parsePgm(bytes, "big.pgm");
        // What the file holds: four plain pixels, or eight raw bytes.
        assert.ok(w * h <= (magic === "P2" ? 4 : 8), `${w}×${h} read from ${bytes.length} bytes`);
      } catch (err) {
        assert.ok(err instanceof ImageFileError, String(err));
        if (w * h > MAX_PGM_PIXELS) {
          assert.match(err.message, new RegExp(`^big.pgm claims ${w}×${h} pixels, more than`));
        } else assert.match(err.message, /^big.pgm is truncated/);
      }
    }),
    { seed: 1, numRuns: 500 },
  );
});

Deno.test("parsePgm() names the file and the fault for each kind of bad P2", () => {
  const cases: [string, RegExp][] = [
    ["P2\n100000 100000\n255\n0 0 0\n", /claims 100000×100000 pixels, more than the 67108864/],
    ["P2\n2 2\n255\n0 1 x 3\n", /has "x" where its pixel value should be/],
    ["P2\n2 2\n255\n0 1 -2 3\n", /has "-2" where its pixel value should be/],
    ["P2\n2 2\n255\n0 1 2.5 3\n", /has "2.5" where its pixel value should be/],
    ["P2\n2 2\n255\n0 1 300 3\n", /has pixel 2 = 300, above its maxval 255/],
    ["P2\n2 2\n255\n0 1 2\n", /is truncated after 3 of 4 pixels/],
    ["P2\n2 2\n0\n0 0 0 0\n", /has maxval 0; a PGM's is 1 to 65535/],
    ["P2\n2 2\n70000\n0 0 0 0\n", /has maxval 70000; a PGM's is 1 to 65535/],
    ["P2\n0 2\n255\n", /claims 0×2 pixels; both sides must be at least 1/],
    ["P2\n2 two\n255\n0 0 0 0\n", /has "two" where its height should be/],
    ["P2\n2 2\n", /ends before its maxval \(a truncated PGM header\)/],
    ["P7\n2 2\n255\n0 0 0 0\n", /is not a PGM file \(it starts with "P7", not P5 or P2\)/],
    ["P22 2\n255\n0 0 0 0\n", /is not a PGM file \(it starts with "P22"/],
    ["", /is not a PGM file \(it starts with "", not P5 or P2\)/],
    ["P5\n4 4\n255\n\x01\x02", /is truncated: 2 bytes of pixels, 16 expected/],
    ["P5\n2 1\n3\n\x01\x09", /has pixel 1 = 9, above its maxval 3/],
  ];
  for (const [text, says] of cases) {
    const bytes = Uint8Array.from(text, (c) => c.charCodeAt(0));
    assert.throws(() => parsePgm(bytes, "s1/1.pgm"), (err) => {
      assert.ok(err instanceof ImageFileError, `${JSON.stringify(text)}: ${err}`);
      assert.match(err.message, /^s1\/1\.pgm /);
      assert.match(err.message, says);
      return true;
    });
  }
  // Comments where netpbm allows them: after the magic number, inside the header, in the raster.
  const odd = parsePgm(ascii("P2#c\n2#w\n1 # h\n#\n9#m\n0#p\n9\n"), "odd.pgm");
  assert.deepEqual([odd.width, odd.height, ...odd.pixels], [2, 1, 0, 1]);
  // A comment right after a P5 maxval ends at its line, and the raster follows.
  const p5c = parsePgm(Uint8Array.from("P5 1 1 255#c\n\xff", (c) => c.charCodeAt(0)), "c.pgm");
  assert.deepEqual(Array.from(p5c.pixels), [1]);
});
