import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  requireBinary,
  startMoto,
  startPostgres,
  startPrometheus,
  startRedis,
  type MotoService,
  type PostgresService,
} from './services.js';
import { createConnection } from 'node:net';

describe('service fixtures', () => {
  let pgs: PostgresService;
  let moto: MotoService;
  beforeAll(async () => {
    [pgs, moto] = await Promise.all([startPostgres(), startMoto()]);
  });
  afterAll(async () => {
    await Promise.all([pgs?.stop(), moto?.stop()]);
  });

  it('starts PostgreSQL 15 with password authentication', async () => {
    const r = await pgs.query<{ v: string }>("SELECT current_setting('server_version_num') AS v");
    expect(Number(r.rows[0]?.v)).toBeGreaterThanOrEqual(150000);
    const url = await pgs.createDatabase('fixture_db');
    expect(url).toContain('/fixture_db');
    const wrong = pgs.url.replace(encodeURIComponent(pgs.password), 'wrong');
    const { default: pg } = await import('pg');
    const c = new pg.Client({ connectionString: wrong });
    await expect(c.connect()).rejects.toThrow(/password authentication failed/);
  });

  it('starts moto_server answering AWS APIs', async () => {
    const r = await fetch(`${moto.endpoint}/moto-api/`);
    expect(r.status).toBe(200);
  });

  it('starts redis-server', async () => {
    const redis = await startRedis();
    try {
      const reply = await new Promise<string>((resolve, reject) => {
        const s = createConnection(redis.port, '127.0.0.1', () => s.write('PING\r\n'));
        s.on('data', (d) => {
          resolve(d.toString());
          s.end();
        });
        s.on('error', reject);
      });
      expect(reply).toBe('+PONG\r\n');
    } finally {
      await redis.stop();
    }
  });

  it('starts prometheus', async () => {
    const prom = await startPrometheus({ scrapeTargets: [] });
    try {
      const r = await fetch(`${prom.url}/api/v1/query?query=1%2B1`);
      const body = (await r.json()) as { data: { result: [number, string] } };
      expect(body.data.result[1]).toBe('2');
    } finally {
      await prom.stop();
    }
  });

  it('names what to install when a binary is missing', () => {
    expect(() => requireBinary('no-such-server', 'apt-get install -y no-such-server')).toThrow(
      'no-such-server is not installed: apt-get install -y no-such-server',
    );
  });
});
