/** The fields of an outgoing server as people and programs give them (CLI flags, API JSON). */
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { z } from 'zod';
import { checkFromFilter } from './from-filter.js';

const singleLine = z.string().refine((v) => !/[\r\n\u0000]/.test(v), 'must not contain CR, LF or NUL');
const limit = z.number().int().positive().max(10_000_000).nullable();

export const serverFieldsSchema = z.object({
  name: singleLine.trim().min(1, 'is required').max(100),
  kind: z.enum(['smtp', 'sandbox']),
  priority: z.number().int().min(0).max(1_000_000),
  fromFilter: singleLine.max(2000).superRefine((v, ctx) => {
    const problem = checkFromFilter(v);
    if (problem) ctx.addIssue({ code: 'custom', message: `${problem}; each entry must be a domain (example.com) or an address (news@example.com)` });
  }),
  active: z.boolean(),
  host: singleLine.max(253),
  port: z.number().int().min(0).max(65535),
  security: z.enum(['none', 'starttls', 'tls']),
  auth: z.enum(['none', 'password', 'certificate']),
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
};

const DEFAULT_PORTS = { none: 25, starttls: 587, tls: 465 } as const;

/** Checks that fields that depend on each other agree; the port defaults from the security mode. */
export const serverSchema = serverFieldsSchema
  .transform((s) => (s.kind === 'smtp' && s.port === 0 ? { ...s, port: DEFAULT_PORTS[s.security] } : s))
  .superRefine((s, ctx) => {
    if (s.kind === 'smtp' && !/^[A-Za-z0-9.-]+$|^\[?[0-9a-fA-F:.]+\]?$/.test(s.host)) {
      ctx.addIssue({ code: 'custom', path: ['host'], message: s.host ? 'must be a host name or an IP address' : 'is required for an SMTP server' });
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
