import { InputError } from "../../src/config/errors.js";

/** The problems of the InputError that `fn` throws; fails the test when it throws nothing or something else. */
export function problemsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    if (err instanceof InputError) return err.problems;
    throw err;
  }
  throw new Error("expected an InputError, but the input was accepted");
}
