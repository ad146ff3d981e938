import { z } from 'zod';

/**
 * The server's CSP allows no eval; zod would otherwise probe `new Function` (a reported violation) when
 * its object schemas are built, to compile their parsers. Imported first by main.tsx, so it runs before
 * any schema module. The forms' schemas are small: the interpreted path costs nothing visible.
 */
z.config({ jitless: true });
