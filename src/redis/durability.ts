import Redis from 'ioredis';

/** The Redis settings SPEC §5's guarantees rest on, and what each must be. */
const DURABILITY: [setting: string, ok: (value: string) => boolean, advice: string][] = [
  [
    'appendonly',
    (v) => v === 'yes',
    'appendonly yes (or accepted mail is lost when Redis restarts)',
  ],
  ['appendfsync', (v) => v !== 'no', 'appendfsync everysec'],
  [
    'maxmemory-policy',
    (v) => v === 'noeviction',
    'maxmemory-policy noeviction (or Redis may evict queued mail)',
  ],
];

/**
 * One line per setting that differs from what production needs; [] when all is well;
 * undefined when the connection dropped during the check (that is no refusal: ask again).
 */
export async function durabilityWarnings(client: Redis): Promise<string[] | undefined> {
  try {
    const warnings: string[] = [];
    for (const [setting, ok, advice] of DURABILITY) {
      const [, value] = (await client.config('GET', setting)) as string[];
      if (value !== undefined && !ok(value))
        warnings.push(`Redis has ${setting} ${value}; production needs ${advice}`);
    }
    return warnings;
  } catch {
    if (client.status !== 'ready') return undefined;
    return [
      'Redis refused CONFIG GET; make sure it runs with appendonly yes and maxmemory-policy noeviction',
    ];
  }
}
