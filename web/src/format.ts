/** How times, sizes and answers read in the UI. */

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' });
const timeOnly = new Intl.DateTimeFormat(undefined, { timeStyle: 'short' });

export const formatDateTime = (iso: string | null | undefined): string => (iso ? dateTime.format(new Date(iso)) : '—');
export const formatTime = (iso: string): string => timeOnly.format(new Date(iso));

/** "12 s ago", "5 min ago", "3 h ago", then the date. */
export function formatAgo(iso: string, now = Date.now()): string {
  const seconds = Math.round((now - Date.parse(iso)) / 1000);
  if (seconds < 0) return `in ${formatDuration(-seconds)}`;
  if (seconds < 5) return 'just now';
  if (seconds < 86_400) return `${formatDuration(seconds)} ago`;
  return formatDateTime(iso);
}

export function formatDuration(seconds: number): string {
  if (seconds < 60) return `${seconds} s`;
  if (seconds < 3600) return `${Math.round(seconds / 60)} min`;
  if (seconds < 86_400) return `${Math.round(seconds / 3600)} h`;
  return `${Math.round(seconds / 86_400)} d`;
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

export const formatNumber = (n: number): string => n.toLocaleString();

/** An SMTP answer as one line: "550 5.1.1 mailbox unknown". */
export function formatAnswer(code: number | null, enhanced: string | null, text: string | null): string {
  // Some answers are stored whole ("250 2.0.0 Ok"): do not say the code twice.
  if (text && code !== null && text.startsWith(String(code))) return text;
  return [code, enhanced, text].filter((part) => part !== null && part !== '').join(' ');
}

/**
 * A rate (a fraction) as a percentage: two decimals below 1 % (a 0.3 % complaint rate matters),
 * one above. `null` (nothing to divide by) reads as a dash.
 */
export function formatPercent(rate: number | null): string {
  if (rate === null) return '—';
  if (rate === 0) return '0%';
  const percent = rate * 100;
  return `${percent.toFixed(percent < 1 ? 2 : 1).replace(/\.0+$/, '')}%`;
}
