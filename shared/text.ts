import { z } from 'zod';

/**
 * Text the database can store and every reader can decode. Postgres `text` cannot hold NUL (the driver
 * fails, which used to answer 500), and an unpaired UTF-16 surrogate is not Unicode at all: it becomes
 * U+FFFD (or an encoder error) on its way to UTF-8, so what was stored would differ from what was sent.
 */
const unpairedSurrogate = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Why `value` cannot be stored as text, or undefined when it can. */
export function unsafeTextReason(value: string): string | undefined {
  if (value.includes('\u0000')) return 'must not contain NUL (U+0000) characters';
  if (unpairedSurrogate.test(value)) return 'must be valid Unicode (it contains an unpaired surrogate)';
  return undefined;
}

/** A string schema that refuses NUL and unpaired surrogates; chain `.min()`, `.max()`, `.trim()` as usual. */
export function text() {
  return z.string().superRefine((value, context) => {
    const reason = unsafeTextReason(value);
    if (reason) context.addIssue({ code: 'custom', message: reason });
  });
}

/** Keys that would reach an object's prototype (or shadow it) when a JSON object is used as a map. */
export const prototypeKeys: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * Walks a JSON value and reports every string (key or value) that cannot be stored as text, with its
 * path. Iterative, so a deeply nested value cannot overflow the stack here.
 */
export function unsafeTextIssues(
  value: unknown,
  limit = 10,
): { path: (string | number)[]; message: string }[] {
  const issues: { path: (string | number)[]; message: string }[] = [];
  const pending: { value: unknown; path: (string | number)[] }[] = [{ value, path: [] }];
  while (pending.length && issues.length < limit) {
    const next = pending.pop();
    if (!next) break;
    if (typeof next.value === 'string') {
      const reason = unsafeTextReason(next.value);
      if (reason) issues.push({ path: next.path, message: reason });
    } else if (Array.isArray(next.value)) {
      next.value.forEach((item, index) => {
        pending.push({ value: item, path: [...next.path, index] });
      });
    } else if (next.value && typeof next.value === 'object') {
      for (const [key, item] of Object.entries(next.value)) {
        const reason = unsafeTextReason(key);
        if (reason) issues.push({ path: [...next.path, key], message: `key ${reason}` });
        pending.push({ value: item, path: [...next.path, key] });
      }
    }
  }
  return issues;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * A JSON object whose meaning is checked elsewhere (filters against the attribute catalog, record values),
 * but whose text is safe. Not `z.record`: that copies the object key by key, and copying `"__proto__"`
 * sets the copy's prototype instead of a key — `{"__proto__":{…}}` became `{}`, a filter matching every
 * row. Passed through as sent, the key stays visible, and the filter validator refuses it.
 */
export function jsonObject() {
  return z
    .custom<Record<string, unknown>>(isPlainObject, { message: 'must be a JSON object' })
    .superRefine((value, context) => {
      for (const issue of unsafeTextIssues(value)) context.addIssue({ code: 'custom', ...issue });
    })
    .meta({ type: 'object', additionalProperties: true });
}
