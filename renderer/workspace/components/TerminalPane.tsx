import '@xterm/xterm/css/xterm.css';
import { FitAddon } from '@xterm/addon-fit';
import { type ITheme, Terminal } from '@xterm/xterm';
import { useEffect, useRef } from 'react';
import { signInHref } from '../project.js';
import { channel } from '../realtime.js';
import { type TerminalTabState, useWorkspace } from '../store.js';

/** Terminal colours from the page's CSS variables, so it follows light and dark mode. */
function themeFromPage(): ITheme {
  const css = getComputedStyle(document.documentElement);
  const v = (name: string) => css.getPropertyValue(name).trim();
  return {
    background: v('--surface-sunken'),
    foreground: v('--text'),
    cursor: v('--text'),
    cursorAccent: v('--surface-sunken'),
    selectionBackground: `color-mix(in srgb, ${v('--accent')} 35%, transparent)`,
  };
}

function exitLine(code: number | null): string {
  return `\r\n\x1b[2m[the shell exited${code === null ? '' : ` with code ${code}`}]\x1b[0m\r\n`;
}

function TerminalExited({ tab, onRestart }: { tab: TerminalTabState; onRestart: () => void }) {
  const closeTab = useWorkspace((s) => s.closeTab);
  return (
    <div className="terminal-bar" role="status">
      <span>The shell exited{tab.exit?.code == null ? '' : ` with code ${tab.exit.code}`}.</span>
      <div className="button-row">
        <button type="button" className="button button-small" onClick={onRestart}>
          Start a new shell
        </button>
        <button type="button" className="button button-small" onClick={() => closeTab(tab.id)}>
          Close
        </button>
      </div>
    </div>
  );
}

/**
 * One terminal: xterm.js over the realtime channel. `term.open` goes out on every (re)connect with
 * the same id, so a reload or a dropped connection reattaches to the same shell; the server
 * replays its recent output, so the screen is cleared first.
 */
export function TerminalPane({ tab, active }: { tab: TerminalTabState; active: boolean }) {
  const connection = useWorkspace((s) => s.connection);
  const host = useRef<HTMLElement>(null);
  const term = useRef<Terminal | null>(null);
  const fit = useRef<() => void>(() => undefined);
  const reopen = useRef<() => void>(() => undefined);
  const exited = tab.exit !== undefined;

  useEffect(() => {
    const el = host.current;
    if (!el) return;
    const id = tab.id;
    const css = getComputedStyle(document.documentElement);
    const t = new Terminal({
      fontFamily: css.getPropertyValue('--font-mono').trim() || 'monospace',
      fontSize: 13,
      cursorBlink: true,
      scrollback: 5000,
      theme: themeFromPage(),
    });
    const fitAddon = new FitAddon();
    t.loadAddon(fitAddon);
    t.open(el);
    term.current = t;

    let size = { cols: t.cols, rows: t.rows };
    let opened = false;
    const doFit = () => {
      // A hidden tab has no size; it fits when shown.
      if (el.offsetWidth === 0 || el.offsetHeight === 0) return;
      fitAddon.fit();
      if (t.cols === size.cols && t.rows === size.rows) return;
      size = { cols: t.cols, rows: t.rows };
      if (opened) channel.send({ t: 'term.resize', term: id, cols: t.cols, rows: t.rows });
    };
    fit.current = doFit;
    doFit();
    const resizes = new ResizeObserver(() => doFit());
    resizes.observe(el);

    const open = () => {
      doFit();
      // What the server replays on reattach replaces what is on screen.
      t.reset();
      opened = true;
      channel.send({ t: 'term.open', term: id, cols: t.cols, rows: t.rows });
    };
    reopen.current = open;
    const offOpen = channel.onOpen(open);
    const offMessage = channel.onMessage((msg) => {
      if (msg.t === 'term.output' && msg.term === id) t.write(msg.data);
      else if (msg.t === 'term.exit' && msg.term === id) t.write(exitLine(msg.code));
      else if (msg.t === 'error' && msg.term === id) t.write(`\r\n\x1b[31m${msg.message}\x1b[0m\r\n`);
    });
    const input = t.onData((data) => channel.send({ t: 'term.input', term: id, data }));

    const scheme = window.matchMedia('(prefers-color-scheme: dark)');
    const retheme = () => {
      t.options.theme = themeFromPage();
    };
    scheme.addEventListener('change', retheme);

    return () => {
      scheme.removeEventListener('change', retheme);
      input.dispose();
      offMessage();
      offOpen();
      resizes.disconnect();
      fit.current = () => undefined;
      reopen.current = () => undefined;
      term.current = null;
      t.dispose();
    };
  }, [tab.id]);

  // After the shell exited, the same id opens a new one.
  const restart = () => {
    useWorkspace.setState((s) => ({
      tabs: s.tabs.map((t) => (t.id === tab.id && t.kind === 'terminal' ? { ...t, exit: undefined } : t)),
    }));
    reopen.current();
    term.current?.focus();
  };

  useEffect(() => {
    if (!active) return;
    fit.current();
    term.current?.focus();
  }, [active]);

  return (
    <div className="terminal">
      {connection !== 'live' && !exited && (
        <div className="terminal-bar terminal-offline" role="status">
          {connection === 'signed-out' ? (
            <span>
              Signed out of the hub: <a href={signInHref()}>sign in</a> to use this terminal again. Its shell
              keeps running for a while.
            </span>
          ) : (
            'Not connected — reconnecting… Typing is paused until the connection is back.'
          )}
        </div>
      )}
      {exited && <TerminalExited tab={tab} onRestart={restart} />}
      <section ref={host} className="terminal-host" aria-label="Terminal" />
    </div>
  );
}
