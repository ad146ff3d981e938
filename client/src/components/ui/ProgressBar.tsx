export function ProgressBar({
  value,
  label,
  valueText,
  tone = 'accent',
  size = 'md',
}: {
  value: number;
  label: string;
  valueText?: string;
  tone?: 'accent' | 'success' | 'danger' | 'neutral';
  size?: 'sm' | 'md';
}) {
  const clamped = Math.max(0, Math.min(100, Math.round(value)));
  return (
    <div
      className={`progress progress-${tone} progress-${size}`}
      role="progressbar"
      aria-label={label}
      aria-valuemin={0}
      aria-valuemax={100}
      aria-valuenow={clamped}
      aria-valuetext={valueText ?? `${clamped}%`}
    >
      <div className="progress-fill" style={{ width: `${clamped}%` }} />
    </div>
  );
}
