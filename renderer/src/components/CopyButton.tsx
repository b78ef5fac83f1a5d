import { useEffect, useState } from 'react';
import { copyText } from '../clipboard.js';

type CopyState = 'idle' | 'copied' | 'failed';

/** Copies `text`; the result is announced to screen readers and fades back after a moment. */
export function CopyButton({ text, label }: { text: string; label: string }) {
  const [state, setState] = useState<CopyState>('idle');
  useEffect(() => {
    if (state === 'idle') return;
    const timer = window.setTimeout(() => setState('idle'), 2000);
    return () => window.clearTimeout(timer);
  }, [state]);

  const copy = () => {
    copyText(text).then(
      () => setState('copied'),
      (err: unknown) => {
        console.warn('launchpad: copy failed', err);
        setState('failed');
      },
    );
  };
  return (
    <button type="button" className="button button-small" onClick={copy} aria-label={label}>
      <span aria-live="polite">
        {state === 'copied' ? 'Copied' : state === 'failed' ? 'Copy failed' : 'Copy'}
      </span>
    </button>
  );
}
