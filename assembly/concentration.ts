// accounts.notional.top10Share: the ten largest accounts scaled to a stated share of open interest. Same ranks,
// arithmetic and order as src/engine/concentration.ts, which documents the rule.

// the ten whales, a hedged whale's other leg, and the largest account left as drawn
const KEPT = 12;
const rankValue = new StaticArray<f64>(KEPT);
const rankIndex = new StaticArray<i32>(KEPT);

/** Scales the ten largest of notional[0..n) so that they hold `share` of the total (pairs: hedged pairs first). */
export function concentrateTop10(notional: StaticArray<f64>, n: i32, share: f64, pairs: i32): void {
  if (n <= 10) return;
  let kept = 0;
  let total: f64 = 0;
  for (let i = 0; i < n; i++) {
    const x = unchecked(notional[i]);
    total += x;
    let j: i32;
    if (kept < KEPT) j = kept++;
    else if (x > unchecked(rankValue[KEPT - 1])) j = KEPT - 1;
    else continue;
    while (j > 0 && unchecked(rankValue[j - 1]) < x) {
      unchecked((rankValue[j] = rankValue[j - 1]));
      unchecked((rankIndex[j] = rankIndex[j - 1]));
      j--;
    }
    unchecked((rankValue[j] = x));
    unchecked((rankIndex[j] = i));
  }
  let top: f64 = 0;
  for (let j = 0; j < 10; j++) top += unchecked(rankValue[j]);
  const tenth = unchecked(rankIndex[9]);
  const legs = tenth < 2 * pairs && (tenth & 1) == 0;
  const leg: f64 = legs ? unchecked(rankValue[10]) : 0;
  const next: f64 = legs ? (kept > 11 ? unchecked(rankValue[11]) : 0) : unchecked(rankValue[10]);
  const rest = total - top - leg;
  if (!(rest > 0)) return;
  let k = (share * rest) / ((1 - share) * top - share * leg);
  const least = next / unchecked(rankValue[9]);
  if (k < least) k = least;
  for (let j = 0; j < 10; j++) unchecked((notional[rankIndex[j]] = rankValue[j] * k));
  if (legs) unchecked((notional[tenth + 1] = leg * k));
}
