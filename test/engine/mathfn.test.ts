import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { exp, log, normalInv } from "../../src/engine/mathfn.js";
import { philox, uniform52 } from "../../src/engine/philox.js";

describe("engine math functions", () => {
  it("exp agrees with the platform's to within 2 ulp on the range the model uses", () => {
    fc.assert(
      fc.property(fc.double({ min: -700, max: 700, noNaN: true }), (x) => {
        const want = Math.exp(x);
        expect(Math.abs(exp(x) - want)).toBeLessThanOrEqual(4.5e-16 * want);
      }),
      { numRuns: 5000 },
    );
  });

  it("log agrees with the platform's to within 2 ulp, subnormals included", () => {
    fc.assert(
      fc.property(fc.double({ min: 5e-324, max: 1e300, noNaN: true }), (x) => {
        const want = Math.log(x);
        expect(Math.abs(log(x) - want)).toBeLessThanOrEqual(4.5e-16 * Math.max(1, Math.abs(want)));
      }),
      { numRuns: 5000 },
    );
    expect(log(1)).toBe(0);
    expect(log(0)).toBe(-Infinity);
    expect(Number.isNaN(log(-1))).toBe(true);
  });

  it.each([
    // standard normal quantiles from tables (Abramowitz & Stegun 26.2), Acklam's bound is 1.15e-9 relative
    [0.5, 0],
    [0.975, 1.959963984540054],
    [0.995, 2.5758293035489],
    [0.01, -2.3263478740408408],
    [0.001, -3.090232306167813],
    [1e-10, -6.361340902404056],
  ])("normalInv(%f) = %f", (p, want) => {
    expect(Math.abs(normalInv(p) - want)).toBeLessThanOrEqual(1.2e-9 * Math.max(1, Math.abs(want)));
  });
});

describe("philox4x32-10", () => {
  // Known-answer vectors of the Random123 distribution (kat_vectors, philox4x32_10)
  it.each([
    [
      [0, 0, 0, 0],
      [0, 0],
      [0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8],
    ],
    [
      [0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff],
      [0xffffffff, 0xffffffff],
      [0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd],
    ],
    [
      [0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344],
      [0xa4093822, 0x299f31d0],
      [0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1],
    ],
  ])("counter %j key %j gives the published block", (ctr, key, want) => {
    const out = new Uint32Array(4);
    philox(ctr[0], ctr[1], ctr[2], ctr[3], key[0], key[1], out);
    expect(Array.from(out)).toEqual(want);
  });

  it("uniform52 stays strictly inside (0, 1)", () => {
    expect(uniform52(0, 0)).toBeGreaterThan(0);
    expect(uniform52(0xffffffff, 0xffffffff)).toBeLessThan(1);
  });
});
