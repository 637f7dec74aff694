/**
 * `postroom config`: the bootstrap configuration in effect and where each value came from (flag,
 * environment or default), secrets shown only as set; `--docs` prints the configuration
 * reference (docs/configuration.md) rendered from the schema.
 */
import { Command } from 'commander';
import { effectiveConfig, renderConfigDocs } from '../config/index.js';
import { globalFlags, outputFor } from './context.js';
import { table } from './output.js';

export function configCommand(): Command {
  return new Command('config')
    .description('print the configuration in effect (secrets hidden); --docs: the configuration reference as Markdown')
    .option('--docs', 'print the configuration reference (docs/configuration.md) as Markdown')
    .action((flags: { docs?: boolean }, command: Command) => {
      if (flags.docs) {
        process.stdout.write(renderConfigDocs());
        return;
      }
      const global = globalFlags(command);
      const rows = effectiveConfig({ dataDir: global.data, logLevel: global.logLevel }, { '--data': global.data, '--log-level': global.logLevel });
      // JSON keeps the schema's shape: { dataDir, worker: { leaseMs, … }, … }, unset keys left out.
      const json: Record<string, unknown> = {};
      for (const { key, value } of rows) {
        if (value === undefined) continue;
        const [group, name] = key.split('.');
        if (name === undefined) json[group!] = value;
        else ((json[group!] ??= {}) as Record<string, unknown>)[name] = value;
      }
      outputFor(command).print(json, () => table(['KEY', 'VALUE', 'FROM'], rows.map((r) => [r.key, r.value === undefined ? '' : String(r.value), r.from])));
    });
}
