import { createHash, createPublicKey, generateKeyPairSync, verify } from 'node:crypto';
import { DkimKey } from '../../config/dkim.config';
import { relaxedBody, relaxedHeader, signEd25519 } from './ed25519.signer';

describe('relaxed canonicalization (RFC 6376 §3.4.5 example)', () => {
  it('unfolds headers, lowercases names and squeezes whitespace', () => {
    expect(relaxedHeader({ name: 'A', value: ' X' })).toBe('a:X');
    expect(relaxedHeader({ name: 'B ', value: ' Y\t\r\n\tZ  ' })).toBe('b:Y Z');
  });

  it('squeezes whitespace in lines, drops it at line ends and drops trailing empty lines', () => {
    expect(relaxedBody(' C \r\nD \t E\r\n\r\n\r\n')).toBe(' C\r\nD E\r\n');
    expect(relaxedBody('\r\n\r\n')).toBe('');
    expect(relaxedBody('no newline')).toBe('no newline\r\n');
  });
});

describe('signEd25519', () => {
  const { privateKey } = generateKeyPairSync('ed25519');
  const key: DkimKey = {
    domain: 'news.example',
    selector: 'ed2026',
    algorithm: 'ed25519',
    privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    dnsTxt: '',
  };
  const raw = Buffer.from(
    'From: a@news.example\r\nTo: b@example.com\r\nSubject: Hi\r\n there\r\n' +
      'Received: x\r\nTo: c@example.com\r\n\r\nHello  world \r\n\r\n',
  );

  it('signs the listed fields bottom-up, and the signature verifies over their canonical form', () => {
    const signed = signEd25519(raw, key, 1_700_000_000_000).toString('latin1');
    const header = signed.slice(0, signed.indexOf('\r\n'));
    const tags = Object.fromEntries(
      header
        .slice('DKIM-Signature: '.length)
        .split('; ')
        .map((tag) => [tag.slice(0, tag.indexOf('=')), tag.slice(tag.indexOf('=') + 1)]),
    );
    expect(tags).toMatchObject({
      a: 'ed25519-sha256',
      d: 'news.example',
      s: 'ed2026',
      t: '1700000000',
    });
    expect(tags.h).toBe('from:subject:to:to');
    const bh = createHash('sha256').update('Hello world\r\n').digest('base64');
    expect(tags.bh).toBe(bh);
    const data =
      'from:a@news.example\r\nsubject:Hi there\r\nto:c@example.com\r\nto:b@example.com\r\n' +
      `dkim-signature:${header.slice('DKIM-Signature: '.length, header.indexOf('b=', header.indexOf('bh=') + 3) + 2)}`;
    const digest = createHash('sha256').update(data).digest();
    expect(verify(null, digest, createPublicKey(privateKey), Buffer.from(tags.b, 'base64'))).toBe(
      true,
    );
    expect(signed.slice(header.length + 2)).toBe(raw.toString('latin1'));
  });
});
