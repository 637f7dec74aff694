/**
 * A DNS server on 127.0.0.1 (UDP) for the direct-delivery benchmark: the recipients' domain has
 * one MX host, and that host the sink's address.
 */
import dns2 from 'dns2';
import type { Socket } from 'node:dgram';

const { Packet } = dns2;

export interface BenchDns {
  address: string;
  close(): Promise<void>;
}

export async function startBenchDns(domain: string, mxHost: string, address: string): Promise<BenchDns> {
  // dns2's types want Resource objects with toBuffer(); plain records are what it encodes.
  type Loose = { header: { rcode: number }; answers: unknown[] };
  const handle = (request: { questions: Array<{ name: string; type: number }> }, send: (response: Loose) => void): void => {
    const response = Packet.createResponseFromRequest(request as never) as unknown as Loose;
    const question = request.questions[0];
    const name = question?.name.toLowerCase().replace(/\.$/, '');
    const base = { name: question?.name, class: Packet.CLASS.IN, ttl: 300 };
    if (name === domain && question!.type === Packet.TYPE.MX) response.answers.push({ ...base, type: Packet.TYPE.MX, exchange: mxHost, priority: 10 });
    else if (name === mxHost && question!.type === Packet.TYPE.A) response.answers.push({ ...base, type: Packet.TYPE.A, address });
    else if (name !== domain && name !== mxHost) response.header.rcode = 3; // NXDOMAIN
    send(response);
  };
  const server = dns2.createServer({ udp: true, handle: handle as never });
  const udp = (server as unknown as { servers: { udp: Socket } }).servers.udp;
  const port = await new Promise<number>((resolve, reject) => {
    udp.once('error', reject);
    udp.bind(0, '127.0.0.1', () => resolve(udp.address().port));
  });
  return { address: `127.0.0.1:${port}`, close: () => server.close() };
}
