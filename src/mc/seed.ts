// The master seed (an integer up to 2^53 − 1) as the two 32-bit key words of the counter-based generator.
export function seedWords(seed: number): [number, number] {
  return [(seed % 4294967296) >>> 0, Math.floor(seed / 4294967296) >>> 0];
}
