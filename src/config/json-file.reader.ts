import { readFileSync } from 'node:fs';
import { ConfigError } from './config.error';

/** A key's or a transport's name in those files (it shows in logs, metrics and statuses). */
export const CONFIG_NAME = /^[A-Za-z0-9_.-]{1,64}$/;

/**
 * The JSON array of entries a config file variable (API_KEYS_FILE, TRANSPORTS_FILE,
 * DKIM_KEYS_FILE) points at, `what` naming one entry. The parser's own message is left out on
 * purpose: V8 quotes the text around a syntax error, which in a key file can be a key.
 */
export function readJsonArray(variable: string, file: string, what: string): unknown[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    throw new ConfigError(`${variable}: cannot read ${file} (${code})`);
  }
  let entries: unknown;
  try {
    entries = JSON.parse(text);
  } catch {
    throw new ConfigError(`${variable}: ${file} is not valid JSON`);
  }
  if (!Array.isArray(entries) || entries.length === 0)
    throw new ConfigError(`${variable} must hold a JSON array of one ${what} or more`);
  return entries;
}
