/**
 * Grids of same-sized grey or signed images (basis images, principal
 * components, decoder columns, reconstructions) drawn into one PNG carried by
 * a Vega-Lite `image` mark, so a grid of hundreds of images stays a small
 * file. Used by the NMF and sparse-autoencoder figures.
 *
 * @module
 */
import { encodeBase64 } from "../io.ts";
import { encodePngRgb } from "./_png.ts";
import { type Spec, specTitle } from "./render.ts";

/** How image grids are drawn. */
export interface ImageGridOptions {
  /** Number of images in `images` (row-major, `[count, width·height]`). */
  count: number;
  /** Width of each image in pixels. */
  width: number;
  /** Height of each image in pixels. */
  height: number;
  /** Images per grid row (default: ⌈√count⌉). */
  columns?: number;
  /** Title of the grid (a unit's title inside a concatenation). */
  title?: string;
  /**
   * `"each"` scales every image by its own largest magnitude (default; basis
   * images have arbitrary scales), `"all"` by the largest over the grid,
   * `"none"` draws values as they are, clamped to [0, 1] (or [−1, 1] when
   * signed), e.g. pixels and reconstructions.
   */
  normalize?: "each" | "all" | "none";
  /** Values have both signs: blue < 0 < red through white (else white 0 → black 1). */
  signed?: boolean;
  /**
   * Longest side of the drawn grid in screen pixels before images are
   * averaged down in 2 × 2, 3 × 3, … blocks (default 480); small grids are
   * enlarged by whole factors up to this size.
   */
  maxSide?: number;
  /** Image pixels between neighbouring images (default 1, drawn light grey). */
  gap?: number;
}

const GAP_GREY = 200;
const RED = [178, 24, 43];
const BLUE = [33, 102, 172];

/** RGB of a value: greys (0 white, 1 black) or a diverging blue–white–red map on [−1, 1]. */
function colour(v: number, signed: boolean, out: Uint8Array, at: number): void {
  if (!signed) {
    const g = Math.round(255 * (1 - Math.min(1, Math.max(0, v))));
    out[at] = g;
    out[at + 1] = g;
    out[at + 2] = g;
    return;
  }
  const t = Math.min(1, Math.abs(v));
  const end = v >= 0 ? RED : BLUE;
  for (let c = 0; c < 3; c++) out[at + c] = Math.round(255 + (end[c] - 255) * t);
}

/**
 * One grid of images as a Vega-Lite unit, for use inside `hconcat`/`vconcat`
 * ({@link imageGridSpec} is the standalone figure). The grid is drawn into a
 * raster and embedded as a PNG data URL in an `image` mark: one mark instead
 * of a rectangle per pixel keeps the SVG small (a 49-image MNIST grid drawn
 * as rectangles made a 10 MB SVG) and shows the pixels exactly.
 */
