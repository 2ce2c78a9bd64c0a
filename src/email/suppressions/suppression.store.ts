import { InjectQueue } from '@nestjs/bull';
import { Injectable } from '@nestjs/common';
import type { Queue } from 'bull';
import { domainToASCII } from 'node:url';
import { parseAddress } from '../../mail-syntax/address.parser';
import { LuaScript, defineScript } from '../../redis/lua-script';
import { EMAIL_QUEUE } from '../store/email.constants';

export const SUPPRESSION_REASONS = ['bounce', 'complaint', 'manual'] as const;
export type SuppressionReason = (typeof SUPPRESSION_REASONS)[number];

export interface Suppression {
  /** Normalised: local part lowercased, domain in lowercase ASCII (punycode). */
  address: string;
  reason: SuppressionReason;
  created_at: string;
  email_id?: string;
  diagnostic?: string;
}

/** One page of a key's list, in address order; `next` resumes after its last entry. */
export interface SuppressionPage {
  data: Suppression[];
  next?: string;
}

/**
 * The form a list is keyed by, or null for anything but one plain address. Mailbox local parts
 * are case-sensitive by RFC 5321, but no real mailbox provider treats them so, and a list that
 * missed `Ann@` for `ann@` would send to someone who asked not to be mailed.
 */
export function suppressionKeyOf(input: unknown): string | null {
  const mailbox = parseAddress(input);
  if (!mailbox || mailbox.name !== '') return null;
  const at = mailbox.address.lastIndexOf('@');
  const domain = domainToASCII(mailbox.address.slice(at + 1));
  return domain ? `${mailbox.address.slice(0, at).toLowerCase()}@${domain}` : null;
}

// The first entry of an address is kept: a re-add (or a later bounce) changes nothing, so the
// list says when and why an address was first suppressed. KEYS: entries, index; ARGV: address, entry.
const ADD = `
local was = redis.call('HGET', KEYS[1], ARGV[1])
if was then return was end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('ZADD', KEYS[2], 0, ARGV[1])
return ARGV[2]`;

const REMOVE = `
redis.call('ZREM', KEYS[2], ARGV[1])
return redis.call('HDEL', KEYS[1], ARGV[1])`;

// A page: the index's addresses after the cursor, and their entries, read at one instant.
// ARGV: the range's start ('-' or '(address'), how many.
const PAGE = `
local names = redis.call('ZRANGEBYLEX', KEYS[2], ARGV[1], '+', 'LIMIT', 0, ARGV[2])
if #names == 0 then return {} end
return redis.call('HMGET', KEYS[1], unpack(names))`;

const encodeCursor = (address: string): string => Buffer.from(address).toString('base64url');
const decodeCursor = (cursor: string): string => Buffer.from(cursor, 'base64url').toString();

/**
 * Each API key's suppression list: a hash of entries by address, and a sorted set of the same
 * addresses (all score 0) that pages in address order with ZRANGEBYLEX. A cursor is the last
 * address of a page, so paging never repeats or skips an entry that stays on the list, however
 * many are added or removed meanwhile (unlike HSCAN/ZSCAN cursors, which may repeat).
 */
@Injectable()
export class SuppressionStore {
  private readonly addScript: LuaScript;
  private readonly removeScript: LuaScript;
  private readonly pageScript: LuaScript;

  constructor(@InjectQueue(EMAIL_QUEUE) private readonly queue: Queue) {
    this.addScript = defineScript(queue.client, 'addSuppression', 2, ADD);
    this.removeScript = defineScript(queue.client, 'removeSuppression', 2, REMOVE);
    this.pageScript = defineScript(queue.client, 'pageSuppressions', 2, PAGE);
  }

  /** Adds `entry` unless its address is listed; either way the entry the list holds. */
  async add(owner: string, entry: Suppression): Promise<Suppression> {
    const stored = await this.addScript.run<string>(
      ...this.keysOf(owner),
      entry.address,
      JSON.stringify(entry),
    );
    return JSON.parse(stored) as Suppression;
  }

  async get(owner: string, address: string): Promise<Suppression | undefined> {
    const raw = await this.queue.client.hget(this.keysOf(owner)[0], address);
    return raw ? (JSON.parse(raw) as Suppression) : undefined;
  }

  /** Whether it was listed. */
  async remove(owner: string, address: string): Promise<boolean> {
    return (await this.removeScript.run<number>(...this.keysOf(owner), address)) === 1;
  }

  async page(owner: string, limit: number, cursor?: string): Promise<SuppressionPage> {
    const start = cursor ? `(${decodeCursor(cursor)}` : '-';
    const raw = await this.pageScript.run<(string | null)[]>(
      ...this.keysOf(owner),
      start,
      limit + 1,
    );
    const data = raw
      .filter((entry): entry is string => entry !== null)
      .map((entry) => JSON.parse(entry) as Suppression);
    const more = raw.length > limit;
    const shown = data.slice(0, limit);
    return more
      ? { data: shown, next: encodeCursor(shown[shown.length - 1].address) }
      : { data: shown };
  }

  /** Of `addresses` (as written), those on `owner`'s list: one round trip for a whole email. */
  async suppressedOf(owner: string, addresses: string[]): Promise<string[]> {
    if (addresses.length === 0) return [];
    const keys = addresses.map((address) => suppressionKeyOf(address) ?? address);
    const found = await this.queue.client.hmget(this.keysOf(owner)[0], ...keys);
    return addresses.filter((_, i) => found[i] !== null);
  }

  /** A key's list: its entries' hash and its index (for scripts that add to it, like ADD). */
  keysOf(owner: string): [string, string] {
    const entries = this.queue.toKey(`suppressions:${owner}`);
    return [entries, `${entries}:index`];
  }
}
