import { once } from 'node:events';
import net from 'node:net';
import tls from 'node:tls';
import postgres from 'postgres';

/** postgres.js's `ssl` option, as it parses it from a URL's `sslmode` (or as given). */
type SslSetting = postgres.Options<Record<string, postgres.PostgresType>>['ssl'];

/** Where postgres.js connects: what it hands a `socket` factory (the option its types leave out). */
interface ConnectTarget {
  host: string[];
  port: number[];
  path?: string | false;
}

/** `SSLRequest`: length 8, then the code 80877103 that asks a Postgres server for TLS. */
const sslRequest = Buffer.from([0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f]);

export interface PausableConnections {
  /** The postgres.js options that make it connect through these sockets (TLS already negotiated). */
  clientOptions: { ssl: false; socket: (target: ConnectTarget) => Promise<net.Socket> };
  /** Stops reading every open socket: TCP's flow control then holds the server back. */
  pause(): void;
  resume(): void;
}

/**
 * Whether a URL can be served by `pausableConnections`: one host, and TLS negotiated the usual way (a
 * `sslnegotiation=direct` server is left to postgres.js).
 */
export function canPause(url: string): boolean {
  const { options } = postgres(url);
  const negotiation = (options as { sslnegotiation?: string | null }).sslnegotiation;
  return options.host.length === 1 && negotiation !== 'direct';
}

/**
 * The sockets postgres.js reads from, opened here so a reader can pause them. postgres.js opens its own
 * and keeps them to itself; over TLS it even wraps a given socket in one of its own, which takes the
 * socket's handle, so pausing the given one would do nothing. So TLS is negotiated here, as postgres.js
 * does it (SSLRequest, then `tls.connect` with the same options per `sslmode`), and postgres.js is told
 * the connection is plain.
 */
export function pausableConnections(url: string): PausableConnections {
  const ssl = postgres(url).options.ssl;
  const sockets = new Set<net.Socket>();

  async function open({ host, port, path }: ConnectTarget): Promise<net.Socket> {
    const hostName = host[0] ?? 'localhost';
    const raw = path ? net.connect(path) : net.connect(port[0] ?? 5432, hostName);
    const socket = ssl ? await negotiateTls(raw, ssl, path ? undefined : hostName) : raw;
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    return socket;
  }

  return {
    clientOptions: { ssl: false, socket: open },
    pause() {
      for (const socket of sockets) socket.pause();
    },
    resume() {
      for (const socket of sockets) socket.resume();
    },
  };
}

async function negotiateTls(raw: net.Socket, ssl: SslSetting, host: string | undefined): Promise<net.Socket> {
  try {
    if (raw.connecting) await once(raw, 'connect');
    raw.write(sslRequest);
    const [answer] = (await once(raw, 'data')) as [Buffer];
    if (answer[0] !== 0x53 /* S */) {
      if (ssl === 'prefer') return raw;
      throw new Error('The Postgres server does not accept TLS connections (sslmode asks for TLS)');
    }
    const options: tls.ConnectionOptions = {
      socket: raw,
      servername: host && !net.isIP(host) ? host : undefined,
      ...(ssl === 'require' || ssl === 'allow' || ssl === 'prefer'
        ? { rejectUnauthorized: false }
        : typeof ssl === 'object'
          ? ssl
          : {}),
    };
    const secure = tls.connect(options);
    await once(secure, 'secureConnect');
    return secure;
  } catch (error) {
    raw.destroy();
    throw error;
  }
}
