import { readFileSync } from 'node:fs';
import net from 'node:net';
import tls from 'node:tls';

const fixtures = new URL('./fixtures/', import.meta.url);

export interface PostgresTlsProxy {
  /** `databaseUrl` pointed at the proxy, with `sslmode=require`. */
  urlFor(databaseUrl: string): string;
  /** Connections that completed a TLS handshake here. */
  readonly tlsSessions: number;
  close(): Promise<void>;
}

/**
 * A Postgres endpoint that speaks TLS, for tests on a server without it: answers a client's SSLRequest
 * with 'S', terminates TLS (a self-signed certificate made for tests only) and relays the plain
 * protocol to the real server. Connections that do not ask for TLS are relayed as they are.
 */
export async function startPostgresTlsProxy(databaseUrl: string): Promise<PostgresTlsProxy> {
  const target = new URL(databaseUrl);
  const secureContext = tls.createSecureContext({
    key: readFileSync(new URL('test-only-tls.key', fixtures)),
    cert: readFileSync(new URL('test-only-tls.crt', fixtures)),
  });
  const open = new Set<net.Socket>();
  let tlsSessions = 0;

  const relay = (client: net.Socket, upstream: net.Socket) => {
    client.pipe(upstream).pipe(client);
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  };

  const server = net.createServer((client) => {
    open.add(client);
    client.on('close', () => open.delete(client));
    client.on('error', () => {});
    client.once('data', (first: Buffer) => {
      const upstream = net.connect(Number(target.port || 5432), target.hostname);
      open.add(upstream);
      upstream.on('close', () => open.delete(upstream));
      const asksForTls = first.length === 8 && first.readInt32BE(4) === 80877103;
      if (!asksForTls) {
        upstream.write(first);
        relay(client, upstream);
        return;
      }
      client.write('S');
      const secure = new tls.TLSSocket(client, { isServer: true, secureContext });
      secure.once('secure', () => tlsSessions++);
      relay(secure, upstream);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address() as net.AddressInfo;

  return {
    urlFor(url) {
      const proxied = new URL(url);
      proxied.hostname = '127.0.0.1';
      proxied.port = String(address.port);
      proxied.searchParams.set('sslmode', 'require');
      return proxied.toString();
    },
    get tlsSessions() {
      return tlsSessions;
    },
    async close() {
      for (const socket of open) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
