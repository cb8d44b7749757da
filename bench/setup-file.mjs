// Writes an EngineSetup (src/engine/setup.ts) to the little-endian binary file bench/c/kernel.c reads:
// "MCS2", u32 counts (tiers, profile length, shocks length, returns, accounts in file, parameter slots), then the
// f64 params, the tier columns, the bid and ask profiles, shocks, returns (at least one slot), and the accounts if any.
// kernel.c refuses a parameter count other than its PARAM_SLOTS (bench/c/contract.h, generated from src/contract/kernel.ts).
import { writeFileSync } from "node:fs";

export function writeSetupFile(setup, file) {
  const n = setup.accounts ? setup.accounts.size.length : 0;
  const parts = [
    Buffer.from("MCS2", "latin1"),
    Buffer.from(
      new Uint32Array([
        setup.tierFloor.length,
        setup.bidProfile.length,
        setup.shocks.length,
        setup.returns.length,
        n,
        setup.params.length,
      ]).buffer,
    ),
  ];
  const f64 = (a) => parts.push(Buffer.from(Float64Array.from(a).buffer));
  f64(setup.params);
  f64(setup.tierFloor);
  f64(setup.tierMmr);
  f64(setup.tierAmount);
  f64(setup.tierMaxLeverage);
  f64(setup.bidProfile);
  f64(setup.askProfile);
  f64(setup.shocks);
  f64(setup.returns.length > 0 ? setup.returns : [0]);
  if (n > 0) {
    parts.push(Buffer.from(Int32Array.from(setup.accounts.isLong).buffer));
    f64(setup.accounts.size);
    f64(setup.accounts.entry);
    f64(setup.accounts.collateral);
  }
  writeFileSync(file, Buffer.concat(parts));
}

/** FNV-1a 64 over the bytes of a Float64Array (little-endian), as bench/c/kernel.c computes it. */
export function fnv1a64(records) {
  const bytes = new Uint8Array(records.buffer, records.byteOffset, records.byteLength);
  const h = 0xcbf29ce484222325n;
  // 32-bit halves for speed: h = (h ^ b) * prime mod 2^64
  let lo = Number(h & 0xffffffffn) >>> 0;
  let hi = Number(h >> 32n) >>> 0;
  for (let i = 0; i < bytes.length; i++) {
    lo = (lo ^ bytes[i]) >>> 0;
    // prime = 2^40 + 0x1b3: (hi·2^32 + lo)·(2^40 + 0x1b3) mod 2^64
    const loMul = lo * 0x1b3;
    const newLo = loMul % 4294967296;
    const carry = Math.floor(loMul / 4294967296);
    const newHi = (Math.imul(hi, 0x1b3) + carry + ((lo << 8) >>> 0)) >>> 0;
    lo = newLo >>> 0;
    hi = newHi;
  }
  return hi.toString(16).padStart(8, "0") + lo.toString(16).padStart(8, "0");
}
