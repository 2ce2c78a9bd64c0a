import { PassThrough, Readable, Writable } from 'node:stream';
import { MESSAGE_WATCH, MessageWatch, messageWatchPlugin } from './message.watch';

/** What nodemailer's `stream` step hands a plugin, with a message of one line. */
function streamStageMail(watch?: MessageWatch): {
  data: Record<string, unknown>;
  message: { createReadStream: () => Readable };
} {
  const message = { createReadStream: (): Readable => Readable.from(['Subject: x\r\n\r\nhi\r\n']) };
  return { data: watch ? { [MESSAGE_WATCH]: watch } : {}, message };
}

function runPlugin(mail: ReturnType<typeof streamStageMail>): void {
  const done = jest.fn();
  messageWatchPlugin.plugin(mail, done);
  expect(done).toHaveBeenCalledWith();
}

describe('MessageWatch', () => {
  it('has not started while the stream nodemailer will send is unread', () => {
    const watch = new MessageWatch();
    const mail = streamStageMail(watch);
    runPlugin(mail);
    const stream = mail.message.createReadStream();
    expect(watch.started).toBe(false);
    stream.destroy();
    expect(watch.started).toBe(false);
  });

  it('has started once the stream is piped towards the socket', async () => {
    const watch = new MessageWatch();
    const mail = streamStageMail(watch);
    runPlugin(mail);
    const sink = new Writable({ write: (_chunk, _encoding, callback) => callback() });
    await new Promise((resolve) =>
      mail.message.createReadStream().pipe(sink).on('finish', resolve),
    );
    expect(watch.started).toBe(true);
  });

  it('follows the latest stream, as when the pool retries on another connection', () => {
    const watch = new MessageWatch();
    const read = new PassThrough();
    read.end('x');
    read.read();
    watch.watch(read);
    expect(watch.started).toBe(true);
    watch.watch(new PassThrough());
    expect(watch.started).toBe(false);
  });

  it('runs its start hook once, as the message starts to leave, and keeps what it returned', async () => {
    const onStart = jest.fn(() => Promise.resolve(true));
    const watch = new MessageWatch(onStart);
    const mail = streamStageMail(watch);
    runPlugin(mail);
    const stream = mail.message.createReadStream();
    await new Promise((resolve) => setImmediate(resolve));
    expect(onStart).not.toHaveBeenCalled();
    const sink = new Writable({ write: (_chunk, _encoding, callback) => callback() });
    await new Promise((resolve) => stream.pipe(sink).on('finish', resolve));
    expect(onStart).toHaveBeenCalledTimes(1);
    await expect(watch.whenStarted).resolves.toBe(true);
  });

  it('leaves a send without a watch alone', () => {
    const mail = streamStageMail();
    const create = mail.message.createReadStream;
    runPlugin(mail);
    expect(mail.message.createReadStream).toBe(create);
  });
});
