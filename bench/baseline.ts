/**
 * The baseline: what an app team would write instead of this service, in one file. Express,
 * Bull with its defaults, and a pooled nodemailer transport; no auth, no validation beyond
 * presence, no status records, no logging. Started by bench/run.ts as a child process.
 */
import Bull from 'bull';
import express from 'express';
import nodemailer from 'nodemailer';

const port = Number(process.env.PORT);
const queue = new Bull('baseline', process.env.REDIS_URL!);
const transport = nodemailer.createTransport({ url: process.env.SMTP_URL!, pool: true } as never);

type Mail = {
  email_to: string;
  email_from: string;
  subject: string;
  message: { text?: string; html?: string };
};

void queue.process(async (job: Bull.Job<Mail>) => {
  const { email_to, email_from, subject, message } = job.data;
  await transport.sendMail({
    from: email_from,
    to: email_to,
    subject,
    text: message.text,
    html: message.html,
  });
});

const app = express();
app.use(express.json());
app.post('/send-email', async (req, res) => {
  const body = req.body as Partial<Mail>;
  if (!body.email_to || !body.email_from || !body.subject || !body.message) {
    res.status(400).json({ error: 'missing fields' });
    return;
  }
  const job = await queue.add(body);
  res.status(202).json({ result: 'queued', id: job.id });
});
app.listen(port, '127.0.0.1', () => process.stdout.write('ready\n'));
