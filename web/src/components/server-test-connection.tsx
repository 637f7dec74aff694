/**
 * Test Connection for an outgoing server: connect, TLS and authenticate without sending mail. The
 * state lives in a hook so a page can put the button in one place (a table cell, the page header)
 * and the answer in another (a row under it, a note under the header).
 */
import { useCallback, useRef, useState } from 'react';
import { api, errorText } from '../api';
import type { TestResult } from '../types';

/** The API's answer, or the request itself failing (network, 404, session ended). */
export type ConnectionTestResult = TestResult | { ok: false; stage: null; message: string };

export interface ConnectionTest {
  running: boolean;
  result: ConnectionTestResult | null;
  run(): void;
  clear(): void;
}

export function useConnectionTest(serverId: string): ConnectionTest {
  const [running, setRunning] = useState(false);
  const [result, setResult] = useState<ConnectionTestResult | null>(null);
  const ticket = useRef(0);
  const run = useCallback(() => {
    const mine = ++ticket.current;
    setRunning(true);
    setResult(null);
    api<TestResult>('POST', `/servers/${encodeURIComponent(serverId)}/test`)
      .then((answer) => mine === ticket.current && setResult(answer))
      .catch((error: unknown) => mine === ticket.current && setResult({ ok: false, stage: null, message: errorText(error) }))
      .finally(() => mine === ticket.current && setRunning(false));
  }, [serverId]);
  const clear = useCallback(() => {
    ticket.current++;
    setRunning(false);
    setResult(null);
  }, []);
  return { running, result, run, clear };
}

/** `resultId`: the result's element, so a screen reader reads the last outcome with the button. */
export function TestConnectionButton({ test, small, resultId }: { test: ConnectionTest; small?: boolean; resultId?: string }) {
  return (
    <button type="button" className={`btn ${small ? 'btn-small' : ''}`} onClick={test.run} disabled={test.running} aria-describedby={resultId}>
      {test.running ? 'Testing…' : 'Test Connection'}
    </button>
  );
}

/** The engine's message already starts with the stage ("connect: …"): say it once. */
function withoutStage(stage: string, message: string): string {
  return message.startsWith(`${stage}: `) ? message.slice(stage.length + 2) : message;
}

/**
 * The outcome as a note: green "Connection OK — steps", red "Failed at <stage>: <answer>". The
 * live region is always there (empty until a test ends) so screen readers announce the outcome;
 * the dismiss button sits outside it, so the region's text is the outcome alone.
 */
export function TestConnectionResult({ test, id, onDismiss }: { test: ConnectionTest; id?: string; onDismiss?: () => void }) {
  const { result, running } = test;
  return (
    <div className={`server-test-outcome ${result && onDismiss ? 'server-test-dismissable' : ''}`}>
      <div id={id} role="status" aria-live="polite" className="server-test-result">
        {running ? <p className="muted small server-test-running">Connecting…</p> : null}
        {result?.ok ? (
          <p className="note note-ok">
            <span>
              <strong>Connection OK</strong> — {result.detail}
            </span>
          </p>
        ) : null}
        {result && !result.ok ? (
          <p className="note note-error">
            {result.stage ? (
              <span>
                <strong>Failed at {result.stage}</strong>: {withoutStage(result.stage, result.message)}
              </span>
            ) : (
              <span>
                <strong>Could not run the test</strong>: {result.message}
              </span>
            )}
          </p>
        ) : null}
      </div>
      {result && onDismiss ? (
        <button type="button" className="btn-icon server-test-dismiss" aria-label="Dismiss the test result" onClick={onDismiss}>
          ×
        </button>
      ) : null}
    </div>
  );
}
