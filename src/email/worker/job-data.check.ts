import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { flattenErrors } from '../../common/validation.errors';
import { MailAddress, parseAddress } from '../../mail-syntax/address.parser';
import { SendEmailDto } from '../dto/send-email.dto';
import { TemplateService } from '../template.service';

const JOB_FIELDS = new Set([
  ...['id', 'key', 'message_id', 'created_at', 'from', 'to', 'cc', 'bcc', 'reply_to'],
  ...['subject', 'text', 'html', 'template', 'context', 'headers', 'attachments', 'test'],
  ...['tags', 'metadata'],
]);
const MESSAGE_ID = /^<[A-Za-z0-9-]{1,64}@[^\s<>@\p{Cc}\p{Cf}]{1,253}>$/u;
// The same rules as a request, with unknown fields refused at every level (file paths,
// URLs, raw header objects and nodemailer's other options are all unknown fields).
const STRICT = { whitelist: true, forbidNonWhitelisted: true, forbidUnknownValues: true };

type Fields = Record<string, unknown>;
const isObject = (value: unknown): value is Fields =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** What the DTO's address rules refuse: a job holds parsed mailboxes, never strings. */
const NOT_A_MAILBOX = {};

/** A parsed mailbox back as the request wrote it, or a value the DTO refuses. */
function written(value: unknown): unknown {
  if (!isObject(value) || Object.keys(value).some((key) => key !== 'name' && key !== 'address'))
    return NOT_A_MAILBOX;
  const { name, address } = value as Partial<MailAddress>;
  if (typeof name !== 'string' || typeof address !== 'string') return NOT_A_MAILBOX;
  const text = name ? `"${name}" <${address}>` : address;
  const parsed = parseAddress(text);
  // Only a mailbox that parses back to itself passes: no name that smuggles a second address.
  return parsed?.name === name && parsed.address === address ? text : NOT_A_MAILBOX;
}

const writtenList = (value: unknown): unknown =>
  Array.isArray(value) ? value.map(written) : value;

/** The job as the request it came from, for the request's own validation rules. */
function asRequest(data: Fields): Fields {
  const has = (field: string): boolean => data[field] !== undefined;
  return {
    email_to: writtenList(data.to),
    email_from: written(data.from),
    ...(has('cc') && { cc: writtenList(data.cc) }),
    ...(has('bcc') && { bcc: writtenList(data.bcc) }),
    ...(has('reply_to') && { reply_to: written(data.reply_to) }),
    subject: data.subject,
    ...((has('text') || has('html')) && { message: { text: data.text, html: data.html } }),
    ...(has('template') && { template: data.template }),
    ...(has('context') && { context: data.context }),
    ...(has('headers') && { headers: data.headers }),
    ...(has('attachments') && { attachments: data.attachments }),
    ...(has('tags') && { tags: data.tags }),
    ...(has('metadata') && { metadata: data.metadata }),
  };
}

/**
 * Why a job's data is not one the API could have built, or undefined when it is. Anyone
 * with Redis access can edit a job; the worker sends nothing it would have refused as a
 * request (SPEC §10).
 */
export function jobDataProblem(data: unknown, templates: TemplateService): string | undefined {
  if (!isObject(data)) return 'the job data is not an object';
  const unknown = Object.keys(data).find((field) => !JOB_FIELDS.has(field));
  if (unknown !== undefined) return `${unknown.slice(0, 64)} is not a field of an email job`;
  for (const field of ['id', 'key', 'created_at'])
    if (typeof data[field] !== 'string') return `${field} must be a string`;
  if (typeof data.message_id !== 'string' || !MESSAGE_ID.test(data.message_id))
    return 'message_id must be <id@domain>';
  if (data.test !== undefined && typeof data.test !== 'boolean') return 'test must be a boolean';
  const dto = plainToInstance(SendEmailDto, asRequest(data));
  const [first] = flattenErrors(validateSync(dto, STRICT));
  if (first) return first.message;
  if (dto.template) return templates.check(dto.template, dto.context)[0]?.message;
  return undefined;
}
