/**
 * Auto-replies (vacation notices, "out of office") are not bounces: the address works and a person
 * will read the message later. RFC 3834 §5 marks them `Auto-Submitted: auto-replied`; older
 * responders use X-Autoreply, X-Autorespond or `Precedence: auto_reply`, and many only say so in
 * the subject, in the recipient's language.
 */
import type { ReportParts } from './open-report.js';

const AUTO_REPLY_HEADERS = ['x-autoreply', 'x-autorespond', 'x-autoresponder', 'x-autoresponse'];

const AUTO_REPLY_SUBJECT = new RegExp(
  [
    'out of (the )?office', 'automatic reply', 'auto(matic)?[- ]?re(ply|sponse)', 'autoreply', 'autosvar', 'on vacation',
    'vacation (reply|notice|message)', 'away from (the|my) office', 'abwesenheitsnotiz', 'automatische antwort',
    'r[ée]ponse automatique', 'absence du bureau', 'respuesta autom[áa]tica', 'fuera de la oficina', 'risposta automatica',
    'fuori sede', 'automatisch antwoord', 'afwezigheidsbericht', 'resposta autom[áa]tica', 'ausente', 'automaattinen vastaus',
    'automatyczna odpowied', '自動応答', '自動返信', '不在通知', '自动回复',
  ].join('|'),
  'i',
);

/** Whether the message is an auto-reply; call it only once the message is known not to be a bounce. */
export function isAutoReply(parts: ReportParts): boolean {
  const headers = parts.headers;
  if (AUTO_REPLY_HEADERS.some((name) => headers.has(name))) return true;
  if (/auto[_-]?reply/i.test(headers.get('precedence') ?? '')) return true;
  if (/vacation/i.test(headers.get('x-apple-action') ?? '')) return true;
  // RFC 3834 §5.1: auto-replied (a response to a message) as opposed to auto-generated or auto-notified.
  if (/^\s*auto-replied/i.test(headers.get('auto-submitted') ?? '')) return true;
  return Boolean(parts.subject && AUTO_REPLY_SUBJECT.test(parts.subject));
}
