import { CopyButton } from './CopyButton.js';

/** A shell command to run, shown in full (it wraps) with a copy button. */
export function CommandLine({ command }: { command: string }) {
  return (
    <div className="command">
      <code className="mono">{command}</code>
      <CopyButton text={command} label="Copy command" />
    </div>
  );
}
