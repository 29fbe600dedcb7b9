/**
 * A value one deploy step hands to a later one: known already when the plan
 * is made (an existing layer's ARN, the function's own key), or made by the
 * step that creates it (a new layer version, a new access key) when the plan
 * runs. The step that makes it holds the only setter; the steps that need it
 * are given it as an argument.
 *
 * @module
 */

/**
 * A value known at plan time, or set by an earlier step as it runs.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Later } from "./later.ts";
 *
 * const arn = Later.pending<string>("the layer version");
 * assert.equal(arn.known, undefined);
 * arn.set("arn:aws:lambda:us-east-1:123456789012:layer:l:1");
 * assert.match(arn.get(), /layer:l:1$/);
 * ```
 */
export class Later<T> {
  #value: T | undefined;
  readonly #what: string;

  private constructor(what: string, value: T | undefined) {
    this.#what = what;
    this.#value = value;
  }

  /** A value already known when planning. */
  static of<T>(what: string, value: T): Later<T> {
    return new Later(what, value);
  }

  /** A value a step will make; `what` names it in the error of a misuse. */
  static pending<T>(what: string): Later<T> {
    return new Later<T>(what, undefined);
  }

  /** The value if it is known yet (plans show a placeholder otherwise). */
  get known(): T | undefined {
    return this.#value;
  }

  /** Sets the value (by the step that makes it). */
  set(value: T): void {
    this.#value = value;
  }

  /** The value; throws if no earlier step made it (a bug in the plan). */
  get(): T {
    if (this.#value === undefined) {
      throw new Error(`${this.#what} was used before the step that makes it`);
    }
    return this.#value;
  }
}
