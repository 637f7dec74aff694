/** Whether a listener's host is loopback (127.0.0.0/8, ::1, localhost): nothing it takes crosses the network. */
export const isLoopbackHost = (host: string): boolean => host === 'localhost' || host === '::1' || /^127\./.test(host) || /^::ffff:127\./i.test(host);
