import { renderConfigurationTable } from './env';

const startMarker = /<!-- config:start[^>]*-->/;
const endMarker = '<!-- config:end -->';

/** The README with the table between its config markers replaced by the one the env schema generates. */
export function readmeWithConfiguration(readme: string): string {
  const start = startMarker.exec(readme);
  const end = readme.indexOf(endMarker);
  if (!start || end < start.index)
    throw new Error('README.md lacks the <!-- config:start --> … <!-- config:end --> markers');
  const head = readme.slice(0, start.index + start[0].length);
  return `${head}\n${renderConfigurationTable()}\n${readme.slice(end)}`;
}
