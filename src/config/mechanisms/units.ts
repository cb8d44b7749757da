// The scenario states time in seconds (SPEC §3); the kernel counts steps. Conversions the parameter writers share.

/**
 * A delay in seconds as whole steps: rounded to the nearest step, or up (a cooldown never ends early); the tolerance
 * keeps a whole multiple of the step whole.
 */
export function wholeSteps(seconds: number, stepSeconds: number, mode: "round" | "up"): number {
  const steps = seconds / stepSeconds;
  return mode === "up" ? Math.ceil(steps - 1e-9) : Math.round(steps);
}

/** A difference of decimal parameters as the decimal it stands for (1.13 − 1 is 0.1299999999999999 in binary). */
export function decimal(x: number): number {
  return Number(x.toPrecision(12));
}
