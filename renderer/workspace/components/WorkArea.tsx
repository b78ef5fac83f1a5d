import { lazy, Suspense } from 'react';
import { useWorkspace } from '../store.js';
import { panelDomId, TabBar, tabDomId } from './TabBar.js';

// CodeMirror and xterm.js load with the first editor or terminal, not with the page.
const EditorPane = lazy(() => import('./EditorPane.js').then((m) => ({ default: m.EditorPane })));
const TerminalPane = lazy(() => import('./TerminalPane.js').then((m) => ({ default: m.TerminalPane })));

function PaneLoading() {
  return (
    <div className="pane-message" role="status">
      <span className="spinner" aria-hidden="true" /> Loading…
    </div>
  );
}

function NothingOpen() {
  return (
    <div className="pane-message nothing-open">
      <h2>Nothing open</h2>
      <p className="muted">Open a file from the list, create one with “New file”, or start a terminal.</p>
    </div>
  );
}

/**
 * The tabs and their panels. Every panel stays mounted (hidden when not selected) so editors keep
 * their edits and undo history and terminals keep their screen.
 */
export function WorkArea() {
  const tabs = useWorkspace((s) => s.tabs);
  const activeTab = useWorkspace((s) => s.activeTab);
  return (
    <main className="work" id="main">
      <TabBar />
      <div className="panels">
        {tabs.length === 0 && <NothingOpen />}
        {tabs.map((tab) => {
          const active = tab.id === activeTab;
          return (
            <section
              key={tab.id}
              role="tabpanel"
              id={panelDomId(tab.id)}
              aria-labelledby={tabDomId(tab.id)}
              className="panel-tab"
              hidden={!active}
            >
              <Suspense fallback={<PaneLoading />}>
                {tab.kind === 'editor' ? (
                  <EditorPane tab={tab} active={active} />
                ) : (
                  <TerminalPane tab={tab} active={active} />
                )}
              </Suspense>
            </section>
          );
        })}
      </div>
    </main>
  );
}
