/** An SMTP server's answer as it came off the wire: code, enhanced status code (RFC 3463) and text. */
export interface SmtpAnswer {
  code: number;
  enhanced: string | null;
  text: string;
}

/** Parses `550 5.1.1 <x@y>: user unknown` (possibly multi-line `550-…`) into its parts. */
export function parseSmtpAnswer(response: string, fallbackCode = 0): SmtpAnswer {
  const lines = response.trim().split(/\r?\n/);
  const first = /^(\d{3})[ -]?(.*)$/.exec(lines[0] ?? '');
  const code = first ? Number(first[1]) : fallbackCode;
  const text = lines
    .map((line) => line.replace(/^\d{3}[ -]?/, ''))
    .join(' ')
    .trim();
  const enhancedMatch = /^([245]\.\d{1,3}\.\d{1,3})\s*/.exec(text);
  return {
    code,
    enhanced: enhancedMatch ? enhancedMatch[1]! : null,
    text: (enhancedMatch ? text.slice(enhancedMatch[0].length) : text).slice(0, 2000),
  };
}

export function formatSmtpAnswer(answer: SmtpAnswer): string {
  return [answer.code || null, answer.enhanced, answer.text].filter(Boolean).join(' ');
}
