import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import type { Writable } from 'node:stream';

/** Printing for people (aligned text) or for scripts (`--json`). */

export interface Output {
  json: boolean;
  /** Prints `value` as JSON, or `human()` as text. */
  print(value: unknown, human: () => string): void;
}

export function createOutput(json: boolean, write: (text: string) => void = (t) => process.stdout.write(t)): Output {
  return {
    json,
    print(value, human) {
      write(json ? JSON.stringify(value, null, 2) + '\n' : human().replace(/\n?$/, '\n'));
    },
  };
}

/** A plain text table: columns padded to their widest cell. */
export function table(headers: string[], rows: Array<Array<string | number | null | undefined>>): string {
  const cells = [headers, ...rows.map((r) => r.map((c) => (c === null || c === undefined ? '' : String(c))))];
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  return cells.map((r) => r.map((c, i) => (i === r.length - 1 ? c : (c ?? '').padEnd(widths[i]!))).join('  ').trimEnd()).join('\n');
}

export function time(ms: number | null | undefined): string {
  return ms ? new Date(ms).toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z') : '';
}

/**
 * Streams what `write` produces to `--output FILE` (then says how many `what` went where) or to
 * standard output. `write` returns the count.
 */
export async function writeOutput(file: string | undefined, what: string, write: (out: Writable) => Promise<number>): Promise<void> {
  if (!file) {
    await write(process.stdout);
    return;
  }
  const target = createWriteStream(file);
  const count = await write(target);
  target.end();
  await once(target, 'finish');
  process.stderr.write(`${count} ${what} written to ${file}\n`);
}
