/**
 * SPF macros (RFC 7208 §7): parsing a macro-string into literal text and `%{…}` expansions, and
 * expanding it for one check. Parsing is separate so that a record's syntax is checked as a whole
 * before anything is evaluated (§4.6: syntax errors anywhere in the record give permerror).
 */
import { dottedIp, formatIp, type SpfIp } from './spf-ip.js';

export type MacroLetter = 's' | 'l' | 'o' | 'd' | 'i' | 'p' | 'h' | 'c' | 'r' | 't' | 'v';

export interface MacroExpand {
  letter: MacroLetter;
  /** An uppercase letter: URL-escape the result (§7.3). */
  escape: boolean;
  /** The DIGIT transformer: keep this many right-hand parts. */
  keep: number | null;
  reverse: boolean;
  /** Characters to split on; empty means ".". */
  delimiters: string;
}

/** A literal run of text, or one expansion. */
export type MacroToken = string | MacroExpand;

export type MacroParse = { ok: true; tokens: MacroToken[] } | { ok: false; error: string };

/**
 * Where a macro-string appears. `domain`: a domain-spec, where the `c`, `r` and `t` letters are
 * not allowed (§7.1: they are for explanations only). `explain`: an explanation TXT record
 * (explain-string, which also allows spaces). `modifier`: the value of an unknown modifier,
 * checked against the ABNF only.
 */
export type MacroMode = 'domain' | 'explain' | 'modifier';

const LETTERS = new Set<string>(['s', 'l', 'o', 'd', 'i', 'p', 'h', 'c', 'r', 't', 'v']);
const EXPLAIN_ONLY = new Set<string>(['c', 'r', 't']);
const EXPAND_BODY = /^([a-z])(\d*)(r?)([.\-+,/_=]*)$/i;

const describeChar = (ch: string): string =>
  ch >= '!' && ch <= '~' ? `"${ch}"` : `U+${(ch.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`;

export function parseMacroString(text: string, mode: MacroMode = 'domain'): MacroParse {
  const tokens: MacroToken[] = [];
  let literal = '';
  const flush = () => {
    if (literal) tokens.push(literal);
    literal = '';
  };
  for (let i = 0; i < text.length; i++) {
    const ch = text[i] ?? '';
    if (ch !== '%') {
      // macro-literal = %x21-24 / %x26-7E; explain-string also allows SP (§12).
      if ((ch >= '!' && ch <= '~') || (ch === ' ' && mode === 'explain')) literal += ch;
      else return { ok: false, error: `${describeChar(ch)} is not allowed in "${text}"` };
      continue;
    }
    const next = text[i + 1];
    if (next === '%' || next === '_' || next === '-') {
      // §7.1: "%%" is a percent sign, "%_" a space, "%-" a URL-encoded space.
      literal += next === '%' ? '%' : next === '_' ? ' ' : '%20';
      i++;
      continue;
    }
    const close = next === '{' ? text.indexOf('}', i + 2) : -1;
    if (close < 0) return { ok: false, error: `"%" must be followed by "{", "%", "_" or "-" in "${text}"` };
    const body = text.slice(i + 2, close);
    const match = EXPAND_BODY.exec(body);
    const letter = match?.[1]?.toLowerCase() ?? '';
    if (!match || !LETTERS.has(letter)) return { ok: false, error: `"%{${body}}" is not a valid macro` };
    if (mode === 'domain' && EXPLAIN_ONLY.has(letter)) return { ok: false, error: `the %{${letter}} macro is only allowed in explanations` };
    const digits = match[2] ?? '';
    // §7.3: "If a DIGIT is specified, the value MUST be nonzero."
    if (digits && Number(digits) === 0) return { ok: false, error: `"%{${body}}" keeps zero parts` };
    flush();
    tokens.push({
      letter: letter as MacroLetter,
      escape: match[1] !== letter,
      keep: digits ? Number(digits) : null,
      reverse: match[3] !== '',
      delimiters: match[4] ?? '',
    });
    i = close;
  }
  flush();
  return { ok: true, tokens };
}

/** What the letters expand to in one check (§7.3). */
export interface MacroContext {
  /** <sender>, with "postmaster" as its local part when it had none (§4.3). */
  sender: string;
  localPart: string;
  senderDomain: string;
  /** The domain whose record is being evaluated (changes through include and redirect). */
  domain: string;
  ip: SpfIp;
  helo: string;
  receiver: string;
  /** Seconds since the epoch. */
  now: number;
  /** The `p` macro: costs DNS lookups, so it is only asked for when used. */
  validatedName(): Promise<string>;
}

async function valueOf(letter: MacroLetter, ctx: MacroContext): Promise<string> {
  switch (letter) {
    case 's': return ctx.sender;
    case 'l': return ctx.localPart;
    case 'o': return ctx.senderDomain;
    case 'd': return ctx.domain;
    case 'i': return dottedIp(ctx.ip);
    case 'p': return ctx.validatedName();
    case 'v': return ctx.ip.version === 4 ? 'in-addr' : 'ip6';
    case 'h': return ctx.helo;
    case 'c': return formatIp(ctx.ip);
    case 'r': return ctx.receiver;
    case 't': return String(Math.floor(ctx.now));
  }
}

/** §7.3: URL escaping of everything outside RFC 3986's "unreserved" set. */
function urlEscape(text: string): string {
  let out = '';
  for (const byte of Buffer.from(text, 'utf8')) {
    const ch = String.fromCharCode(byte);
    out += /[A-Za-z0-9\-._~]/.test(ch) ? ch : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/**
 * §7.3: split on the delimiters (consecutive delimiters give empty parts), reverse if asked,
 * keep the right-hand `keep` parts, and join with ".".
 */
export function transformValue(value: string, macro: Pick<MacroExpand, 'keep' | 'reverse' | 'delimiters'>): string {
  const delimiters = macro.delimiters || '.';
  let parts: string[] = [''];
  for (const ch of value) {
    if (delimiters.includes(ch)) parts.push('');
    else parts[parts.length - 1] += ch;
  }
  if (macro.reverse) parts = parts.reverse();
  if (macro.keep !== null && macro.keep < parts.length) parts = parts.slice(parts.length - macro.keep);
  return parts.join('.');
}

export async function expandMacros(tokens: MacroToken[], ctx: MacroContext): Promise<string> {
  let out = '';
  for (const token of tokens) {
    if (typeof token === 'string') {
      out += token;
      continue;
    }
    const value = transformValue(await valueOf(token.letter, ctx), token);
    out += token.escape ? urlEscape(value) : value;
  }
  return out;
}

/** Parse and expand in one step; throws on a syntax error. */
export async function expandMacroString(text: string, ctx: MacroContext, mode: MacroMode = 'domain'): Promise<string> {
  const parsed = parseMacroString(text, mode);
  if (!parsed.ok) throw new Error(parsed.error);
  return expandMacros(parsed.tokens, ctx);
}
