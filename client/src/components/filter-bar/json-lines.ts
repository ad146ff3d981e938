/**
 * `JSON.stringify(value, null, 2)`, line by line, remembering on which line each filter path starts, so
 * an INVALID_FILTER `details.path` such as `$and[1].status.$gt` can be marked on its line.
 */
export function jsonWithPathLines(value: unknown): { text: string; lineOf: Map<string, number> } {
  const lines: string[] = [];
  const lineOf = new Map<string, number>();

  function write(node: unknown, path: string, indent: string, prefix: string, suffix: string) {
    lineOf.set(path, lines.length);
    if (Array.isArray(node)) {
      if (node.length === 0) {
        lines.push(`${indent}${prefix}[]${suffix}`);
        return;
      }
      lines.push(`${indent}${prefix}[`);
      for (const [index, item] of node.entries())
        write(item, `${path}[${index}]`, `${indent}  `, '', index < node.length - 1 ? ',' : '');
      lines.push(`${indent}]${suffix}`);
      return;
    }
    if (typeof node === 'object' && node !== null) {
      const entries = Object.entries(node);
      if (entries.length === 0) {
        lines.push(`${indent}${prefix}{}${suffix}`);
        return;
      }
      lines.push(`${indent}${prefix}{`);
      for (const [index, [key, child]] of entries.entries())
        write(
          child,
          path ? `${path}.${key}` : key,
          `${indent}  `,
          `${JSON.stringify(key)}: `,
          index < entries.length - 1 ? ',' : '',
        );
      lines.push(`${indent}}${suffix}`);
      return;
    }
    lines.push(`${indent}${prefix}${JSON.stringify(node)}${suffix}`);
  }

  write(value, '', '', '', '');
  return { text: lines.join('\n'), lineOf };
}

/** The line of the longest known prefix of `path` (a reason about `$gt` may name a path one level deeper). */
export function lineOfPath(lineOf: Map<string, number>, path: string): number | undefined {
  let candidate = path;
  while (candidate) {
    const line = lineOf.get(candidate);
    if (line !== undefined) return line;
    const cut = Math.max(candidate.lastIndexOf('.'), candidate.lastIndexOf('['));
    candidate = cut > 0 ? candidate.slice(0, cut) : '';
  }
  return lineOf.get('');
}
