import { eq } from 'drizzle-orm';
import { users, workspaces } from '../drizzle/schema';
import { hashPassword } from '../server/auth/passwords';
import type { Database } from '../server/db/database';
import { seedScale } from '../server/db/seed-scale';

/** A workspace of its own for the large-export flows, so the demo workspaces stay small and exact. */
export const scaleWorkspace = {
  slug: 'initech',
  name: 'Initech',
  admin: { email: 'admin@initech.test', name: 'Bill Lumbergh', password: 'demo1234' },
};

export async function seedScaleWorkspace(database: Database, people: number): Promise<void> {
  const [existing] = await database.db
    .select({ id: workspaces.id })
    .from(workspaces)
    .where(eq(workspaces.slug, scaleWorkspace.slug));
  if (existing) return;
  const [workspace] = await database.db
    .insert(workspaces)
    .values({ slug: scaleWorkspace.slug, name: scaleWorkspace.name })
    .returning();
  if (!workspace) throw new Error('workspace insert returned nothing');
  await database.db.insert(users).values({
    workspaceId: workspace.id,
    email: scaleWorkspace.admin.email,
    name: scaleWorkspace.admin.name,
    role: 'admin',
    passwordHash: await hashPassword(scaleWorkspace.admin.password),
  });
  await seedScale(database, scaleWorkspace.slug, { companies: 500, people, conversations: 0, activities: 0 });
}
