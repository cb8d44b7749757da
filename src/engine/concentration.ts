// accounts.notional.top10Share: the ten largest accounts hold a stated share of open interest. The Pareto draws give
// the top ten only a few percent at the defaults (about 6% of 10,000 accounts), where real venues show tens of
// percent; scaling the ten largest draws by one common factor reaches the stated share while leaving every other
// account as drawn. Mirrored in assembly/concentration.ts (same arithmetic, same order).

/** The ranks kept: the ten whales, a hedged whale's other leg, and the largest account left as drawn. */
const KEPT = 12;
const rankValue = new Float64Array(KEPT);
const rankIndex = new Int32Array(KEPT);

/**
 * Scales the ten largest notionals (ranked by value, ties to the lower index) by k so that they hold `share` of the
 * total: with T their sum and R the rest, k = share·R / ((1 − share)·T). A hedged pair has two legs of equal notional
 * at consecutive indices (`pairs` pairs, legs 2j long and 2j + 1 short); when the tenth largest is a long leg, its
 * short leg ranks eleventh and is scaled with it so the pair stays equal: with x that leg's notional and R the rest
 * without it, k = share·R / ((1 − share)·T − share·x) (positive for share ≤ 0.9, as x ≤ T/10). k never goes below
 * m / t, m the largest account left as drawn and t the smallest whale, so that the whales stay the ten largest:
 * a share below what the draws already give is lowered only that far. With every account a whale or its leg (R = 0)
 * the draws stay as they are.
 */
export function concentrateTop10(notional: Float64Array, n: number, share: number, pairs: number): void {
  if (n <= 10) return; // the ten largest are everyone: share 1
  let kept = 0;
  let total = 0;
  for (let i = 0; i < n; i++) {
    const x = notional[i];
    total += x;
    let j: number;
    if (kept < KEPT) j = kept++;
    else if (x > rankValue[KEPT - 1]) j = KEPT - 1;
    else continue;
    // insertion among the largest: an equal value drawn later ranks after the earlier one
    while (j > 0 && rankValue[j - 1] < x) {
      rankValue[j] = rankValue[j - 1];
      rankIndex[j] = rankIndex[j - 1];
      j--;
    }
    rankValue[j] = x;
    rankIndex[j] = i;
  }
  let top = 0;
  for (let j = 0; j < 10; j++) top += rankValue[j];
  const tenth = rankIndex[9];
  const legs = tenth < 2 * pairs && (tenth & 1) === 0;
  const leg = legs ? rankValue[10] : 0;
  const next = legs ? (kept > 11 ? rankValue[11] : 0) : rankValue[10];
  const rest = total - top - leg;
  if (!(rest > 0)) return;
  let k = (share * rest) / ((1 - share) * top - share * leg);
  const least = next / rankValue[9];
  if (k < least) k = least;
  for (let j = 0; j < 10; j++) notional[rankIndex[j]] = rankValue[j] * k;
  if (legs) notional[tenth + 1] = leg * k;
}
