#!/usr/bin/env node
/** The `postroom` command. Each group of subcommands lives in its own file. */
import { Command, CommanderError } from 'commander';
import { InputError } from '../lib/input-error.js';
import { runCommands } from './run-commands.js';
import { serverCommands } from './server-commands.js';
import { settingsCommands } from './settings-commands.js';
import { sendCommand } from './send-command.js';
import { queueCommands } from './queue-commands.js';
import { userCommands, apiKeyCommands } from './user-commands.js';
import { smtpCredentialCommands } from './smtp-credential-commands.js';
import { contactCommands, listCommands } from './contact-commands.js';
import { campaignCommands, templateCommands } from './campaign-commands.js';
import { domainCommands } from './domain-commands.js';
import { checkCommand } from './check-command.js';
import { bounceCommands, mailboxCommands, suppressionCommands } from './feedback-commands.js';
import { configCommand } from './config-command.js';
import { backupCommands } from './backup-commands.js';

export function buildProgram(): Command {
  const program = new Command('postroom')
    .description('Postroom: a self-hosted email delivery platform')
    .option('--data <dir>', 'data directory (env POSTROOM_DATA_DIR; default ./data)')
    .option('--json', 'print JSON for scripts')
    .option('--log-level <level>', 'fatal, error, warn, info, debug, trace or silent')
    .showHelpAfterError(false)
    .exitOverride();
  for (const command of [...runCommands(), serverCommands(), settingsCommands(), sendCommand(), queueCommands(), userCommands(), apiKeyCommands(), smtpCredentialCommands(), contactCommands(), listCommands(), templateCommands(), campaignCommands(), domainCommands(), checkCommand(), bounceCommands(), suppressionCommands(), mailboxCommands(), configCommand(), ...backupCommands()]) {
    program.addCommand(command);
  }
  // Every subcommand reports usage errors as one line and exits non-zero.
  const quiet = (command: Command): void => {
    command.exitOverride().configureOutput({ outputError: (text, write) => write(text.split('\n')[0] + '\n') });
    command.commands.forEach(quiet);
  };
  quiet(program);
  return program;
}

async function main(argv: string[]): Promise<void> {
  try {
    await buildProgram().parseAsync(argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      process.exitCode = error.exitCode === 0 ? 0 : 2;
      return;
    }
    const message = error instanceof Error ? error.message : String(error);
    // One line, always: a CR or LF the user typed is shown escaped, not allowed to cut the message.
    process.stderr.write(`error: ${message.replace(/\r/g, '\\r').replace(/\n/g, '\\n')}\n`);
    if (!(error instanceof InputError) && process.env.POSTROOM_DEBUG) console.error(error);
    process.exitCode = 1;
  }
}

await main(process.argv);
