import { loadApiKeys } from '../../config/api-key.parser';
import { ApiKeyStore } from './api-key.store';

const KEY_A = 'key-a-0123456789abcdef';
const KEY_B = 'key-b-0123456789abcdef';

describe('ApiKeyStore.find', () => {
  const config = {
    get: (name: string) => (name === 'apiKeys' ? loadApiKeys(`a:${KEY_A},b:${KEY_B}`) : undefined),
  };
  const store = new ApiKeyStore(config as never);

  it('finds the record of a presented key', () => {
    expect(store.find(KEY_A)?.name).toBe('a');
    expect(store.find(KEY_B)?.name).toBe('b');
  });

  it.each(['', 'x', KEY_A.slice(0, -1), `${KEY_A} `, KEY_A.toUpperCase(), 'k'.repeat(100_000)])(
    'finds nothing for %j',
    (presented) => {
      expect(store.find(presented)).toBeUndefined();
    },
  );
});
