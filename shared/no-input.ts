import { z } from 'zod';

/** The input of a procedure that takes none: nothing, or `{}`; any field sent is a VALIDATION_ERROR, never ignored. */
export const NoInput = z.strictObject({}).optional();
