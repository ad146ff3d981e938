import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import nodemailer from 'nodemailer';
import type { Logger } from 'pino';
import { objectSpec } from '../../../shared/catalog';
import { type ExportSummary, formatLabels } from '../../../shared/exports';
import type { ExportEvent } from '../run-export';

export interface Mailer {
  send(message: { to: string; subject: string; text: string; html: string }): Promise<void>;
}

/**
 * SMTP_URL when set; otherwise every message becomes an .eml file under $DATA_DIR/outbox (and a log
 * line), so a newcomer sees what would have been sent without configuring a mail server.
 */
export function createMailer(
  env: { SMTP_URL?: string; MAIL_FROM: string; DATA_DIR: string },
  logger: Logger,
): Mailer {
  if (env.SMTP_URL) {
    const transport = nodemailer.createTransport(env.SMTP_URL);
    return {
      async send(message) {
        await transport.sendMail({ from: env.MAIL_FROM, ...message });
      },
    };
  }
  const outbox = path.join(env.DATA_DIR, 'outbox');
  const transport = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix' });
  return {
    async send(message) {
      const info = await transport.sendMail({ from: env.MAIL_FROM, ...message });
      await mkdir(outbox, { recursive: true });
      const file = path.join(
        outbox,
        `${new Date().toISOString().replace(/[:.]/g, '-')}-${info.messageId.replace(/[^\w.-]/g, '')}.eml`,
      );
      await writeFile(file, info.message as Buffer);
      logger.info(
        { to: message.to, subject: message.subject, file },
        'email written to the outbox (SMTP_URL is not set)',
      );
    },
  };
}

function humanSize(bytes: number | null): string {
  if (bytes == null) return '—';
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);

/** The zone the requester exported in (the dialog sends the browser's), else UTC. */
function requesterZone(summary: ExportSummary): string {
  return summary.request.options?.timezone ?? 'UTC';
}

/** A moment for a person to read: `Saturday 5 December 2026 at 08:10 (Europe/Paris)`. */
export function humanDateTime(iso: string, zone: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  const text = new Intl.DateTimeFormat('en-GB', {
    dateStyle: 'full',
    timeStyle: 'short',
    timeZone: zone,
  }).format(date);
  return `${text} (${zone})`;
}

/**
 * The message about one export. It links to the app's Exports page, never to the file: a signed file
 * link in an email would sit in mail logs and forwards long after it should have stopped working.
 */
export function exportEmail(summary: ExportSummary, event: ExportEvent, appUrl: string) {
  const object = objectSpec(summary.object).plural;
  const format = formatLabels[summary.format];
  const link = `${appUrl.replace(/\/$/, '')}/exports?highlight=${summary.id}`;
  const done = event === 'export.completed';
  const subject = done
    ? `Your ${object} export is ready (${summary.processedRows.toLocaleString('en-US')} rows, ${format})`
    : `Your ${object} export failed`;
  const lines = done
    ? [
        `Your export of ${object} has finished.`,
        '',
        `Rows: ${summary.processedRows.toLocaleString('en-US')}`,
        `Format: ${format}`,
        `Size: ${humanSize(summary.fileSize)}`,
        `Available until: ${summary.expiresAt ? humanDateTime(summary.expiresAt, requesterZone(summary)) : '—'}`,
        '',
        `Download it from the Exports page: ${link}`,
      ]
    : [
        `Your export of ${object} (${format}) could not be completed.`,
        '',
        `Reason: ${summary.error?.message ?? 'unknown'}`,
        '',
        `See it, or run it again, on the Exports page: ${link}`,
      ];
  const text = lines.join('\n');
  const html = `<p>${lines
    .map((line) => escapeHtml(line))
    .join('<br>')
    .replace(escapeHtml(link), `<a href="${escapeHtml(link)}">${escapeHtml(link)}</a>`)}</p>`;
  return { subject, text, html };
}
