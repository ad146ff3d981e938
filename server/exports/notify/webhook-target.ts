import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';
import { ApiError } from '../../errors/api-error';

const ipv4Compatible = ipaddr.parseCIDR('::/96');

/**
 * Why a webhook must not connect to `address`, or undefined when it may. Only global unicast addresses
 * are allowed, as ipaddr.js classifies them (the ranges request-filtering-agent refuses too): loopback,
 * private, link-local (cloud metadata at 169.254.169.254), carrier-grade NAT, multicast, TEST-NET and
 * benchmarking, reserved, IPv4-mapped (`::ffff:a.b.c.d`) and translated (`::ffff:0:a.b.c.d`), NAT64
 * (`64:ff9b::/96`), 6to4 (`2002::/16`), Teredo… are refused. IPv4-compatible addresses (`::a.b.c.d`,
 * deprecated, which ipaddr.js calls unicast) are refused as well. Otherwise anyone allowed to export
 * could make the server call into its own network (SSRF).
 */
export function addressRefusal(address: string): string | undefined {
  if (!ipaddr.isValid(address) || isIP(address) === 0) return `'${address}' is not an IP address`;
  const parsed = ipaddr.parse(address);
  const range = parsed.range();
  if (range !== 'unicast') return `${address} is not a public address (${range})`;
  if (parsed.kind() === 'ipv6' && parsed.match(ipv4Compatible))
    return `${address} is not a public address (IPv4-compatible)`;
  return undefined;
}

export function isInternalAddress(address: string): boolean {
  return addressRefusal(address) !== undefined;
}

function refuse(url: string, reason: string): never {
  throw new ApiError('VALIDATION_ERROR', `The webhook URL cannot be used: ${reason}`, {
    issues: [{ path: 'notify.webhookUrl', message: reason }],
    url,
  });
}

/**
 * Checks a webhook URL when the export is started, so a bad one is refused up front: http(s) only, no
 * credentials, and every address it resolves to now public. A name can be re-pointed afterwards (DNS
 * rebinding): the delivery checks the address again when it connects (export-webhook.ts).
 */
export async function assertDeliverableWebhookUrl(
  url: string,
  options: { allowPrivateNetworks: boolean; resolve?: (host: string) => Promise<string[]> },
): Promise<void> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    refuse(url, 'it is not a URL');
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:')
    refuse(url, 'only http and https are supported');
  if (parsed.username || parsed.password) refuse(url, 'credentials in the URL are not allowed');
  if (options.allowPrivateNetworks) return;
  const host = parsed.hostname.replace(/^\[|\]$/g, '');
  const resolve =
    options.resolve ??
    (async (name: string) => (await lookup(name, { all: true })).map((entry) => entry.address));
  let addresses: string[];
  try {
    addresses = isIP(host) ? [host] : await resolve(host);
  } catch {
    refuse(url, `the host '${host}' does not resolve`);
  }
  const internal = addresses.find(isInternalAddress);
  if (internal !== undefined || addresses.length === 0) {
    refuse(
      url,
      `'${host}' resolves to an internal address${internal ? ` (${internal})` : ''}; set WEBHOOK_ALLOW_PRIVATE_NETWORKS=true to allow it`,
    );
  }
}
