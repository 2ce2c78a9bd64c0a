import { formatNumber, median, medianRatioSpread, ratioSpread, spread } from './stats';

describe('median', () => {
  it('is the middle value, or the mean of the two middle ones', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeNaN();
  });
});

describe('spread', () => {
  it('prints the median and the lowest and highest value', () => {
    expect(spread([1200.4, 987, 1543])).toBe('1,200 (987–1,543)');
    expect(spread([0.5, 0.25, 1], 2)).toBe('0.50 (0.25–1.00)');
  });

  it('prints one value when they are all the same', () => {
    expect(spread([140, 140])).toBe('140');
    expect(formatNumber(1234.56, 1)).toBe('1,234.6');
  });
});

describe('ratioSpread', () => {
  it('gives the ratio of the medians and the range of the per-round ratios', () => {
    // Rounds: 100/200 = 0.5, 150/200 = 0.75, 120/100 = 1.2; medians 120 and 200.
    expect(ratioSpread([[100], [150], [120]], [[200], [200], [100]])).toBe('0.60× (0.50–1.20×)');
  });

  it('takes the median of each round for several values per round', () => {
    expect(
      ratioSpread(
        [
          [1, 2, 3],
          [4, 5, 6],
        ],
        [
          [2, 2, 2],
          [5, 5, 5],
        ],
      ),
    ).toBe('1.00× (1.00–1.00×)');
  });

  it('gives the ratio alone for one round', () => {
    expect(ratioSpread([[3]], [[2]])).toBe('1.50×');
  });
});

describe('medianRatioSpread', () => {
  it('gives the median of the per-round ratios and their range', () => {
    // Rounds: 100/200 = 0.5, 150/200 = 0.75, 120/100 = 1.2 (the ratio of the medians: 0.60).
    expect(medianRatioSpread([[100], [150], [120]], [[200], [200], [100]])).toBe(
      '0.75× (0.50–1.20×)',
    );
  });

  it('gives the ratio alone for one round', () => {
    expect(medianRatioSpread([[90, 95, 100]], [[100]])).toBe('0.95×');
  });
});
