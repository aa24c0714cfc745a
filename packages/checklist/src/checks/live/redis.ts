import net from 'node:net';
import tls from 'node:tls';
import { errorMessage, redactUrl, type Logger } from '@ralph-deploy/common';
import type { Finding } from '../../types.js';

/** One RESP2 command: an array of bulk strings. */
export function encodeCommand(args: string[]): string {
  return `*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`;
}

/** Parses one complete RESP reply from `buf`; undefined when more bytes are needed. */
export function parseReply(buf: Buffer): { value: string | null; error?: string; rest: Buffer } | undefined {
  const end = buf.indexOf('\r\n');
  if (end < 0) return undefined;
  const head = buf.subarray(1, end).toString('utf8');
  switch (buf[0]) {
    case 0x2b: // +simple
      return { value: head, rest: buf.subarray(end + 2) };
    case 0x2d: // -error
      return { value: null, error: head, rest: buf.subarray(end + 2) };
    case 0x3a: // :integer
      return { value: head, rest: buf.subarray(end + 2) };
    case 0x24: {
      // $bulk
      const len = Number(head);
      if (len < 0) return { value: null, rest: buf.subarray(end + 2) };
      if (buf.length < end + 2 + len + 2) return undefined;
      return { value: buf.subarray(end + 2, end + 2 + len).toString('utf8'), rest: buf.subarray(end + 2 + len + 2) };
    }
    default:
      return {
        value: null,
        error: `unexpected reply type ${String.fromCharCode(buf[0] ?? 63)}`,
        rest: Buffer.alloc(0),
      };
  }
}

/** Sends commands one by one over a fresh connection and returns the replies (bounded in time). */
export async function redisExchange(
  url: string,
  commands: string[][],
  timeoutMs = 10_000,
  ca?: string,
): Promise<{ value: string | null; error?: string }[]> {
  const u = new URL(url);
  const port = Number(u.port || 6379);
  const host = u.hostname.replace(/^\[|\]$/g, '');
  return new Promise((resolve, reject) => {
    const socket =
      u.protocol === 'rediss:'
        ? tls.connect({ host, port, servername: host, ...(ca ? { ca: [...tls.rootCertificates, ca] } : {}) })
        : net.connect({ host, port });
    const replies: { value: string | null; error?: string }[] = [];
    let buf: Buffer = Buffer.alloc(0);
    let sent = 0;
    const timer = setTimeout(() => socket.destroy(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    const sendNext = () => {
      const cmd = commands[sent++];
      if (cmd) socket.write(encodeCommand(cmd));
      else {
        clearTimeout(timer);
        socket.end();
        resolve(replies);
      }
    };
    socket.once(u.protocol === 'rediss:' ? 'secureConnect' : 'connect', sendNext);
    socket.on('data', (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      for (let r = parseReply(buf); r; r = parseReply(buf)) {
        buf = r.rest;
        replies.push(r.error !== undefined ? { value: r.value, error: r.error } : { value: r.value });
        sendNext();
      }
    });
    socket.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    socket.on('close', () => {
      clearTimeout(timer);
      if (replies.length < commands.length) reject(new Error('connection closed before every reply arrived'));
    });
  });
}

function versionAtLeast(v: string, min: string): boolean {
  const a = v.split('.').map(Number);
  const b = min.split('.').map(Number);
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) > (b[i] ?? 0);
  }
  return true;
}

/** Redis answers PING (after AUTH when the URL has credentials) and runs at least `minVersion`. */
export async function checkRedis(
  url: string,
  minVersion: string | undefined,
  log: Logger,
  ca?: string,
): Promise<Finding[]> {
  log.mask(url);
  const u = new URL(url);
  if (u.password) log.mask(decodeURIComponent(u.password));
  const commands: string[][] = [];
  if (u.password)
    commands.push(
      u.username
        ? ['AUTH', decodeURIComponent(u.username), decodeURIComponent(u.password)]
        : ['AUTH', decodeURIComponent(u.password)],
    );
  commands.push(['PING'], ['INFO', 'server']);
  let replies;
  try {
    replies = await redisExchange(url, commands, 10_000, ca);
  } catch (e: unknown) {
    return [{ level: 'fail', message: `Redis at ${redactUrl(url)} is not reachable: ${errorMessage(e)}` }];
  }
  const failed = replies.find((r) => r.error !== undefined);
  if (failed) return [{ level: 'fail', message: `Redis at ${redactUrl(url)} answered: ${failed.error}` }];
  const pong = replies[replies.length - 2]?.value;
  if (pong !== 'PONG')
    return [{ level: 'fail', message: `Redis at ${redactUrl(url)} answered PING with ${String(pong)}` }];
  const version = /redis_version:([\d.]+)/.exec(replies[replies.length - 1]?.value ?? '')?.[1] ?? 'unknown';
  if (minVersion && (version === 'unknown' || !versionAtLeast(version, minVersion))) {
    return [{ level: 'fail', message: `Redis at ${redactUrl(url)} is ${version}, below the required ${minVersion}` }];
  }
  return [{ level: 'pass', message: `Redis ${version} answers PING at ${redactUrl(url)}` }];
}
