import { suppressionKeyOf } from './suppression.store';

describe('suppressionKeyOf', () => {
  it.each([
    ['ann@example.com', 'ann@example.com'],
    ['Ann@Example.COM', 'ann@example.com'],
    ['  ANN.Lee+tag@Sub.Example.com ', 'ann.lee+tag@sub.example.com'],
    ['ann@Bücher.example', 'ann@xn--bcher-kva.example'],
    ['ann@xn--bcher-kva.example', 'ann@xn--bcher-kva.example'],
  ])('keys %s as %s', (input, key) => {
    expect(suppressionKeyOf(input)).toBe(key);
  });

  it.each([['Ann <ann@example.com>'], ['ann'], ['ann@'], ['ann@localhost'], [''], [42], [null]])(
    'refuses %p',
    (input) => {
      expect(suppressionKeyOf(input)).toBeNull();
    },
  );
});
