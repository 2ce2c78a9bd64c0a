import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CODE, ERROR_CODES, ErrorCode, fallbackCode } from './error-codes';

const HEADER = '| status | `code` | when |';

/** The rows of README.md's "Responses and errors" table as [status, code, when]. */
function readmeRows(): string[][] {
  const lines = readFileSync(join(__dirname, '../../README.md'), 'utf8').split('\n');
  const start = lines.indexOf(HEADER);
  expect(start).toBeGreaterThan(-1);
  const table = lines.slice(start + 2);
  const end = table.findIndex((line) => !line.startsWith('|'));
  return table.slice(0, end === -1 ? undefined : end).map((line) =>
    line
      .split('|')
      .slice(1, -1)
      .map((cell) => cell.trim()),
  );
}

describe('ERROR_CODES', () => {
  it('gives an error that names no code the same fallback per status as before', () => {
    const statuses = [...new Set(Object.values(ERROR_CODES).map((info) => info.status))];
    const fallbacks = Object.fromEntries(statuses.map((status) => [status, fallbackCode(status)]));
    expect(fallbacks).toEqual({
      400: 'validation_failed',
      401: 'unauthorized',
      403: 'forbidden',
      404: 'not_found',
      405: 'method_not_allowed',
      409: 'conflict',
      413: 'payload_too_large',
      415: 'unsupported_media_type',
      429: 'rate_limited',
      500: undefined,
      503: 'queue_unavailable',
    });
    expect(fallbackCode(418)).toBeUndefined();
  });

  it('has at most one fallback per status', () => {
    const statuses = Object.values(ERROR_CODES)
      .filter((info) => 'fallback' in info)
      .map((info) => info.status);
    expect(new Set(statuses).size).toBe(statuses.length);
  });

  it('names each code by itself in CODE', () => {
    for (const code of Object.keys(ERROR_CODES) as ErrorCode[]) expect(CODE[code]).toBe(code);
  });

  it("is what README.md's error table lists: each code once, with its status and sentence", () => {
    const rows = readmeRows().filter(([, code]) => code !== '');
    const listed = rows.map(([status, code, when]) => ({
      code: code.replace(/^`|`$/g, ''),
      status: Number(status),
      when,
    }));
    const expected = Object.entries(ERROR_CODES).map(([code, info]) => ({
      code,
      status: info.status,
      when: info.when,
    }));
    expect(listed).toEqual(expected);
  });
});
