import { Server, Socket, createServer } from 'node:net';
import { APP_KEY, acceptedId, jsonFile, textMail } from './support/fixtures';
import { freePort } from './support/redis';
import { until } from './support/poll';
import { InProcessService, useStack } from './support/service';
import { SmtpSink } from './support/smtp-sink';

/** A relay that is up but refuses everyone at the greeting (421), counting the connections. */
async function deadRelay(): Promise<{ server: Server; port: number; connections: () => number }> {
  let count = 0;
  const server = createServer((socket: Socket) => {
    count++;
    socket.end('421 4.3.2 Service not available\r\n');
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return { server, port, connections: () => count };
}

interface Status {
  status: string;
  attempts: number;
  transport?: string;
  transport_errors?: { transport: string; error: string }[];
}

describe('the circuit breaker (TRANSPORT_COOLDOWN_MS)', () => {
  const stack = useStack(null, { smtp: false });
  let dead: Awaited<ReturnType<typeof deadRelay>>;
  let live: SmtpSink;
  let service: InProcessService;

  beforeAll(async () => {
    dead = await deadRelay();
    // A short close timeout: the tests stop `live` while the pool holds idle connections.
    live = await SmtpSink.start(undefined, 50);
    const transports = jsonFile([
      { name: 'dead', url: `smtp://127.0.0.1:${dead.port}` },
      { name: 'live', url: live.url },
    ]);
    service = await stack.start({
      API_KEYS: `app:${APP_KEY}`,
      TRANSPORTS_FILE: transports,
      SMTP_URL: '',
      TRANSPORT_COOLDOWN_MS: '60000',
      SEND_BACKOFF_MS: '1000',
    });
  });
  afterAll(async () => {
    await new Promise((resolve) => dead.server.close(resolve));
    await live.close();
  });

  const statusWhen = (id: string, done: (s: Status) => boolean): Promise<Status> =>
    until(async () => {
      const { body } = await service.http.get(`/send-email/${id}`).set('X-API-Key', APP_KEY);
      return done(body as Status) ? (body as Status) : undefined;
    });

  it('skips a dead relay once it failed, while the cool-down lasts', async () => {
    await acceptedId(service.http, textMail('Breaker 1'));
    await live.waitForUnique('Breaker 1', 1);
    expect(dead.connections()).toBe(1);
    const id = await acceptedId(service.http, textMail('Breaker 2'));
    await live.waitForUnique('Breaker 2', 1);
    expect(dead.connections()).toBe(1);
    const { body } = await service.http.get(`/send-email/${id}`).set('X-API-Key', APP_KEY);
    expect(body).toMatchObject({ status: 'sent', transport: 'live' });
    expect(body).not.toHaveProperty('transport_errors');
  });

  it('puts cooling transports last, and tries them all in order once all are cooling', async () => {
    const before = dead.connections();
    await live.close();
    let id: string;
    try {
      id = await acceptedId(service.http, textMail('Breaker 3'));
      // `dead` is cooling: `live` first, then `dead` all the same; both fail.
      const first = await statusWhen(id, (s) => s.status === 'queued' && s.attempts === 1);
      expect(first.transport_errors?.map((e) => e.transport)).toEqual(['live', 'dead']);
      // Both cooling now: the retry tries them in the key's order.
      const second = await statusWhen(id, (s) => s.status === 'queued' && s.attempts === 2);
      expect(second.transport_errors?.map((e) => e.transport)).toEqual(['dead', 'live']);
    } finally {
      await live.listen();
    }
    await live.waitForUnique('Breaker 3', 1);
    const sent = await statusWhen(id, (s) => s.status === 'sent');
    expect(sent).toMatchObject({ transport: 'live', attempts: 3 });
    expect(dead.connections() - before).toBe(3);
  });
});
