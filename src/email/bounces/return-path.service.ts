import { InjectQueue } from '@nestjs/bull';
import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { Queue } from 'bull';
import { randomBytes } from 'node:crypto';
import { EnvironmentVariables } from '../../config/env.validation';
import { LuaScript, defineScript } from '../../redis/lua-script';
import { EMAIL_QUEUE } from '../store/email.constants';
import { parseVerp, verpAddress } from './verp';

const SECRET_BYTES = 32;

// The first process to start writes the secret; every other (API, worker, another machine)
// reads that one. KEYS: the secret; ARGV: a fresh candidate.
const LOAD = `
redis.call('SET', KEYS[1], ARGV[1], 'NX')
return redis.call('GET', KEYS[1])`;

/**
 * The per-email envelope sender (SPEC §8) and its reading back. The VERP tag's key is made
 * once per deployment and kept in Redis beside the queue (no variable to configure or leak);
 * read on first use, not at start, so a start without Redis still starts.
 */
@Injectable()
export class ReturnPathService {
  readonly domain?: string;
  private secret?: Promise<Buffer>;
  private readonly loadScript: LuaScript;

  constructor(
    @InjectQueue(EMAIL_QUEUE) private readonly queue: Queue,
    config: ConfigService<EnvironmentVariables, true>,
  ) {
    this.domain = config.get('BOUNCE_DOMAIN', { infer: true }) || undefined;
    this.loadScript = defineScript(queue.client, 'loadVerpSecret', 1, LOAD);
    if (this.domain) queue.client.on('ready', () => void this.reconnected());
  }

  /** The envelope sender of email `id`, or undefined without BOUNCE_DOMAIN (From is used). */
  async of(id: string): Promise<string | undefined> {
    if (!this.domain) return undefined;
    return verpAddress(id, this.domain, await this.key());
  }

  /** The id the first of `addresses` that is one of our envelope senders names. */
  async emailIdIn(addresses: string[]): Promise<string | undefined> {
    if (!this.domain || addresses.length === 0) return undefined;
    const secret = await this.key();
    for (const address of addresses) {
      const id = parseVerp(address, this.domain, secret);
      if (id) return id;
    }
    return undefined;
  }

  /** The secret, read (or made) once; with `keep`, offered again to a Redis that lost it. */
  private key(keep?: Buffer): Promise<Buffer> {
    if (keep || !this.secret)
      this.secret = this.load(keep).catch((error: Error) => {
        this.secret = undefined;
        throw error;
      });
    return this.secret;
  }

  // A Redis restarted without its data (no AOF) gets the secret back from whoever knew it, so
  // the envelope senders of emails already out still verify, and every process agrees again.
  private async reconnected(): Promise<void> {
    const known = await this.secret?.catch(() => undefined);
    if (known) await this.key(known).catch(() => undefined);
  }

  private async load(keep?: Buffer): Promise<Buffer> {
    const candidate = (keep ?? randomBytes(SECRET_BYTES)).toString('hex');
    const key = this.queue.toKey('verp-secret');
    const stored = await this.loadScript.run<string>(key, candidate);
    return Buffer.from(stored, 'hex');
  }
}
