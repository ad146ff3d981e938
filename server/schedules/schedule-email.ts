import type { ExportSummary } from '../../shared/exports';
import { exportEmail } from '../exports/notify/export-email';
import type { ExportEvent } from '../exports/run-export';

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);

/**
 * The message about one run of a schedule: the export's own message (a link to the Exports page, never
 * to the file), named after the schedule.
 */
export function scheduleEmail(
  scheduleName: string,
  summary: ExportSummary,
  event: ExportEvent,
  appUrl: string,
  attempts?: number,
) {
  const message = exportEmail(summary, event, appUrl);
  const intro =
    event === 'export.completed'
      ? `Scheduled export “${scheduleName}” has run.`
      : `Scheduled export “${scheduleName}” failed${attempts && attempts > 1 ? ` ${attempts} times in a row` : ''}; it runs again at its next time.`;
  return {
    subject: `${scheduleName}: ${message.subject}`,
    text: `${intro}\n\n${message.text}`,
    html: `<p>${escapeHtml(intro)}</p>${message.html}`,
  };
}

/** Tells the owner their schedule stopped, and why. */
export function schedulePausedEmail(
  scheduleName: string,
  reason: string,
  appUrl: string,
  owner: { name: string },
) {
  const link = `${appUrl.replace(/\/$/, '')}/exports?tab=schedules`;
  const lines = [
    `Hello ${owner.name},`,
    '',
    `Your scheduled export “${scheduleName}” has been paused and will not run until it is resumed.`,
    '',
    `Why: ${reason}`,
    '',
    `See it on the Exports page, under Schedules: ${link}`,
  ];
  return {
    subject: `Scheduled export paused: ${scheduleName}`,
    text: lines.join('\n'),
    html: `<p>${lines
      .map((line) => escapeHtml(line))
      .join('<br>')
      .replace(escapeHtml(link), `<a href="${escapeHtml(link)}">${escapeHtml(link)}</a>`)}</p>`,
  };
}
