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

/**
 * The ratio of the medians, then the range of the ratios of each round (service and
 * baseline measured back to back): "0.45× (0.40–0.52×)".
 */
export function ratioSpread(service: number[][], baseline: number[][]): string {
  const overall = ratio(median(service.flat()), median(baseline.flat()));
  const perRound = service.map((values, i) => ratio(median(values), median(baseline[i])));
  if (perRound.length < 2) return times(overall);
  const [low, high] = [Math.min(...perRound), Math.max(...perRound)];
  return `${times(overall)} (${low.toFixed(2)}–${times(high)})`;
}
