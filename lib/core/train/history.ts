/**
 * Training history with bounded memory.
 *
 * A {@link StridedRecorder} keeps one row of values (e.g. the loss of every
 * instance, or every instance's parameters) every `stride` steps. When it
 * holds `capacity` rows it drops every other row and doubles its stride, so
 * a run of any length keeps between capacity/2 and capacity evenly spaced
 * rows, plus the final step. The rows kept depend only on the step numbers,
 * never on the values, so recorders of different workers stay aligned.
 *
 * A recorder told the run's length (`until`) allocates only the rows that run
 * can fill: a short run of a wide recorder (every parameter of 100,000
 * instances) would otherwise reserve `capacity` rows it never writes.
 *
 * @module
 */

/** A recorded series: `steps[k]` is the step of row k of `values` (`[rows, width]`). */
export interface Series {
  /** Values per row. */
  width: number;
  /** The step of each row. */
  steps: number[];
  /** The rows, `[steps.length, width]`. */
  values: Float32Array;
}

/** A recorder's complete state (plain data, for checkpoints). */
export interface RecorderState {
  /** Values per row. */
  width: number;
  /** Rows kept at most. */
  capacity: number;
  /** Steps between kept rows now. */
  stride: number;
  /** The step of each kept row. */
  steps: number[];
  /** The kept rows, `[capacity, width]`. */
  values: Float32Array;
}

/** Row recorder with a fixed capacity and a doubling stride. */
export class StridedRecorder {
  /** Values per row. */
  readonly width: number;
  /** Rows kept at most. */
  readonly capacity: number;
  #stride: number;
  #steps: number[] = [];
  #buf: Float32Array;

  /**
   * A recorder of rows of `width` values, starting at every `stride` steps,
   * keeping at most `capacity` rows. With `until`, the last step the run will
   * record, it allocates only the rows such a run fills (see
   * {@link recorderRows}); recording past `until` still works, at the cost of
   * one reallocation to the full capacity.
   */
  constructor(width: number, options: { stride: number; capacity: number; until?: number }) {
    const { stride, capacity, until } = options;
    if (!Number.isInteger(stride) || stride < 1) {
      throw new RangeError(`stride must be an integer >= 1, got ${stride}`);
    }
    if (!Number.isInteger(capacity) || capacity < 2) {
      throw new RangeError(`capacity must be an integer >= 2, got ${capacity}`);
    }
    if (until !== undefined && (!Number.isInteger(until) || until < 0)) {
      throw new RangeError(`until must be an integer >= 0, got ${until}`);
    }
    this.width = width;
    this.capacity = capacity;
    this.#stride = stride;
    const rows = until === undefined ? capacity : recorderRows({ stride, capacity, until });
    this.#buf = new Float32Array(width * rows);
  }

  /** Current stride. */
  get stride(): number {
    return this.#stride;
  }

  /** Whether `step` is due for a row at the current stride. */
  wants(step: number): boolean {
    return step % this.#stride === 0;
  }

