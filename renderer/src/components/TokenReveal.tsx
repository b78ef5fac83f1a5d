import { useEffect, useRef } from 'react';
import type { CreateTokenResponse } from '../../../server/api/index.js';
import { formatDate } from '../format.js';
import { CommandLine } from './CommandLine.js';
import { CopyButton } from './CopyButton.js';

/** The one time a join token is shown whole: the token, the command that uses it, and Done. */
export function TokenReveal({ created, onDone }: { created: CreateTokenResponse; onDone: () => void }) {
  const heading = useRef<HTMLHeadingElement>(null);
  // Announce it and start keyboard users here, next to the copy buttons.
  useEffect(() => heading.current?.focus(), []);
  const { token, command, view } = created;
  const hosts = view.usesLeft === 1 ? 'one host' : `${view.usesLeft} hosts`;
  return (
    <section className="token-reveal" aria-labelledby="token-reveal-title">
      <h3 id="token-reveal-title" ref={heading} tabIndex={-1}>
        Token created{view.name ? ` for ${view.name}` : ''}
      </h3>
      <p className="notice">
        Copy it now: the hub keeps only a hash, so this token is not shown again once you press Done or leave
        this page.
      </p>
      <p className="field-label">Join token</p>
      <div className="token-box">
        <code className="mono token-value" data-testid="join-token">
          {token}
        </code>
        <CopyButton text={token} label="Copy token" />
      </div>
      <p>On the machine that should join, run:</p>
      <CommandLine command={command} />
      <p className="muted">
        It works for {hosts} until {formatDate(view.expiresAt)}. The host checks this hub’s fingerprints from
        the token before it sends anything.
      </p>
      <div className="button-row">
        <button type="button" className="button button-primary" onClick={onDone}>
          Done
        </button>
      </div>
    </section>
  );
}
