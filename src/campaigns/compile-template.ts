/**
 * Saving a template does the slow work once: MJML → HTML, CSS inlined (juice), a plain-text part
 * made from the HTML (html-to-text) unless one is written by hand, and every part parsed as
 * Liquid so a syntax error is reported on save, with its line and column.
 */
import { convert } from 'html-to-text';
import { InputError } from '../lib/input-error.js';
import type { TemplateFormat } from '../store/index.js';
import { htmlLiquid, parseLiquid, textLiquid } from './liquid.js';

export interface TemplateInput {
  name: string;
  format?: TemplateFormat | undefined;
  subject: string;
  /** HTML or MJML, with Liquid. */
  source: string;
  /** A hand-written plain-text part; left out, one is made from the HTML. */
  text?: string | null | undefined;
}

export interface CompiledTemplate {
  name: string;
  format: TemplateFormat;
  subject: string;
  source: string;
  text: string | null;
  html: string;
  textGenerated: string;
}

const HEADINGS = ['h1', 'h2', 'h3', 'h4', 'h5', 'h6'].map((selector) => ({ selector, options: { uppercase: false } }));

/** Plain text from HTML; Liquid tags pass through as text (headings are not upper-cased, which would break them). */
export function textFromHtml(html: string): string {
  return convert(html, { wordwrap: 78, selectors: [...HEADINGS, { selector: 'img', format: 'skip' }] });
}

export async function compileTemplate(input: TemplateInput): Promise<CompiledTemplate> {
  const name = input.name.trim();
  if (!name || name.length > 100 || /[\r\n]/.test(name)) throw new InputError('name', 'is required: one line of at most 100 characters');
  const format = input.format ?? (/^\s*<mjml[\s>]/i.test(input.source) ? 'mjml' : 'html');
  if (format !== 'html' && format !== 'mjml') throw new InputError('format', 'must be html or mjml');
  if (!input.subject.trim()) throw new InputError('subject', 'is required');
  if (/[\r\n]/.test(input.subject)) throw new InputError('subject', 'must be one line');
  if (!input.source.trim()) throw new InputError('source', 'is required');
  // Parse first: Liquid errors point at the author's own lines, before MJML moves them.
  parseLiquid(textLiquid, input.subject, 'subject');
  parseLiquid(htmlLiquid, input.source, 'source');
  if (input.text) parseLiquid(textLiquid, input.text, 'text');

  // mjml and juice are loaded on first use: together they take most of a second to load, which
  // every command would otherwise pay at its start.
  let html = input.source;
  if (format === 'mjml') {
    const { default: mjml2html } = await import('mjml');
    const result = await mjml2html(input.source, { fonts: {}, validationLevel: 'soft' });
    const problem = result.errors[0];
    if (problem) throw new InputError('source', `line ${problem.line}: ${problem.message}`);
    html = result.html;
  }
  const { default: juice } = await import('juice');
  html = juice(html, { preserveMediaQueries: true, removeStyleTags: true });
  parseLiquid(htmlLiquid, html, 'source');
  const textGenerated = textFromHtml(html);
  parseLiquid(textLiquid, textGenerated, 'text');
  return { name, format, subject: input.subject.trim(), source: input.source, text: input.text?.trim() ? input.text : null, html, textGenerated };
}
