import { Refusal, classifyRefusal } from './refusal.classifier';

/** Replies as real servers write them (Gmail, Outlook, Yahoo, Postfix, Exim, qmail, Exchange). */
const REPLIES: [string, Refusal][] = [
  ['550 5.1.1 No such user', 'mailbox'],
  [
    "550-5.1.1 The email account that you tried to reach does not exist. Please try\n550 5.1.1 double-checking the recipient's email address for typos",
    'mailbox',
  ],
  [
    '550 5.1.1 <ann@example.com>: Recipient address rejected: User unknown in virtual mailbox table',
    'mailbox',
  ],
  [
    '550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup',
    'mailbox',
  ],
  ['553 5.1.2 The recipient domain does not exist', 'mailbox'],
  ['550 sorry, no mailbox here by that name. (#5.1.1)', 'mailbox'],
  ['550 #5.1.0 Address rejected ann@aol.example', 'mailbox'],
  ['550 User unknown', 'mailbox'],
  ['550 550 5.1.1 Mailbox gone', 'mailbox'],
  ['550 550 5.7.1 Mailbox unavailable for you', 'policy'],
  ['550 No Such User Here', 'mailbox'],
  ['550 Requested action not taken: mailbox unavailable', 'mailbox'],
  ["554 delivery error: dd This user doesn't have a yahoo.com account (ann@yahoo.com)", 'mailbox'],
  // Outlook.com's "mailbox unavailable" carries 5.5.0: the enhanced code decides, conservatively.
  ['550 5.5.0 Requested action not taken: mailbox unavailable (S2017062302)', 'other'],
  ['550 5.7.1 Service unavailable; Client host [192.0.2.1] blocked using Spamhaus', 'policy'],
  ['550-5.7.26 This mail is unauthenticated, which poses a security risk', 'policy'],
  ['554 5.7.1 <ann@example.com>: Relay access denied', 'policy'],
  ['554 5.7.9 Message not accepted for policy reasons', 'policy'],
  ['550 mailbox unavailable: sender blocked by RBL', 'policy'],
  ["553 sorry, that domain isn't in my list of allowed rcpthosts (#5.7.1)", 'policy'],
  ['552 5.2.2 Mailbox full', 'other'],
  ['552 5.3.4 Message size exceeds fixed maximum message size', 'other'],
  ['554 5.6.0 Message content rejected', 'other'],
  ['550-Verification failed for <bob@shop.example>\n550 Unrouteable address', 'other'],
  ['451 4.3.0 Temporary lookup failure', 'transient'],
  ['450 4.2.1 The user you are trying to contact is receiving mail too quickly', 'transient'],
  ['421 4.7.0 Try again later, closing connection', 'transient'],
  ['Connection closed', 'other'],
];

describe('classifyRefusal', () => {
  it.each(REPLIES)('%s → %s', (reply, expected) => {
    expect(classifyRefusal(reply)).toBe(expected);
  });
});
