import { IDLE, layers } from './cpu-layers';
import { NM, profileOf } from './profile-of';

describe('layers', () => {
  it("counts Node's socket code and native writes for the package that wrote", () => {
    const totals = layers(
      profileOf([
        [
          [`sendCommand|${NM}/ioredis/built/Redis.js`, 'Socket._writeGeneric|node:net', 'writev'],
          5,
        ],
        [
          [`_sendCommand|${NM}/nodemailer/lib/smtp-connection/index.js`, 'Socket.write|node:net'],
          7,
        ],
        [['end|node:_http_outgoing', 'Socket._writeGeneric|node:net', 'writev'], 3],
        [[`handle|${NM}/express/lib/router/index.js`, 'hash|node:crypto'], 2],
      ]),
    );
    expect(totals.get('queue and Redis (bull, ioredis)')).toBe(5);
    expect(totals.get('mail sending (nodemailer)')).toBe(7);
    expect(totals.get('HTTP server, Express, body parsing')).toBe(5);
  });

  it("tells V8's pseudo-frames by their exact name, not by a package's function names", () => {
    const totals = layers(
      profileOf([
        [['(garbage collector)'], 4],
        [['(idle)'], 6],
        [[`send|${NM}/nodemailer/lib/smtp-pool/index.js`], 1],
        [['send|file:///app/dist/email/email.processor.js'], 2],
      ]),
    );
    expect(totals.get('garbage collection')).toBe(4);
    expect(totals.get(IDLE)).toBe(6);
    expect(totals.get('mail sending (nodemailer)')).toBe(1);
    expect(totals.get("the server's own code")).toBe(2);
  });

  it('leaves Node internals with no package above them as their own layer', () => {
    const totals = layers(profileOf([[['processTicksAndRejections|node:internal/process'], 9]]));
    expect(totals.get('Node internals and other')).toBe(9);
  });
});
