/** A generated contacts CSV for the benchmarks: email, names, country, city, time zone, plan; 1 row in 1,000 bad. */
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';

const ZONES = ['Europe/Madrid', 'America/New_York', 'Asia/Tokyo', 'Europe/London', 'America/Sao_Paulo', ''];

export async function writeContactsCsv(file: string, rows: number, options: { bad?: boolean } = {}): Promise<void> {
  const out = createWriteStream(file);
  out.write('email,first_name,last_name,country,city,time_zone,plan\n');
  for (let n = 0; n < rows; n++) {
    const line =
      options.bad !== false && n % 1000 === 999
        ? `broken-${n},Bad,Row,XX,Nowhere,,free\n`
        : `person${n}@example${n % 97}.com,First${n},Last${n % 5000},${['ES', 'US', 'JP', 'GB', 'BR'][n % 5]},City ${n % 300},${ZONES[n % ZONES.length]},${n % 3 ? 'free' : 'pro'}\n`;
    if (!out.write(line)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
}
