import { useState } from 'react';
import { exportBlockedReason, useSession } from '../../app/session';
import { Button } from '../ui/Button';
import { ExportDialog, type ExportDialogProps } from './ExportDialog';

/** Why Export is disabled on a record page, or null when it is not. */
export function useExportBlockedReason(blockedByProblem: boolean): string | null {
  const me = useSession();
  return exportBlockedReason(me) ?? (blockedByProblem ? 'Fix the filter before exporting.' : null);
}

/**
 * The record pages' Export button: opens the dialog. When it is disabled, the page shows the reason on
 * its own line (the id `reasonId`), so the hint does not push the header's title and buttons out of line.
 */
export function ExportButton(
  props: Omit<ExportDialogProps, 'onClose'> & { blocked: string | null; reasonId: string },
) {
  const [open, setOpen] = useState(false);
  const { blocked, reasonId } = props;
  return (
    <div className="export-button">
      <Button
        variant="primary"
        disabled={blocked !== null}
        aria-describedby={blocked ? reasonId : undefined}
        onClick={() => setOpen(true)}
        title={blocked ?? undefined}
      >
        <svg width="14" height="14" viewBox="0 0 16 16" fill="none" aria-hidden="true">
          <path
            d="M8 2v8m0 0l-3-3m3 3l3-3M2.5 11v2.5h11V11"
            stroke="currentColor"
            strokeWidth="1.6"
            strokeLinecap="round"
            strokeLinejoin="round"
          />
        </svg>
        Export
      </Button>
      {open ? (
        <ExportDialog
          object={props.object}
          filter={props.filter}
          sort={props.sort}
          columns={props.columns}
          views={props.views}
          viewId={props.viewId}
          selection={props.selection}
          onClose={() => setOpen(false)}
        />
      ) : null}
    </div>
  );
}
