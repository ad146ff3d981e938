import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { ErrorCode } from '../../shared/errors';
import type { CrmClient } from '../sdk';
import { rejection } from '../testing/rejection';
import { startTestApp, type TestApp } from '../testing/test-app';

const codeOf = async (promise: Promise<unknown>): Promise<ErrorCode | undefined> =>
  (await rejection(promise)).data?.code;

describe('saved views over real HTTP', () => {
  let app: TestApp;
  let admin: CrmClient;
  let member: CrmClient;
  let viewer: CrmClient;
  let globex: CrmClient;

  before(async () => {
    app = await startTestApp({
      env: { RATE_LIMIT_READS_PER_SECOND: '10000', RATE_LIMIT_WRITES_PER_SECOND: '10000' },
    });
    admin = await app.loginAs('admin@acme.test');
    member = await app.loginAs('member@acme.test');
    viewer = await app.loginAs('viewer@acme.test');
    globex = await app.loginAs('admin@globex.test');
  });
  after(() => app.close());

  test('a member creates a view; it lists, gets, and drives people.list', async () => {
    const view = await member.views.create.mutate({
      object: 'people',
      name: 'Leads on LinkedIn',
      filter: { status: 'lead', platform: 'linkedin' },
      sort: [{ attribute: 'email', direction: 'asc' }],
      columns: ['first_name', 'email', 'company'],
    });
    assert.equal(view.shared, false);
    assert.equal(view.editable, true);
    assert.equal(view.ownerName, 'Max Member');
    assert.deepEqual(await member.views.get.query({ id: view.id }), view);
    assert.ok((await member.views.list.query({ object: 'people' })).some((listed) => listed.id === view.id));
    const page = await member.people.list.query({ viewId: view.id, limit: 500 });
    assert.ok(
      page.total > 0 &&
        page.records.every((record) => record.status === 'lead' && record.platform === 'linkedin'),
    );
    await member.views.delete.mutate({ id: view.id });
    assert.equal(await codeOf(member.views.get.query({ id: view.id })), 'NOT_FOUND');
  });

  test('a filter, sort or columns that do not fit the catalog are refused when saved', async () => {
    const badFilter = await rejection(
      member.views.create.mutate({
        object: 'people',
        name: 'x',
        filter: { $or: [{ status: { $gt: 'lead' } }] },
      }),
    );
    assert.equal(badFilter.data?.code, 'INVALID_FILTER');
    assert.deepEqual(badFilter.data?.details, {
      field: 'filter',
      path: '$or[0].status.$gt',
      reason: "Operator $gt is not supported for select attribute 'status'",
    });
    assert.equal(
      await codeOf(
        member.views.create.mutate({ object: 'companies', name: 'x', columns: ['name', 'first_name'] }),
      ),
      'VALIDATION_ERROR',
    );
    assert.equal(
      await codeOf(
        member.views.create.mutate({
          object: 'companies',
          name: 'x',
          sort: [{ attribute: 'tags', direction: 'asc' }],
        }),
      ),
      'VALIDATION_ERROR',
    );
    const view = await member.views.create.mutate({
      object: 'conversations',
      name: 'Open',
      filter: { status: 'open' },
    });
    assert.equal(
      await codeOf(member.views.update.mutate({ id: view.id, filter: { status: 'archived' } })),
      'INVALID_FILTER',
    );
  });

  test('owners edit their own views, admins any; viewers read shared views but cannot create', async () => {
    const shared = await member.views.create.mutate({
      object: 'companies',
      name: 'Shared',
      filter: { status: 'active' },
      shared: true,
    });
    const secret = await member.views.create.mutate({ object: 'companies', name: 'Secret', shared: false });
    const adminView = await admin.views.create.mutate({
      object: 'companies',
      name: 'Admin only',
      shared: true,
    });

    const seenByViewer = await viewer.views.get.query({ id: shared.id });
    assert.equal(seenByViewer.editable, false);
    assert.ok((await viewer.companies.list.query({ viewId: shared.id })).total > 0);
    assert.equal(await codeOf(viewer.views.get.query({ id: secret.id })), 'NOT_FOUND');
    assert.ok(!(await viewer.views.list.query({})).some((view) => view.id === secret.id));
    assert.equal(await codeOf(viewer.companies.list.query({ viewId: secret.id })), 'NOT_FOUND');
    assert.equal(await codeOf(viewer.views.create.mutate({ object: 'people', name: 'Mine' })), 'FORBIDDEN');
    assert.equal(await codeOf(viewer.views.update.mutate({ id: shared.id, name: 'Hijacked' })), 'FORBIDDEN');

    assert.equal(
      await codeOf(member.views.update.mutate({ id: adminView.id, name: 'Mine now' })),
      'FORBIDDEN',
    );
    assert.equal(await codeOf(member.views.delete.mutate({ id: adminView.id })), 'FORBIDDEN');
    const renamed = await admin.views.update.mutate({
      id: secret.id,
      name: 'Renamed by admin',
      shared: true,
    });
    assert.equal(renamed.name, 'Renamed by admin');
    assert.equal(renamed.ownerName, 'Max Member');
    assert.equal(renamed.editable, true);
    await admin.views.delete.mutate({ id: shared.id });
    assert.equal(await codeOf(member.views.get.query({ id: shared.id })), 'NOT_FOUND');
  });

  test('another workspace: views never listed, get/update/delete → NOT_FOUND', async () => {
    const view = await admin.views.create.mutate({ object: 'people', name: 'Acme shared', shared: true });
    assert.ok(!(await globex.views.list.query({})).some((listed) => listed.id === view.id));
    assert.equal(await codeOf(globex.views.get.query({ id: view.id })), 'NOT_FOUND');
    assert.equal(await codeOf(globex.views.update.mutate({ id: view.id, name: 'Pwned' })), 'NOT_FOUND');
    assert.equal(await codeOf(globex.views.delete.mutate({ id: view.id })), 'NOT_FOUND');
    assert.equal(await codeOf(globex.people.list.query({ viewId: view.id })), 'NOT_FOUND');
    assert.equal((await admin.views.get.query({ id: view.id })).name, 'Acme shared');
  });
});
