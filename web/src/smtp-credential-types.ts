/** SMTP relay logins as the API answers with them (GET /smtp-credentials, POST, DELETE /:id). */

export type SmtpLane = 'transactional' | 'bulk';

export interface SmtpCredentialView {
  id: string;
  userId: string;
  name: string;
  /** The AUTH username (smtp_…); not a secret. */
  username: string;
  allowedFrom: string[];
  lane: SmtpLane;
  /** The server all its mail goes through, by name; null: routing decides. */
  server: string | null;
  /** Open and click tracking of its messages' HTML (a message's X-Postroom-Track header overrides it). */
  track: { opens: boolean; clicks: boolean };
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

/** The answer to a creation: the only time the password is seen. */
export type NewSmtpCredential = SmtpCredentialView & { password: string };

export interface SmtpCredentialList {
  smtpCredentials: SmtpCredentialView[];
  /** Without a certificate there is no STARTTLS, and the relay listens on loopback only. */
  relay: { starttls: boolean };
}
