import path from 'node:path';
import { Command } from 'commander';
import { enqueueMessage } from '../spool/index.js';
import { InputError } from '../lib/input-error.js';
import { withApp } from './context.js';
import { collect, readFlagFile } from './flags.js';

interface SendFlags {
  from: string;
  to: string[];
  cc: string[];
  bcc: string[];
  replyTo?: string;
  subject: string;
  text?: string;
  html?: string;
  attach: string[];
  header: string[];
  server?: string;
  trackOpens?: boolean;
  trackClicks?: boolean;
}

export function sendCommand(): Command {
  return new Command('send')
    .description('queue one message; prints its id once it is safely in the spool')
    .requiredOption('--from <address>', 'sender, "Name <address>" or address')
    .option('--to <address>', 'recipient (repeat for more)', collect, [])
    .option('--cc <address>', 'copy recipient (repeat for more)', collect, [])
    .option('--bcc <address>', 'blind copy recipient (repeat for more)', collect, [])
    .option('--reply-to <address>', 'where replies go')
    .requiredOption('--subject <text>', 'subject line')
    .option('--text <text>', 'plain-text body')
    .option('--html <html>', 'HTML body')
    .option('--attach <file>', 'attach a file (repeat for more)', collect, [])
    .option('--header <"Name: value">', 'custom header (repeat for more)', collect, [])
    .option('--server <name>', 'send through this server instead of routing by From')
    .option('--track-opens', 'measure opens of the HTML part (needs the tracking_base_url setting)')
    .option('--track-clicks', 'send the HTML links through the click tracker')
    .action(async (flags: SendFlags, command: Command) =>
      withApp(command, async (app, out) => {
        const attachments = flags.attach.map((file) => ({ filename: path.basename(file), content: readFlagFile('--attach', file) }));
        const headers: Record<string, string> = {};
        for (const line of flags.header) {
          const colon = line.indexOf(':');
          if (colon < 1) throw new InputError('--header', `"${line}" must look like "Name: value"`);
          headers[line.slice(0, colon).trim()] = line.slice(colon + 1).trim();
        }
        const tracker = flags.trackOpens || flags.trackClicks ? (await import('../tracking/index.js')).createMessageTracker(app.store, app.secrets) : undefined;
        const id = await enqueueMessage(
          { store: app.store, clock: app.clock, lifetimeMs: app.config.retry.lifetimeMs, ...(tracker ? { tracker } : {}) },
          {
            from: flags.from,
            to: flags.to,
            cc: flags.cc,
            bcc: flags.bcc,
            replyTo: flags.replyTo,
            subject: flags.subject,
            text: flags.text,
            html: flags.html,
            attachments,
            headers,
            server: flags.server,
            track: { opens: !!flags.trackOpens, clicks: !!flags.trackClicks },
          },
        ).catch((error: unknown) => {
          throw error instanceof InputError ? error.renamed(flagOf(error.field)) : error;
        });
        out.print({ id }, () => id);
      }),
    );
}

/** Names the flag a person typed rather than the message field it fills: `to[1]` → `--to`. */
function flagOf(field: string): string {
  const list = /^(to|cc|bcc)\[\d+\]$/.exec(field);
  if (list) return `--${list[1]}`;
  if (field.startsWith('headers.')) return `--header ${field.slice('headers.'.length)}`;
  if (field.startsWith('attachments')) return '--attach';
  if (field === 'replyTo') return '--reply-to';
  return `--${field}`;
}
