/**
 * A message's content as a reader sees it: the HTML in a sandboxed frame (no scripts, no access
 * to this page; remote images blocked until the reader asks), the text part, the headers, the
 * attachments to download, and the source. Used by the email detail and the sandbox message pages.
 */
import { useEffect, useState } from 'react';
import { formatBytes } from '../format';
import { Loading } from './ui';
import { framed, hasRemoteContent, inlineImages } from './message-html';
import { MessageSource } from './message-source';
import type { MessageContent } from '../types';

/** `content-type` → `Content-Type`, as headers are usually written. */
const headerName = (name: string): string => name.replace(/(^|-)([a-z])/g, (_, dash: string, letter: string) => dash + letter.toUpperCase());

type Tab = 'html' | 'text' | 'headers' | 'attachments' | 'source';

export function MessageContentView({ content, attachmentUrl, rawUrl }: { content: MessageContent; attachmentUrl: (index: number) => string; rawUrl: string }) {
  const [tab, setTab] = useState<Tab>(content.html ? 'html' : 'text');
  const [remote, setRemote] = useState(false);
  // The HTML with its inline images in place; the frame waits for it so it never asks for cid: URLs.
  const [prepared, setPrepared] = useState<{ from: string; html: string } | null>(null);
  // Live reloads hand over a new (equal) content object: only new HTML or attachments fetch again.
  const attachmentKey = JSON.stringify(content.attachments);
  useEffect(() => {
    const from = content.html;
    if (from === null) return;
    let current = true;
    void inlineImages(from, content.attachments, attachmentUrl).then((html) => {
      if (current) setPrepared({ from, html });
    });
    return () => {
      current = false;
    };
  }, [content.html, attachmentKey, attachmentUrl]);
  const html = prepared && prepared.from === content.html ? prepared.html : null;

  const tabs: Array<[Tab, string]> = [
    ...(content.html ? ([['html', 'HTML']] as Array<[Tab, string]>) : []),
    ['text', 'Text'],
    ['headers', 'Headers'],
    ['attachments', `Attachments (${content.attachments.length})`],
    ['source', 'Source'],
  ];

  return (
    <section className="card message-content" aria-labelledby="content-title">
      <header className="card-header">
        <h2 id="content-title" className="visually-hidden">
          Content
        </h2>
        <div className="tabs" role="tablist" aria-label="Content">
          {tabs.map(([id, label]) => (
            <button key={id} id={`tab-${id}`} type="button" role="tab" aria-selected={tab === id} aria-controls={`content-${id}`} tabIndex={tab === id ? 0 : -1} onClick={() => setTab(id)} onKeyDown={(event) => {
              const at = tabs.findIndex(([t]) => t === tab);
              const step = event.key === 'ArrowRight' ? 1 : event.key === 'ArrowLeft' ? tabs.length - 1 : 0;
              if (!step) return;
              event.preventDefault();
              const next = tabs[(at + step) % tabs.length]![0];
              setTab(next);
              document.getElementById(`tab-${next}`)?.focus();
            }}>
              {label}
            </button>
          ))}
        </div>
        <a className="btn btn-small btn-ghost" href={rawUrl} download>
          Download .eml
        </a>
      </header>
      {tab === 'html' && content.html !== null ? (
        <div id="content-html" role="tabpanel" aria-labelledby="tab-html" className="content-panel">
          {hasRemoteContent(content.html ?? '') ? (
            remote ? (
              <p className="note small">Remote images are shown: their servers can tell this message was opened.</p>
            ) : (
              <p className="note note-warn small">
                <span>Remote images are blocked, so opening this message tells its sender nothing.</span>
                <button type="button" className="btn btn-small" onClick={() => setRemote(true)}>
                  Show remote images
                </button>
              </p>
            )
          ) : null}
          {html === null ? (
            <Loading what="Preparing the message" />
          ) : (
            <iframe key={remote ? 'remote' : 'local'} className="message-frame" title="Message HTML" sandbox="" referrerPolicy="no-referrer" srcDoc={framed(html, remote)} />
          )}
        </div>
      ) : null}
      {tab === 'text' ? (
        <div id="content-text" role="tabpanel" aria-labelledby="tab-text" className="content-panel">
          {content.text ? <pre className="message-text">{content.text}</pre> : <p className="muted">This message has no text part.</p>}
        </div>
      ) : null}
      {tab === 'headers' ? (
        <div id="content-headers" role="tabpanel" aria-labelledby="tab-headers" className="content-panel table-wrap">
          <table className="table headers-table">
            <tbody>
              {content.headers.map((h, i) => (
                <tr key={i}>
                  <th scope="row">{headerName(h.name)}</th>
                  <td className="mono">{h.value}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      {tab === 'attachments' ? (
        <div id="content-attachments" role="tabpanel" aria-labelledby="tab-attachments" className="content-panel">
          {content.attachments.length === 0 ? (
            <p className="muted">No attachments.</p>
          ) : (
            <ul className="attachments">
              {content.attachments.map((a) => (
                <li key={a.index}>
                  <a href={attachmentUrl(a.index)} download={a.filename ?? true}>
                    {a.filename ?? `attachment-${a.index + 1}`}
                  </a>
                  <span className="muted small">
                    {a.contentType} · {formatBytes(a.size)}
                    {a.contentId ? ' · inline' : ''}
                  </span>
                </li>
              ))}
            </ul>
          )}
        </div>
      ) : null}
      {tab === 'source' ? (
        <div id="content-source" role="tabpanel" aria-labelledby="tab-source" className="content-panel">
          <MessageSource url={rawUrl} />
        </div>
      ) : null}
    </section>
  );
}
