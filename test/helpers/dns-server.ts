/**
 * A real DNS server on 127.0.0.1 (UDP and TCP on the same free port) answering from a zone the
 * test owns and may change while it runs. Names are matched case-insensitively; a name with no
 * records at all answers NXDOMAIN, a name with records of other types answers no data.
 */
import dns2 from 'dns2';

const { Packet } = dns2;

export type ZoneRecord =
  | { type: 'TXT'; value: string | string[] }
  | { type: 'A' | 'AAAA'; value: string }
  | { type: 'MX'; value: string; priority?: number }
  | { type: 'CNAME' | 'PTR'; value: string };

export type Zone = Record<string, ZoneRecord[]>;

export interface DnsServer {
  /** `127.0.0.1:PORT`, for POSTROOM_DNS / --dns. */
  address: string;
  port: number;
  /** The records served; change it freely. */
  zone: Zone;
  queries: Array<{ name: string; type: string }>;
  close(): Promise<void>;
}

const TYPES: Record<number, ZoneRecord['type']> = { 1: 'A', 28: 'AAAA', 15: 'MX', 16: 'TXT', 5: 'CNAME', 12: 'PTR' };

function answer(name: string, record: ZoneRecord) {
  const base = { name, class: Packet.CLASS.IN, ttl: 60 };
  switch (record.type) {
    case 'A':
      return { ...base, type: Packet.TYPE.A, address: record.value };
    case 'AAAA':
      return { ...base, type: Packet.TYPE.AAAA, address: record.value };
    case 'MX':
      return { ...base, type: Packet.TYPE.MX, exchange: record.value, priority: record.priority ?? 10 };
    case 'TXT': {
      // Long strings are split at 255 bytes, as a zone file would have them.
      const strings = (Array.isArray(record.value) ? record.value : [record.value]).flatMap((s) => s.match(/[\s\S]{1,255}/g) ?? ['']);
      return { ...base, type: Packet.TYPE.TXT, data: strings };
    }
    case 'CNAME':
      return { ...base, type: Packet.TYPE.CNAME, domain: record.value };
    case 'PTR':
      return { ...base, type: Packet.TYPE.PTR, domain: record.value };
  }
}

type Dns2Server = ReturnType<typeof dns2.createServer> & {
  servers: { udp: import('node:dgram').Socket; tcp: import('node:net').Server };
};

/**
 * Listens on UDP and TCP with the same port: UDP takes a free port, then TCP tries it. Another
 * process may hold that TCP port (the two port spaces are separate); then the caller tries again.
 */
async function listenOnOnePort(dnsServer: ReturnType<typeof dns2.createServer>): Promise<number | undefined> {
  const { udp, tcp } = (dnsServer as Dns2Server).servers;
  const port = await new Promise<number>((resolve, reject) => {
    udp.once('error', reject);
    udp.bind(0, '127.0.0.1', () => {
      udp.off('error', reject);
      resolve(udp.address().port);
    });
  });
  const clash = await new Promise<NodeJS.ErrnoException | undefined>((resolve) => {
    const onError = (error: NodeJS.ErrnoException) => resolve(error);
    tcp.once('error', onError);
    tcp.listen(port, '127.0.0.1', () => {
      tcp.off('error', onError);
      resolve(undefined);
    });
  });
  if (!clash) return port;
  udp.close();
  if (clash.code !== 'EADDRINUSE') throw clash;
  return undefined;
}

export async function startDnsServer(zone: Zone = {}): Promise<DnsServer> {
  for (let attempt = 1; attempt <= 20; attempt++) {
    const state: DnsServer = { address: '', port: 0, zone, queries: [], close: async () => undefined };
    const server = createServer(state);
    const port = await listenOnOnePort(server);
    if (port === undefined) continue;
    state.port = port;
    state.address = `127.0.0.1:${port}`;
    state.close = () => server.close();
    return state;
  }
  throw new Error('no port free for both UDP and TCP after 20 tries');
}

function createServer(state: DnsServer) {
  return dns2.createServer({
    udp: true,
    tcp: true,
    handle: (request: { questions: Array<{ name: string; type: number }> }, send: (response: unknown) => void) => {
      const response = Packet.createResponseFromRequest(request);
      const question = request.questions[0];
      if (!question) return send(response);
      const wanted = TYPES[question.type];
      state.queries.push({ name: question.name, type: wanted ?? String(question.type) });
      const key = Object.keys(state.zone).find((n) => n.toLowerCase().replace(/\.$/, '') === question.name.toLowerCase().replace(/\.$/, ''));
      if (key === undefined) {
        response.header.rcode = Packet.RCODE.NXDOMAIN;
        return send(response);
      }
      for (const record of state.zone[key]!) if (record.type === wanted) response.answers.push(answer(question.name, record));
      send(response);
    },
  });
}
