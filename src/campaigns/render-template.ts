/**
 * Rendering at send time: a template is parsed once (`prepareTemplate`), then each contact's
 * message is rendered from the parsed parts with that contact's values — and nobody else's: the
 * scope is built fresh per contact.
 */
import type { ContactRow, TemplateRow } from '../store/index.js';
import { htmlLiquid, parseLiquid, renderLiquid, textLiquid, type Parsed } from './liquid.js';

export interface PreparedTemplate {
  subject: Parsed;
  html: Parsed;
  text: Parsed;
}

export interface Rendered {
  subject: string;
  html: string;
  text: string;
}

export function prepareTemplate(template: Pick<TemplateRow, 'subject' | 'html' | 'text' | 'text_generated'>, subjectOverride?: string): PreparedTemplate {
  return {
    subject: parseLiquid(textLiquid, subjectOverride ?? template.subject, 'subject'),
    html: parseLiquid(htmlLiquid, template.html, 'html'),
    text: parseLiquid(textLiquid, template.text ?? template.text_generated, 'text'),
  };
}

/** What a template may read about a contact: `contact.email`, `contact.name`, and every custom field. */
export function contactScope(contact: Pick<ContactRow, 'email' | 'name' | 'fields' | 'time_zone'>): { contact: Record<string, unknown> } {
  const fields = JSON.parse(contact.fields) as Record<string, unknown>;
  const [first, ...rest] = contact.name.split(/\s+/).filter(Boolean);
  return {
    contact: {
      first_name: first ?? '',
      last_name: rest.join(' '),
      ...fields,
      email: contact.email,
      name: contact.name,
      time_zone: contact.time_zone,
    },
  };
}

/** The subject for one contact: one line, whatever the merged values hold (they must not add a header). */
export function renderSubject(subject: Parsed, scope: object): string {
  return renderLiquid(textLiquid, subject, scope).replace(/[\r\n]+/g, ' ').trim();
}

export function parseSubject(subject: string): Parsed {
  return parseLiquid(textLiquid, subject, 'subject');
}

export function renderTemplate(prepared: PreparedTemplate, scope: object): Rendered {
  return {
    subject: renderSubject(prepared.subject, scope),
    html: renderLiquid(htmlLiquid, prepared.html, scope),
    text: renderLiquid(textLiquid, prepared.text, scope),
  };
}
