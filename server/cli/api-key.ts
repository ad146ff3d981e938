import { parseArgs } from 'node:util';
import { eq } from 'drizzle-orm';
import { users } from '../../drizzle/schema';
import { type ApiKeyScope, apiKeyScopes, defaultApiKeyScopes } from '../../shared/auth';
import { createApiKey } from '../auth/api-keys';
import { loadEnv } from '../env';
import { openCommandDatabase } from './open-database';

/** `npm run api-key -- --email admin@acme.test [--scopes records:read,exports:write]`: the key alone on the last line. */
const { values } = parseArgs({
  options: { email: { type: 'string' }, scopes: { type: 'string' }, name: { type: 'string' } },
});
if (!values.email) {
  console.error(
    'Usage: npm run api-key -- --email <user email> [--scopes records:read,exports:write] [--name label]',
  );
  process.exit(2);
}
const scopes = (values.scopes ?? defaultApiKeyScopes.join(',')).split(',').map((scope) => scope.trim());
const unknown = scopes.filter((scope) => !(apiKeyScopes as readonly string[]).includes(scope));
if (unknown.length) {
  console.error(`Unknown scopes: ${unknown.join(', ')}. Known: ${apiKeyScopes.join(', ')}`);
  process.exit(2);
}

const database = await openCommandDatabase(loadEnv());
try {
  const [user] = await database.db.select().from(users).where(eq(users.email, values.email.toLowerCase()));
  if (!user) {
    console.error(`No user with email ${values.email}`);
    process.exitCode = 1;
  } else {
    const created = await createApiKey(
      database.db,
      { workspaceId: user.workspaceId, userId: user.id, email: user.email },
      { name: values.name ?? `CLI key for ${user.email}`, scopes: scopes as ApiKeyScope[] },
    );
    console.log(
      `Created API key ${created.prefix} for ${user.email} with scopes ${created.scopes.join(', ')}`,
    );
    console.log(created.key);
  }
} finally {
  await database.close();
}
