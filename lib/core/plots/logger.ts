/**
 * Vega's logger interface, keeping what Vega-Lite says while it compiles a
 * spec. It imports nothing, so the Vega-Lite 5 check (tests/_vega_lite_5.ts),
 * which runs without the project's config, can use it too.
 *
 * @module
 */

/** Warnings Vega-Lite raised while compiling a spec (kept, never printed). */
export class CollectingLogger {
  /** What vega logged, one line a message. */
  readonly messages: string[] = [];
  #level = 2;
  /** The log level (vega's logger interface). */
  level(): number;
  /** Sets the log level. */
  level(value: number): this;
  level(value?: number): number | this {
    if (value === undefined) return this.#level;
    this.#level = value;
    return this;
  }
  /** Keeps an error message. */
  error(...args: readonly unknown[]): this {
    this.messages.push(`error: ${args.join(" ")}`);
    return this;
  }
  /** Keeps a warning. */
  warn(...args: readonly unknown[]): this {
    this.messages.push(`warn: ${args.join(" ")}`);
    return this;
  }
  /** Ignores info messages. */
  info(): this {
    return this;
  }
  /** Ignores debug messages. */
  debug(): this {
    return this;
  }
}
