import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ApiError } from '../../errors/api-error';
import { startTestApp } from '../../testing/test-app';
import { assertDeliverableWebhookUrl, isInternalAddress } from './webhook-target';

const publicResolver = async () => ['93.184.216.34'];

async function refusal(url: string, resolve = publicResolver): Promise<ApiError> {
  try {
    await assertDeliverableWebhookUrl(url, { allowPrivateNetworks: false, resolve });
  } catch (error) {
    assert.ok(error instanceof ApiError);
    return error;
  }
  assert.fail(`expected ${url} to be refused`);
}

describe('webhook targets (SSRF guard)', () => {
  test('internal addresses are recognised, public ones are not', () => {
    for (const address of [
      '127.0.0.1',
      '10.1.2.3',
      '172.20.0.1',
      '192.168.1.1',
      '169.254.169.254',
      '100.64.0.1',
      '0.0.0.0',
      '::1',
      'fd00::1',
      'fe80::1',
      '::ffff:127.0.0.1',
      '224.0.0.1',
    ]) {
      assert.equal(isInternalAddress(address), true, address);
    }
    for (const address of ['93.184.216.34', '8.8.8.8', '2606:4700::1111', '172.32.0.1']) {
      assert.equal(isInternalAddress(address), false, address);
    }
  });

  test('literal internal IPs and names that resolve inside are refused with VALIDATION_ERROR on notify.webhookUrl', async () => {
    for (const url of [
      'http://127.0.0.1:8080/hook',
      'http://[::1]/hook',
      'http://169.254.169.254/latest/meta-data',
    ]) {
      const error = await refusal(url);
      assert.equal(error.code, 'VALIDATION_ERROR');
      assert.deepEqual(
        (error.details?.issues as { path: string }[] | undefined)?.[0]?.path,
        'notify.webhookUrl',
      );
    }
    const rebinding = await refusal('https://hooks.example.com/x', async () => ['93.184.216.34', '10.0.0.5']);
    assert.match(rebinding.message, /internal address \(10\.0\.0\.5\)/);
    const unresolvable = await refusal('https://nowhere.invalid/x', async () => {
      throw new Error('ENOTFOUND');
    });
    assert.match(unresolvable.message, /does not resolve/);
  });

  test('other schemes and credentials are refused; public https passes; the allowance lets local receivers in', async () => {
    assert.match((await refusal('ftp://example.com/x')).message, /only http and https/);
    assert.match((await refusal('https://user:pw@example.com/x')).message, /credentials/);
    await assertDeliverableWebhookUrl('https://hooks.example.com/crm', {
      allowPrivateNetworks: false,
      resolve: publicResolver,
    });
    await assertDeliverableWebhookUrl('http://127.0.0.1:9999/hook', { allowPrivateNetworks: true });
  });
});

describe('startExport with an internal webhook URL', () => {
  test('is refused over HTTP with VALIDATION_ERROR before anything is queued', async () => {
    const app = await startTestApp();
    try {
      const member = await app.loginAs('member@acme.test');
      const before = await member.listExports.query({});
      await assert.rejects(
        member.startExport.mutate({
          object: 'people',
          format: 'csv',
          notify: { webhookUrl: 'http://169.254.169.254/latest/meta-data' },
        }),
        (error: unknown) => {
          const data = (error as { data?: { code?: string; status_code?: number } }).data;
          return data?.code === 'VALIDATION_ERROR' && data.status_code === 400;
        },
      );
      assert.equal((await member.listExports.query({})).exports.length, before.exports.length);
    } finally {
      await app.close();
    }
  });
});
