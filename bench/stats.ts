/** Medians, spreads and ratios as the bench prints them. */

export const median = (values: number[]): number => {
  if (!values.length) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};

/** 1234.5 → "1,235"; with digits, that many decimals. */
export const formatNumber = (value: number, digits = 0): string =>
  value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

/** "median (min–max)", or the value alone when every value is the same. */
export function spread(values: number[], digits = 0): string {
  const [low, high] = [Math.min(...values), Math.max(...values)].map((v) =>
    formatNumber(v, digits),
  );
  const middle = formatNumber(median(values), digits);
  return low === high ? middle : `${middle} (${low}–${high})`;
}

export const ratio = (a: number, b: number): number => a / b;

const times = (value: number): string => `${value.toFixed(2)}×`;

/** The ratio of each round's medians (the two measured back to back in that round). */
export const roundRatios = (a: number[][], b: number[][]): number[] =>
  a.map((values, i) => ratio(median(values), median(b[i])));

/** "0.45×", and with several rounds the range of their ratios: "0.45× (0.40–0.52×)". */
function withRange(overall: number, perRound: number[]): string {
  if (perRound.length < 2) return times(overall);
  const [low, high] = [Math.min(...perRound), Math.max(...perRound)];
  return `${times(overall)} (${low.toFixed(2)}–${times(high)})`;
}

/**
 * The ratio of the medians, then the range of the ratios of each round (service and
 * baseline measured back to back): "0.45× (0.40–0.52×)".
 */
export const ratioSpread = (service: number[][], baseline: number[][]): string =>
  withRange(ratio(median(service.flat()), median(baseline.flat())), roundRatios(service, baseline));

/** The median of the rounds' ratios, then their range: "0.97× (0.93–1.01×)". */
export const medianRatioSpread = (a: number[][], b: number[][]): string =>
  withRange(median(roundRatios(a, b)), roundRatios(a, b));
