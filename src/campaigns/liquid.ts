/**
 * The Liquid engines: one for HTML, which escapes every merged value (a contact named
 * `<script>` stays text), and one for the subject and the plain-text part, which does not.
 * Unknown filters are errors at parse time, so a typo is caught when the template is saved
 * rather than rendering as nothing in a hundred thousand messages.
 */
import { Liquid, type Template } from 'liquidjs';
import { InputError } from '../lib/input-error.js';

const common = { strictFilters: true, strictVariables: false, lenientIf: true, cache: false, ownPropertyOnly: true } as const;
export const htmlLiquid = new Liquid({ ...common, outputEscape: 'escape' });
export const textLiquid = new Liquid(common);

export type Parsed = Template[];

/** Parses `source`; a syntax error names the field and gives its line and column. */
export function parseLiquid(engine: Liquid, source: string, field: string): Parsed {
  try {
    return engine.parse(source);
  } catch (error) {
    const position = (error as { token?: { getPosition?: () => [number, number] } }).token?.getPosition?.();
    const message = (error instanceof Error ? error.message : String(error)).replace(/, line:\d+, col:\d+$/, '');
    throw new InputError(field, position ? `line ${position[0]}, column ${position[1]}: ${message}` : message);
  }
}

export function renderLiquid(engine: Liquid, parsed: Parsed, scope: object): string {
  return engine.renderSync(parsed, scope) as string;
}
