/**
 * A second SQLite connection on a worker thread, for the one write that matters most to API
 * latency: storing accepted messages. A commit with `synchronous=FULL` waits for the disk; on the
 * main thread that wait stops every other request, on this thread the main thread keeps parsing,
 * validating and composing while the disk works. Same file, same pragmas, same durability: the
 * promise resolves only after COMMIT returned.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type { CompiledQuery } from 'kysely';

export interface SqliteWriter {
  /** Runs the queries in one IMMEDIATE transaction on the writer thread. */
  run(queries: readonly CompiledQuery[]): Promise<void>;
  close(): Promise<void>;
}

/** The thread's code, kept here as text so it runs the same from src/ (tests) and dist/. */
const THREAD = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.module);
const db = new Database(workerData.file);
db.pragma('journal_mode = WAL');
db.pragma('synchronous = FULL');
db.pragma('busy_timeout = 10000');
const statements = new Map();
const prepare = (sql) => {
  let statement = statements.get(sql);
  if (!statement) {
    if (statements.size >= 200) statements.clear();
    statement = db.prepare(sql);
    statements.set(sql, statement);
  }
  return statement;
};
const asBuffer = (v) => (v instanceof Uint8Array && !Buffer.isBuffer(v) ? Buffer.from(v.buffer, v.byteOffset, v.byteLength) : v);
const write = db.transaction((queries) => {
  for (const q of queries) prepare(q.sql).run(q.parameters.map(asBuffer));
});
parentPort.on('message', (m) => {
  if (m.close) {
    db.close();
    parentPort.close();
    return;
  }
  try {
    write.immediate(m.queries);
    parentPort.postMessage({ id: m.id });
  } catch (error) {
    parentPort.postMessage({ id: m.id, error: { message: error.message, code: error.code } });
  }
});
`;

export function createSqliteWriter(file: string): SqliteWriter {
  const module = createRequire(import.meta.url).resolve('better-sqlite3');
  const worker = new Worker(THREAD, { eval: true, workerData: { file, module } });
  worker.unref();
  const waiting = new Map<number, { resolve: () => void; reject: (error: Error) => void }>();
  let next = 0;
  const failAll = (error: Error): void => {
    for (const w of waiting.values()) w.reject(error);
    waiting.clear();
  };
  worker.on('message', (m: { id: number; error?: { message: string; code?: string } }) => {
    const w = waiting.get(m.id);
    waiting.delete(m.id);
    if (!w) return;
    if (m.error) w.reject(Object.assign(new Error(m.error.message), { code: m.error.code }));
    else w.resolve();
  });
  worker.on('error', failAll);
  worker.on('exit', () => failAll(new Error('the SQLite writer thread stopped')));
  return {
    run(queries) {
      const id = next++;
      return new Promise<void>((resolve, reject) => {
        waiting.set(id, { resolve, reject });
        worker.ref();
        worker.postMessage({ id, queries: queries.map((q) => ({ sql: q.sql, parameters: q.parameters })) });
      }).finally(() => {
        if (waiting.size === 0) worker.unref();
      });
    },
    async close() {
      const exited = new Promise((resolve) => worker.once('exit', resolve));
      // Referenced while closing: otherwise an otherwise idle process could end before the thread does.
      worker.ref();
      worker.postMessage({ close: true });
      await exited;
    },
  };
}
