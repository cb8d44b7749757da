import { it } from "vitest";
import { loadPortfolioScenario, simulatePortfolio } from "../src/portfolio/index.js";
it("smoke", () => {
const s = loadPortfolioScenario({ paths: 20, markets: [{name:"BTC", shocks:[{step:5, return:-0.1}]}, {name:"ETH", initialPrice:2000, tickSize:0.05}], correlation: [[1,0.7],[0.7,1]], collateral: {assets:[{name:"USDT"},{name:"USDe", haircut:0.05, price:{model:"venue-book", shocks:[{step:5,return:-0.3}]}}]}, accounts:{generated:{count:2000, collateralMix:[{asset:"USDT",share:0.5},{asset:"USDe",share:0.5}]}} });
const t0 = Date.now();
const r = simulatePortfolio(s);
console.log(Date.now()-t0, "ms");
for (const n of r.metricNames) console.log(n, Array.from(r.column(n).slice(0,4)).map(v=>+v.toPrecision(6)).join(" "));
});
