// Where the tests' public fixtures live: inside the repository (test/fixtures/public/README.md names each
// file's source and terms), so a fresh clone with nothing beside it passes `npm test`.
import { fileURLToPath } from "node:url";
import { readFileSync } from "node:fs";

/** test/fixtures/public/ as a directory path ending in a slash. */
export const PUBLIC_FIXTURES = fileURLToPath(new URL("../fixtures/public/", import.meta.url));

/** The real Binance USDⓈ-M BTCUSDT depth snapshot of 2022-11-01 (100 bid levels). */
export const BINANCE_DEPTH_SNAPSHOT = `${PUBLIC_FIXTURES}binance-usdm-btcusdt-depth-snap-2022-11-01.csv`;

/** The public worked examples (liquidation prices, brackets, venue formulas, book scenarios), parsed. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function publicExamples(): any {
  return JSON.parse(readFileSync(`${PUBLIC_FIXTURES}public-examples.json`, "utf8"));
}
