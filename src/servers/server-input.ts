/** The fields of an outgoing server as people and programs give them (CLI flags, API JSON). */
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { z } from 'zod';
import { isIP } from 'node:net';
import { SERVER_AUTHS, SERVER_KINDS, SERVER_SECURITIES } from '../store/index.js';
import { checkFromFilter } from './from-filter.js';

const singleLine = z.string().refine((v) => !/[\r\n\u0000]/.test(v), 'must not contain CR, LF or NUL');
const limit = z.number().int().positive().max(10_000_000).nullable();

export const serverFieldsSchema = z.object({
  name: singleLine.trim().min(1, 'is required').max(100),
  kind: z.enum(SERVER_KINDS),
  priority: z.number().int().min(0).max(1_000_000),
  fromFilter: singleLine.max(2000).superRefine((v, ctx) => {
    const problem = checkFromFilter(v);
    if (problem) ctx.addIssue({ code: 'custom', message: `${problem}; each entry must be a domain (example.com) or an address (news@example.com)` });
  }),
  active: z.boolean(),
  host: singleLine.max(253),
  port: z.number().int().min(0).max(65535),
  security: z.enum(SERVER_SECURITIES),
  auth: z.enum(SERVER_AUTHS),
  username: singleLine.max(500).nullable(),
  password: z.string().max(5000).nullable(),
  certificate: z.string().max(100_000).nullable(),
  privateKey: z.string().max(100_000).nullable(),
  tlsVerify: z.boolean(),
  tlsCa: z.string().max(200_000).nullable(),
  maxConcurrent: z.number().int().positive().max(1000).nullable(),
  perMinute: limit,
  perHour: limit,
  perDay: limit,
  ehloName: singleLine.max(253).regex(/^[A-Za-z0-9.-]+$/, 'must be a host name').nullable(),
  sourceAddresses: z.array(z.string().refine((v) => isIP(v) !== 0, 'must be an IPv4 or IPv6 address')).max(64),
  account: singleLine.max(320).regex(/^[^\s@]+@[^\s@]+$/, 'must be an email address').nullable(),
});

export type ServerFields = z.infer<typeof serverFieldsSchema>;
export type ServerInput = Partial<ServerFields> & { name: string };

export const SERVER_DEFAULTS: Omit<ServerFields, 'name'> = {
  kind: 'smtp',
  priority: 10,
  fromFilter: '',
  active: true,
  host: '',
  port: 0,
  security: 'starttls',
  auth: 'none',
  username: null,
  password: null,
  certificate: null,
  privateKey: null,
  tlsVerify: true,
  tlsCa: null,
  maxConcurrent: null,
  perMinute: null,
  perHour: null,
  perDay: null,
  ehloName: null,
  sourceAddresses: [],
  account: null,
};

const DEFAULT_PORTS = { none: 25, starttls: 587, tls: 465 } as const;

/**
 * Where each provider's SMTP submission listens (changeable, so tests can point at a local
 * server): Gmail implicit TLS on 465, Microsoft 365 STARTTLS on 587.
 */
export const PROVIDER_SMTP = {
  gmail: { host: 'smtp.gmail.com', port: 465, security: 'tls' },
  microsoft: { host: 'smtp.office365.com', port: 587, security: 'starttls' },
} as const;

/**
 * Fills what a kind implies and checks that fields that depend on each other agree:
 *   smtp       the port defaults from the security mode
 *   direct     port 25 at the recipients' MX hosts (changeable for tests); no host, no auth
 *   gmail      smtp.gmail.com:465; OAuth 2.0, or an app password with the account as user name
 *   microsoft  smtp.office365.com:587; the From filter is the account's address, since Outlook
 *              refuses any other From (routing then rewrites From as for any unmatched address)
 */
export const serverSchema = serverFieldsSchema
  .transform((s) => {
    if (s.kind === 'smtp' && s.port === 0) return { ...s, port: DEFAULT_PORTS[s.security] };
    if (s.kind === 'direct') return { ...s, host: '', port: s.port || 25, auth: 'none' as const, username: null };
    if (s.kind === 'gmail' || s.kind === 'microsoft') {
      const provider = PROVIDER_SMTP[s.kind];
      const account = s.account?.toLowerCase() ?? null;
      return {
        ...s,
        account,
        host: s.host || provider.host,
        port: s.port || provider.port,
        security: s.host ? s.security : provider.security,
        username: s.auth === 'password' ? account : null,
        fromFilter: s.kind === 'microsoft' && account ? account : s.fromFilter,
      };
    }
    return s;
  })
  .superRefine((s, ctx) => {
    if ((s.kind === 'smtp' || s.kind === 'gmail' || s.kind === 'microsoft') && !/^[A-Za-z0-9.-]+$|^\[?[0-9a-fA-F:.]+\]?$/.test(s.host)) {
      ctx.addIssue({ code: 'custom', path: ['host'], message: s.host ? 'must be a host name or an IP address' : 'is required for an SMTP server' });
    }
    if ((s.kind === 'gmail' || s.kind === 'microsoft') && !s.account) {
      ctx.addIssue({ code: 'custom', path: ['account'], message: `is required for a ${s.kind === 'gmail' ? 'Gmail' : 'Microsoft'} server (the address it sends as)` });
    }
    if (s.auth === 'oauth2' && s.kind !== 'gmail' && s.kind !== 'microsoft') {
      ctx.addIssue({ code: 'custom', path: ['auth'], message: 'oauth2 is for gmail and microsoft servers' });
    }
    if ((s.kind === 'gmail' || s.kind === 'microsoft') && s.auth !== 'oauth2' && s.auth !== 'password') {
      ctx.addIssue({ code: 'custom', path: ['auth'], message: 'must be oauth2, or password for an app password' });
    }
    if (s.sourceAddresses.length > 0 && s.kind !== 'direct') {
      ctx.addIssue({ code: 'custom', path: ['sourceAddresses'], message: 'are for direct delivery only' });
    }
    if (s.auth === 'password') {
      if (!s.username) ctx.addIssue({ code: 'custom', path: ['username'], message: 'is required with password authentication' });
      if (!s.password) ctx.addIssue({ code: 'custom', path: ['password'], message: 'is required with password authentication' });
    }
    if (s.auth === 'certificate') {
      if (!s.certificate) ctx.addIssue({ code: 'custom', path: ['certificate'], message: 'is required with certificate authentication' });
      else if (!validCertificate(s.certificate)) ctx.addIssue({ code: 'custom', path: ['certificate'], message: 'is not a PEM certificate' });
      if (!s.privateKey) ctx.addIssue({ code: 'custom', path: ['privateKey'], message: 'is required with certificate authentication' });
      else if (!validKey(s.privateKey)) ctx.addIssue({ code: 'custom', path: ['privateKey'], message: 'is not a PEM private key' });
      if (s.security === 'none') ctx.addIssue({ code: 'custom', path: ['security'], message: 'certificate authentication needs starttls or tls' });
    }
    if (s.tlsCa && !validCertificate(s.tlsCa)) ctx.addIssue({ code: 'custom', path: ['tlsCa'], message: 'is not a PEM certificate' });
  });

function validCertificate(pem: string): boolean {
  try {
    new X509Certificate(pem);
    return true;
  } catch {
    return false;
  }
}

function validKey(pem: string): boolean {
  try {
    createPrivateKey(pem);
    return true;
  } catch {
    return false;
  }
}