  /** Appends a row at `step` (use after {@link wants} said yes, or for the final step). */
  record(step: number, row: ArrayLike<number>): void {
    if (this.#steps.length === this.capacity) this.#compact();
    const k = this.#steps.length;
    if ((k + 1) * this.width > this.#buf.length) this.#grow();
    this.#steps.push(step);
    const base = k * this.width;
    for (let j = 0; j < this.width; j++) this.#buf[base + j] = row[j];
  }

  /**
   * The steps of `[from, to)` that would get a row if each step were offered
   * in turn ({@link wants}, then {@link record}), compactions included; the
   * recorder itself is left as it is. A loop that computes a span's rows out
   * of step order (instance by instance) plans them with this, then records
   * them in order.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { StridedRecorder } from "./history.ts";
   * const rec = new StridedRecorder(1, { stride: 2, capacity: 4 });
   * // Steps 0, 2, 4, 6 fill it; recording 8 compacts to stride 4, so 10 is skipped and 12 kept.
   * assert.deepEqual(rec.plan(0, 13), [0, 2, 4, 6, 8, 12]);
   * assert.equal(rec.stride, 2);
   * ```
   */
  plan(from: number, to: number): number[] {
    const due: number[] = [];
    let stride = this.#stride;
    let kept = this.#steps.slice();
    for (
      let t = Math.ceil(from / stride) * stride;
      t < to;
      t = (Math.floor(t / stride) + 1) * stride
    ) {
      due.push(t);
      // As record() does: a full recorder keeps every other row and doubles its stride first.
      if (kept.length === this.capacity) {
        stride *= 2;
        kept = kept.filter((s) => s % stride === 0);
      }
      kept.push(t);
    }
    return due;
  }

  /** Records the row of the final step unless that step is already the last row. */
  finish(step: number, row: ArrayLike<number>): void {
    if (this.#steps[this.#steps.length - 1] !== step) this.record(step, row);
  }

  /** Room for the full capacity, for a run that records more rows than `until` promised. */
  #grow(): void {
    const buf = new Float32Array(this.width * this.capacity);
    buf.set(this.#buf.subarray(0, this.#steps.length * this.width));
    this.#buf = buf;
  }

  #compact(): void {
    const next = this.#stride * 2;
    let kept = 0;
    for (let k = 0; k < this.#steps.length; k++) {
      if (this.#steps[k] % next !== 0) continue;
      if (kept !== k) {
        this.#buf.copyWithin(kept * this.width, k * this.width, (k + 1) * this.width);
      }
      this.#steps[kept++] = this.#steps[k];
    }
    this.#steps.length = kept;
    this.#stride = next;
  }

  /** Everything needed to continue recording later (see {@link StridedRecorder.restore}). */
  save(): RecorderState {
    return {
      width: this.width,
      capacity: this.capacity,
      stride: this.#stride,
      steps: [...this.#steps],
      values: this.#buf.slice(0, this.#steps.length * this.width),
    };
  }

  /**
   * A recorder that continues exactly where {@link save} left off (`until`
   * as for the constructor: the last step the run will record).
   */
  static restore(state: RecorderState, options: { until?: number } = {}): StridedRecorder {
    const rec = new StridedRecorder(state.width, {
      stride: state.stride,
      capacity: state.capacity,
      until: options.until,
    });
    if (state.values.length > rec.#buf.length) rec.#grow();
    rec.#steps = [...state.steps];
    rec.#buf.set(state.values);
    return rec;
  }

  /** The rows kept so far. */
  series(): Series {
    return {
      width: this.width,
      steps: [...this.#steps],
      values: this.#buf.slice(0, this.#steps.length * this.width),
    };
  }
}

/**
 * The rows a recorder holds at most over a run whose last recorded step is
 * `until`: a row at every multiple of `stride` below it and the final one,
 * or `capacity` when that is fewer. Memory estimates use it too.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { recorderRows } from "./history.ts";
 * assert.equal(recorderRows({ stride: 1, capacity: 16, until: 1 }), 2); // steps 0 and 1
 * assert.equal(recorderRows({ stride: 10, capacity: 512, until: 95 }), 11); // 0, 10, …, 90, 95
 * assert.equal(recorderRows({ stride: 1, capacity: 16, until: 25_000 }), 16);
 * ```
 */
export function recorderRows(options: { stride: number; capacity: number; until: number }): number {
  const { stride, capacity, until } = options;
  return Math.min(capacity, Math.max(1, Math.ceil(until / stride)) + 1);
}

/**
 * Row-major blocks `[rows, widths[p]]` side by side: `[rows, Σ widths]`, in a new
 * array of the first block's kind (columns of consecutive groups, e.g. instances
 * split across workers or shards).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { concatColumns } from "./history.ts";
 * const joined = concatColumns([Uint8Array.of(1, 2), Uint8Array.of(3, 4, 5, 6)], [1, 2], 2);
 * assert.deepEqual([...joined], [1, 3, 4, 2, 5, 6]);
 * ```
 */
export function concatColumns<T extends Float32Array | Float64Array | Int32Array | Uint8Array>(
  blocks: T[],
  widths: number[],
  rows: number,
): T {
  const width = widths.reduce((s, w) => s + w, 0);
  const out = new (blocks[0].constructor as { new (length: number): T })(rows * width);
  for (let k = 0; k < rows; k++) {
    let col = 0;
    blocks.forEach((b, p) => {
      out.set(b.subarray(k * widths[p], (k + 1) * widths[p]) as never, k * width + col);
      col += widths[p];
    });
  }
  return out;
}

/**
 * One-dimensional arrays one after the other, in a new array of the first's
 * kind: {@link concatColumns} with a single row.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { concatFlat } from "./history.ts";
 * assert.deepEqual([...concatFlat([Int32Array.of(1), Int32Array.of(2, 3)])], [1, 2, 3]);
 * ```
 */
export function concatFlat<T extends Float32Array | Float64Array | Int32Array | Uint8Array>(
  arrays: T[],
): T {
  return concatColumns(arrays, arrays.map((a) => a.length), 1);
}

/**
 * Joins series recorded for consecutive groups of columns (e.g. instances
 * split across workers) into one series. All parts must share their steps.
 */
export function concatSeriesColumns(parts: Series[]): Series {
  const steps = parts[0].steps;
  for (const p of parts) {
    if (p.steps.length !== steps.length || p.steps.some((s, k) => s !== steps[k])) {
      throw new Error("concatSeriesColumns: parts were recorded at different steps");
    }
  }
  const widths = parts.map((p) => p.width);
  const values = concatColumns(parts.map((p) => p.values), widths, steps.length);
  return { width: widths.reduce((s, w) => s + w, 0), steps: [...steps], values };
}
