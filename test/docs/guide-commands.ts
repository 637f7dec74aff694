/**
 * Reads the user guide (docs/*.md) the way the guide test runs it: the fenced blocks of each page,
 * and each ```sh block cut into commands. A command is one logical shell line — continued by a
 * trailing backslash or an open quote — together with the bodies of its here-documents. A comment
 * at the end of one of its lines (outside quotes, outside here-document bodies) may mark it:
 *
 *   # not run: REASON           the test does not run it (REASON must say what it needs)
 *   # exit status N[: …]        it runs, and must exit N instead of 0
 *
 * Comment-only lines and blank lines between commands are prose for the reader.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

export interface FencedBlock {
  /** The info string's first word: sh, text, js, ini, … ('' when there is none). */
  lang: string;
  /** 1-based line of the block's first body line in the page. */
  line: number;
  /** The body lines, with the fence's indentation removed. */
  lines: string[];
}

export interface GuideCommand {
  page: string;
  /** 1-based line of the command's first line in the page. */
  line: number;
  /** The command as written, its lines joined with \n (here-document bodies included). */
  text: string;
  /** Why the test does not run it, when it is marked `# not run: …`. */
  notRun: string | null;
  /** The exit status it must end with (0 unless marked `# exit status N`). */
  exitStatus: number;
}

export function fencedBlocks(markdown: string): FencedBlock[] {
  const lines = markdown.split('\n');
  const blocks: FencedBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)(`{3,}|~{3,})\s*([^\s`]*)/.exec(lines[i]!);
    if (!open) continue;
    const [, indent, fence, lang] = open as unknown as [string, string, string, string];
    const body: string[] = [];
    let j = i + 1;
    for (; j < lines.length; j++) {
      const line = lines[j]!;
      if (line.trim().startsWith(fence) && line.trim().replace(/[`~]/g, '') === '') break;
      body.push(line.startsWith(indent) ? line.slice(indent.length) : line.trimStart());
    }
    blocks.push({ lang, line: i + 2, lines: body });
    i = j;
  }
  return blocks;
}

interface LineScan {
  /** Still inside a quote at the end of the line. */
  quote: "'" | '"' | null;
  /** The text of an unquoted trailing comment, if any. */
  comment: string | null;
  /** Here-document delimiters opened on this line, in order. */
  heredocs: Array<{ word: string; stripTabs: boolean }>;
}

/** Scans one line of shell, starting inside `quote` (or not): quotes, the trailing comment, here-documents. */
function scanLine(line: string, quote: "'" | '"' | null): LineScan {
  const heredocs: LineScan['heredocs'] = [];
  let comment: string | null = null;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quote === "'") {
      if (c === "'") quote = null;
      continue;
    }
    if (c === '\\') {
      i++;
      continue;
    }
    if (quote === '"') {
      if (c === '"') quote = null;
      continue;
    }
    if (c === "'" || c === '"') quote = c;
    else if (c === '#' && (i === 0 || /\s/.test(line[i - 1]!))) {
      comment = line.slice(i + 1).trim();
      break;
    } else if (c === '<' && line.startsWith('<<', i) && !line.startsWith('<<<', i)) {
      const here = /^<<(-?)\s*(['"]?)([A-Za-z_][A-Za-z0-9_]*)\2/.exec(line.slice(i));
      if (here) {
        heredocs.push({ word: here[3]!, stripTabs: here[1] === '-' });
        i += here[0].length - 1;
      }
    }
  }
  return { quote, comment, heredocs };
}

/** The commands of one ```sh block. */
export function shellCommands(page: string, block: FencedBlock): GuideCommand[] {
  const commands: GuideCommand[] = [];
  const lines = block.lines;
  let i = 0;
  while (i < lines.length) {
    const first = lines[i]!;
    if (first.trim() === '' || first.trim().startsWith('#')) {
      i++;
      continue;
    }
    const start = i;
    const text: string[] = [];
    const comments: string[] = [];
    const heredocs: LineScan['heredocs'] = [];
    let quote: "'" | '"' | null = null;
    for (;;) {
      const line = lines[i]!;
      text.push(line);
      const scan = scanLine(line, quote);
      quote = scan.quote;
      if (scan.comment !== null) comments.push(scan.comment);
      heredocs.push(...scan.heredocs);
      const continued = quote !== null || (scan.comment === null && /\\$/.test(line));
      if (!continued) break;
      if (++i >= lines.length) throw new Error(`${page}:${block.line + start}: the command never ends (an open quote or a trailing backslash)`);
    }
    i++;
    for (const doc of heredocs) {
      for (;;) {
        if (i >= lines.length) throw new Error(`${page}:${block.line + start}: the here-document ${doc.word} never ends`);
        const line = lines[i++]!;
        text.push(line);
        if ((doc.stripTabs ? line.replace(/^\t+/, '') : line) === doc.word) break;
      }
    }
    let notRun: string | null = null;
    let exitStatus = 0;
    for (const comment of comments) {
      const skip = /^not run:\s*(.*)$/.exec(comment);
      if (skip) {
        if (!skip[1]!.trim()) throw new Error(`${page}:${block.line + start}: "# not run:" must say what the command needs`);
        notRun = skip[1]!.trim();
      }
      const exit = /^exit status (\d+)\b/.exec(comment);
      if (exit) exitStatus = Number(exit[1]);
    }
    commands.push({ page, line: block.line + start, text: text.join('\n'), notRun, exitStatus });
  }
  return commands;
}

export const DOCS_DIR = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../docs');

/** The guide's pages (docs/*.md), by file name; configuration.md is generated from the config schema and not read here. */
export function guidePages(dir = DOCS_DIR): string[] {
  return readdirSync(dir)
    .filter((name) => name.endsWith('.md') && name !== 'configuration.md')
    .sort();
}

export function readPage(name: string, dir = DOCS_DIR): string {
  return readFileSync(path.join(dir, name), 'utf8');
}

/** Every command of every ```sh block of a page, in order. */
export function pageCommands(name: string, dir = DOCS_DIR): GuideCommand[] {
  return fencedBlocks(readPage(name, dir))
    .filter((block) => block.lang === 'sh')
    .flatMap((block) => shellCommands(name, block));
}