export function imageGridUnit(images: ArrayLike<number>, options: ImageGridOptions): Spec {
  const { count, width, height } = options;
  if (!(count >= 1) || images.length < count * width * height) {
    throw new RangeError(
      `imageGridUnit: ${images.length} values for ${count} images of ${width}×${height}`,
    );
  }
  const columns = Math.max(1, Math.min(count, options.columns ?? Math.ceil(Math.sqrt(count))));
  const rows = Math.ceil(count / columns);
  const gap = options.gap ?? 1;
  const maxSide = options.maxSide ?? 480;
  const side = (f: number) =>
    Math.max(
      columns * (Math.ceil(width / f) + gap) - gap,
      rows * (Math.ceil(height / f) + gap) - gap,
    );
  let pool = 1;
  while (side(pool) > maxSide && pool < 64) pool++;
  const w = Math.ceil(width / pool);
  const h = Math.ceil(height / pool);
  const gridW = columns * (w + gap) - gap;
  const gridH = rows * (h + gap) - gap;
  const zoom = Math.max(1, Math.floor(maxSide / Math.max(gridW, gridH)));
  const normalize = options.normalize ?? "each";
  const signed = options.signed ?? false;
  const d = width * height;

  let globalMax = 0;
  for (let q = 0; q < count * d; q++) globalMax = Math.max(globalMax, Math.abs(images[q]));
  const W = gridW * zoom;
  const H = gridH * zoom;
  const rgb = new Uint8Array(W * H * 3).fill(GAP_GREY);
  const pooled = new Float64Array(w * h);
  const pixel = new Uint8Array(3);
  for (let k = 0; k < count; k++) {
    for (let py = 0; py < h; py++) {
      for (let px = 0; px < w; px++) {
        let s = 0;
        let m = 0;
        for (let y = py * pool; y < Math.min(height, (py + 1) * pool); y++) {
          for (let x = px * pool; x < Math.min(width, (px + 1) * pool); x++) {
            s += images[k * d + y * width + x];
            m++;
          }
        }
        pooled[py * w + px] = s / m;
      }
    }
    let scale = 1;
    if (normalize === "all") scale = globalMax;
    else if (normalize === "each") {
      scale = 0;
      for (const v of pooled) scale = Math.max(scale, Math.abs(v));
    }
    if (scale === 0) scale = 1;
    const ox = (k % columns) * (w + gap) * zoom;
    const oy = Math.floor(k / columns) * (h + gap) * zoom;
    for (let py = 0; py < h; py++) {
      for (let px = 0; px < w; px++) {
        colour(pooled[py * w + px] / scale, signed, pixel, 0);
        for (let zy = 0; zy < zoom; zy++) {
          let at = ((oy + py * zoom + zy) * W + ox + px * zoom) * 3;
          for (let zx = 0; zx < zoom; zx++, at += 3) rgb.set(pixel, at);
        }
      }
    }
  }
  const url = `data:image/png;base64,${encodeBase64(encodePngRgb(W, H, rgb))}`;
  return {
    ...(options.title ? { title: options.title } : {}),
    data: { values: [{ url }] },
    width: W,
    height: H,
    mark: { type: "image", width: W, height: H, align: "left", baseline: "top", aspect: false },
    encoding: {
      url: { field: "url", type: "nominal" },
      x: { value: 0 },
      y: { value: 0 },
    },
  };
}

/**
 * A grid of same-sized grey images as a Vega-Lite figure.
 *
 * @example
 * ```ts
 * import { imageGridSpec } from "./images.ts";
 * // Two 2 × 2 images: a diagonal and its complement.
 * const spec = imageGridSpec([1, 0, 0, 1, 0, 1, 1, 0], { count: 2, width: 2, height: 2, title: "pair" });
 * console.assert(spec.title === "pair");
 * ```
 */
export function imageGridSpec(images: ArrayLike<number>, options: ImageGridOptions): Spec {
  const { title, ...rest } = options;
  return {
    ...(title ? { title } : {}),
    ...imageGridUnit(images, rest),
    config: { view: { stroke: null } },
  } as Spec;
}

/** One titled panel of a composite image figure. */
export interface ImagePanel {
  /** Figure title. */
  title: string;
  /** Pixels of the images, image after image. */
  images: ArrayLike<number>;
  /** How many images to draw. */
  count: number;
  /** Whether values are signed (diverging colours around 0). */
  signed?: boolean;
  /** How each image is scaled to the colour range. */
  normalize?: ImageGridOptions["normalize"];
}

/**
 * Panels of image grids side by side (`direction: "row"`, e.g. NMF bases |
 * PCA components) or stacked (`"column"`, e.g. originals / NMF / PCA).
 */
export function imagePanelsSpec(
  panels: ImagePanel[],
  options: {
    width: number;
    height: number;
    columns?: number;
    title: string;
    subtitle?: string;
    direction?: "row" | "column";
    maxSide?: number;
  },
): Spec {
  const units = panels.map((p) =>
    imageGridUnit(p.images, {
      count: p.count,
      width: options.width,
      height: options.height,
      columns: options.columns,
      title: p.title,
      signed: p.signed,
      normalize: p.normalize,
      maxSide: options.maxSide,
    })
  );
  const concat = (options.direction ?? "row") === "row" ? { hconcat: units } : { vconcat: units };
  return {
    title: specTitle(options),
    ...concat,
    spacing: 16,
    config: { view: { stroke: null } },
  } as unknown as Spec;
}
