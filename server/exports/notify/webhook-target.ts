import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';
import { ApiError } from '../../errors/api-error';

/**
 * Addresses a webhook must not reach unless WEBHOOK_ALLOW_PRIVATE_NETWORKS is set: loopback, private,
 * link-local (cloud metadata at 169.254.169.254), carrier-grade NAT, multicast and reserved ranges.
 * Otherwise anyone allowed to export could make the server call into its own network (SSRF).
 */
const internalNetworks = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  internalNetworks.addSubnet(network, prefix, 'ipv4');
}
for (const [network, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
] as const) {
  internalNetworks.addSubnet(network, prefix, 'ipv6');
}

export function isInternalAddress(address: string): boolean {
  const mappedV4 = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1];
  if (mappedV4) return internalNetworks.check(mappedV4, 'ipv4');
  const family = isIP(address);
  if (family === 0) return true;
  return internalNetworks.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

function refuse(url: string, reason: string): never {
  throw new ApiError('VALIDATION_ERROR', `The webhook URL cannot be used: ${reason}`, {
    issues: [{ path: 'notify.webhookUrl', message: reason }],
    url,
  });
}

/**
 * Checks a webhook URL when the export is started and again before each delivery (a name can be
 * re-pointed in between): http(s) only, no credentials, and every address it resolves to public.
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
