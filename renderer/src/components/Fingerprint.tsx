import { Fragment } from 'react';

/**
 * A colon-separated SHA-256 fingerprint that wraps only between bytes, so a line break never
 * splits a pair people compare by eye.
 */
export function Fingerprint({ value, testId }: { value: string; testId?: string }) {
  const parts = value.split(':');
  return (
    <span className="mono fingerprint" data-testid={testId}>
      {parts.map((part, i) => (
        // Bytes repeat ("AB:AB"), so the position is the only stable key.
        // biome-ignore lint/suspicious/noArrayIndexKey: the list never reorders.
        <Fragment key={i}>
          {part}
          {i < parts.length - 1 && (
            <>
              :<wbr />
            </>
          )}
        </Fragment>
      ))}
    </span>
  );
}
