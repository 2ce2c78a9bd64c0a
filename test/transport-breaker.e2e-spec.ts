import { Server, Socket, createServer } from 'node:net';
import { APP_KEY, acceptedId, jsonFile, textMail } from './support/fixtures';
import { freePort } from './support/redis';
import { InProcessService, useStack } from './support/service';

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

describe('the circuit breaker (TRANSPORT_COOLDOWN_MS)', () => {
  const stack = useStack(null);
  let dead: Awaited<ReturnType<typeof deadRelay>>;
  let service: InProcessService;

  beforeAll(async () => {
    dead = await deadRelay();
    const transports = jsonFile([
      { name: 'dead', url: `smtp://127.0.0.1:${dead.port}` },
      { name: 'live', url: stack.smtp.url },
    ]);
    service = await stack.start({
      API_KEYS: `app:${APP_KEY}`,
      TRANSPORTS_FILE: transports,
      SMTP_URL: '',
      TRANSPORT_COOLDOWN_MS: '60000',
    });
  });
  afterAll(async () => {
    await new Promise((resolve) => dead.server.close(resolve));
  });

  it('skips a dead relay once it failed, while the cool-down lasts', async () => {
    await acceptedId(service.http, textMail('Breaker 1'));
    await stack.smtp.waitForUnique('Breaker 1', 1);
    expect(dead.connections()).toBe(1);
    const id = await acceptedId(service.http, textMail('Breaker 2'));
    await stack.smtp.waitForUnique('Breaker 2', 1);
    expect(dead.connections()).toBe(1);
    const { body } = await service.http.get(`/send-email/${id}`).set('X-API-Key', APP_KEY);
    expect(body).toMatchObject({ status: 'sent', transport: 'live' });
    expect(body).not.toHaveProperty('transport_errors');
  });
});
