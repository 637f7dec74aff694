/**
 * A PEM text (certificate or private key): paste it into the text area, or upload the file — read
 * in the browser with FileReader as text, never sent anywhere until the form is saved.
 */
import { useId, useState, type ChangeEvent, type ReactNode } from 'react';
import { TextAreaField } from './ui';

interface PemFieldProps {
  label: string;
  /** What the file is, for the upload control's name: "client certificate". */
  what: string;
  value: string;
  onChange(value: string): void;
  error?: string | null | undefined;
  hint?: ReactNode;
  placeholder?: string;
  accept?: string;
  /** The API's limit on the text. */
  maxChars: number;
}

export function PemField({ label, what, value, onChange, error, hint, placeholder, accept = '.pem,.crt,.cer,.key,text/plain', maxChars }: PemFieldProps) {
  const [fileName, setFileName] = useState<string | null>(null);
  const [readError, setReadError] = useState<string | null>(null);
  const inputId = useId();

  const choose = (event: ChangeEvent<HTMLInputElement>) => {
    const input = event.target;
    const file = input.files?.[0];
    if (!file) return;
    setReadError(null);
    if (file.size > maxChars * 2) {
      setReadError(`${file.name} is too large for a PEM file`);
      input.value = '';
      return;
    }
    const reader = new FileReader();
    reader.onload = () => {
      const content = typeof reader.result === 'string' ? reader.result : '';
      input.value = '';
      if (!content.includes('-----BEGIN ')) {
        setReadError(`${file.name} is not a PEM file: it should start with "-----BEGIN …"`);
        return;
      }
      setFileName(file.name);
      onChange(content.trim() + '\n');
    };
    reader.onerror = () => {
      input.value = '';
      setReadError(`${file.name} could not be read`);
    };
    reader.readAsText(file);
  };

  return (
    <div className="server-pem">
      <TextAreaField
        label={label}
        value={value}
        onChange={(e) => {
          setFileName(null);
          setReadError(null);
          onChange(e.target.value);
        }}
        error={error ?? readError}
        hint={hint}
        placeholder={placeholder}
        spellCheck={false}
        autoComplete="off"
        rows={5}
      />
      <div className="server-pem-actions">
        <input id={inputId} className="visually-hidden server-pem-file" type="file" accept={accept} aria-label={`Upload a file: ${what}`} onChange={choose} />
        <label className="btn btn-small server-pem-upload" htmlFor={inputId}>
          Upload a file…
        </label>
        {value ? (
          <button
            type="button"
            className="btn btn-small btn-ghost"
            aria-label={`Clear the ${what}`}
            onClick={() => {
              setFileName(null);
              setReadError(null);
              onChange('');
            }}
          >
            Clear
          </button>
        ) : null}
        {fileName && value ? <span className="muted small truncate">read from {fileName}</span> : null}
      </div>
    </div>
  );
}
