import { api, errorText } from '../api';
import type { useToast } from '../toasts';

/** The recipient states "Send now" and "Cancel" act on; a message with none of them offers neither. */
export const CAN_CHANGE = new Set(['queued', 'deferred', 'failed']);

const recipients = (n: number): string => (n === 1 ? '1 recipient' : `${n} recipients`);

/** Send now / cancel one message, with a toast either way (a 409 says why in the server's words). */
export async function changeMessage(id: string, action: 'retry' | 'cancel', toast: ReturnType<typeof useToast>): Promise<boolean> {
  try {
    const result = await api<{ status: string; recipients: number }>('POST', `/messages/${encodeURIComponent(id)}/${action}`);
    toast(
      action === 'retry'
        ? { kind: 'success', title: 'Sending now', body: `${recipients(result.recipients)} queued to be tried again at once.` }
        : { kind: 'success', title: 'Message cancelled', body: `${recipients(result.recipients)} will not be tried again.` },
    );
    return true;
  } catch (error) {
    toast({ kind: 'error', title: action === 'retry' ? 'Could not send now' : 'Could not cancel', body: errorText(error) });
    return false;
  }
}
