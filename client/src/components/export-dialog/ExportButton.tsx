import { useId, useState } from 'react';
import { exportBlockedReason, useSession } from '../../app/session';
import { Button } from '../ui/Button';
import { ExportDialog, type ExportDialogProps } from './ExportDialog';

/** The record pages' Export button: opens the dialog, or says why the user cannot export. */
export function ExportButton(props: Omit<ExportDialogProps, 'onClose'> & { blockedByProblem: boolean }) {
  const me = useSession();
  const [open, setOpen] = useState(false);
  const reasonId = useId();
  const blocked =
    exportBlockedReason(me) ?? (props.blockedByProblem ? 'Fix the filter before exporting.' : null);
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
      {blocked ? (
        <span id={reasonId} className="export-blocked" role="note">
          {blocked}
        </span>
      ) : null}
      {open ? (
        <ExportDialog
          object={props.object}
          filter={props.filter}
          sort={props.sort}
          columns={props.columns}
          views={props.views}
          viewId={props.viewId}
          onClose={() => setOpen(false)}
        />
      ) : null}
    </div>
  );
}
