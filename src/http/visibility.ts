/**
 * Confidentiality, as ERP users expect it: a sender sees and acts on only their own messages
 * (anyone else's answers 404, so ids do not leak whether they exist). Admins see every message's
 * delivery metadata and may retry or cancel it; a message's content is shown only to its owner
 * (and, for messages without an owner — sent from the command line — to admins).
 */
import type { MessageRow } from '../store/index.js';
import type { User } from '../users/index.js';

export function canSeeMessage(user: User, message: Pick<MessageRow, 'user_id'>): boolean {
  return user.role === 'admin' || message.user_id === user.id;
}

export function canSeeContent(user: User, message: Pick<MessageRow, 'user_id'>): boolean {
  return message.user_id === user.id || (message.user_id === null && user.role === 'admin');
}
