/**
 * What an SMTP refusal of a recipient says about its mailbox. Only `mailbox` (the address is
 * gone for good) puts it on the suppression list (SPEC §8); `policy` and `other` fail the email
 * and suppress nothing; `transient` is retried.
 */
export type Refusal = 'mailbox' | 'policy' | 'transient' | 'other';

// The basic code, then an enhanced status (RFC 3463) right after it ("550 5.1.1", "550-5.1.1")
// or in qmail's and AOL's trailing form "(#5.1.1)" / "#5.1.0". Some servers repeat the basic
// code in their text ("550 550 5.1.1 ..."), which is skipped.
const BASIC = /^\s*([2-5]\d\d)[\s-]/;
const ENHANCED = /(?:^\s*\d{3}[\s-]+(?:\d{3}[\s-]+)?|#)([245])\.(\d{1,3})\.\d{1,3}\b/;
// Without an enhanced code only the plainest words of a missing mailbox count, and never beside
// words of a block: a refusal we cannot read is not a reason to stop mailing someone.
const MAILBOX_WORDS =
  /user unknown|unknown user|no such user|no such (mailbox|recipient)|no mailbox|mailbox (unavailable|not found)|does not exist|doesn'?t exist|unknown recipient|recipient not found|invalid recipient|doesn'?t have an? [\w.-]+ account/i;
const BLOCK_WORDS = /spam|block|black ?list|policy|rbl|reputation|rate|denied|prohibit/i;

export function classifyRefusal(reply: string): Refusal {
  const basic = BASIC.exec(reply)?.[1];
  const enhanced = ENHANCED.exec(reply);
  if (basic?.startsWith('4') || enhanced?.[1] === '4') return 'transient';
  if (!basic?.startsWith('5')) return 'other';
  if (enhanced) return enhanced[2] === '1' ? 'mailbox' : enhanced[2] === '7' ? 'policy' : 'other';
  if (BLOCK_WORDS.test(reply)) return 'policy';
  return /^\s*55[0134]/.test(reply) && MAILBOX_WORDS.test(reply) ? 'mailbox' : 'other';
}
