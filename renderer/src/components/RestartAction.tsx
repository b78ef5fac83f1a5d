import { useState } from 'react';
import { desktopBridge } from '../desktop-bridge.js';
import { CommandLine } from './CommandLine.js';

interface Props {
  /** The data dir the hub should start on, and the shell command that does it. */
  target: { dataDir: string; command: string; env?: Record<string, string> };
  /** The data dir of the running hub (a different target means switching data dirs). */
  currentDataDir: string;
  /** PID of the running hub, so the browser hint can say what to stop. */
  pid?: number | undefined;
}

type RestartState = { state: 'idle' } | { state: 'restarting' } | { state: 'failed'; message: string };

/**
 * How to restart: a button in the desktop window (the app owns the hub process), the exact
 * command in a browser (the hub runs in someone's terminal or as a service).
 */
export function RestartAction({ target, currentDataDir, pid }: Props) {
  const bridge = desktopBridge();
  const [restart, setRestart] = useState<RestartState>({ state: 'idle' });
  const switching = target.dataDir !== currentDataDir;

  if (bridge) {
    const run = async () => {
      setRestart({ state: 'restarting' });
      try {
        if (switching) await bridge.setDataDir(target.dataDir, target.env ?? {});
        await bridge.restartHub();
      } catch (err) {
        setRestart({ state: 'failed', message: err instanceof Error ? err.message : String(err) });
      }
    };
    return (
      <div className="restart-action">
        <button
          type="button"
          className="button button-primary"
          onClick={run}
          disabled={restart.state === 'restarting'}
        >
          {restart.state === 'restarting' ? 'Restarting…' : switching ? 'Switch and restart' : 'Restart hub'}
        </button>
        {restart.state === 'failed' && (
          <p className="field-error" role="alert">
            Restart failed: {restart.message}
          </p>
        )}
      </div>
    );
  }

  return (
    <div className="restart-action">
      <p>
        Stop the running hub (Ctrl+C in its terminal{pid === undefined ? '' : `, or kill ${pid}`}), then start
        it {switching ? 'on the new data dir' : 'again'}:
      </p>
      <CommandLine command={target.command} />
    </div>
  );
}
