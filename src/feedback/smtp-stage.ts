/**
 * Which SMTP command (RFC 5321 §3.3) a failing answer replied to, as the report tells it. The
 * stage matters: an address refused at RCPT TO is refused as an address; the same words after
 * DATA come from a content filter. Reports say it in Postfix's "(in reply to end of DATA
 * command)", Exim's "after RCPT TO:", qmail's "does not like recipient", Sendmail's transcript.
 */

export type SmtpStage = 'CONNECT' | 'EHLO' | 'MAIL' | 'RCPT' | 'DATA';

/** How MTAs say which command a failing answer replied to (Postfix, Exim, qmail, DragonFly, m-FILTER). */
const STAGE_WORDS: ReadonlyArray<readonly [RegExp, SmtpStage]> = [
  [/in reply to (end of )?data\b|after (end of data|data|sending data block)|did not like our (final )?data|failed after i sent the message|smtp command\W+data\b/i, 'DATA'],
  [/in reply to rcpt( to)?\b|after rcpt( to)?\b|did not like our rcpt|does not like recipient|smtp command\W+rcpt/i, 'RCPT'],
  [/in reply to mail( from)?\b|after mail from|did not like our mail from|sender was rejected|smtp command\W+mail/i, 'MAIL'],
  [/in reply to (helo|ehlo)|after (helo|ehlo)|my name was rejected/i, 'EHLO'],
  [/after initial connection|in reply to (the )?(initial )?(greeting|banner)|while connecting/i, 'CONNECT'],
];
const TRANSCRIPT_COMMAND = /^\s*>>> ?(data|\.|rcpt to|mail from|ehlo|helo)\b/i;
const TRANSCRIPT_FAILURE = /^\s*<<< ?[45]\d\d/;
const PER_RECIPIENT = /^\s*[45]\d\d [45]\.\d{1,3}\.\d{1,3} <[^>]*>\.\.\. /;

/** The SMTP command the failure answered, when the text tells. */
export function findStage(text: string): SmtpStage | null {
  // Sendmail's transcript: the last ">>> COMMAND" before the first failing "<<< 5xx".
  // With PIPELINING the answer to a RCPT TO may come after ">>> DATA"; Sendmail then writes its
  // per-recipient line ("550 5.1.1 <addr>... User unknown") right below the answer.
  let last: string | null = null;
  const lines = text.split('\n');
  for (const [i, line] of lines.entries()) {
    const command = TRANSCRIPT_COMMAND.exec(line);
    if (command) last = command[1]!.toUpperCase();
    else if (last && TRANSCRIPT_FAILURE.test(line)) {
      const stage = stageOf(last);
      return stage === 'DATA' && PER_RECIPIENT.test(lines[i + 1] ?? '') ? 'RCPT' : stage;
    }
  }
  const flat = text.replace(/\s+/g, ' ');
  for (const [pattern, stage] of STAGE_WORDS) if (pattern.test(flat)) return stage;
  return null;
}

function stageOf(command: string): SmtpStage {
  if (command === 'DATA' || command === '.') return 'DATA';
  if (command.startsWith('RCPT')) return 'RCPT';
  if (command.startsWith('MAIL')) return 'MAIL';
  return 'EHLO';
}
