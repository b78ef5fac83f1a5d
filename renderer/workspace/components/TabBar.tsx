import type { KeyboardEvent } from 'react';
import { tabTitle, useWorkspace } from '../store.js';
import { CloseIcon, FileIcon, PlusIcon, TerminalIcon } from './Icons.js';

export const tabDomId = (id: string) => `tab-${id}`;
export const panelDomId = (id: string) => `panel-${id}`;

/** Editor and terminal tabs (arrow keys move between them, Delete closes one) and "New terminal". */
export function TabBar() {
  const tabs = useWorkspace((s) => s.tabs);
  const activeTab = useWorkspace((s) => s.activeTab);
  const activate = useWorkspace((s) => s.activate);
  const closeTab = useWorkspace((s) => s.closeTab);
  const openTerminal = useWorkspace((s) => s.openTerminal);

  const onKeyDown = (e: KeyboardEvent<HTMLButtonElement>, index: number) => {
    let next: number | null = null;
    if (e.key === 'ArrowRight') next = (index + 1) % tabs.length;
    else if (e.key === 'ArrowLeft') next = (index - 1 + tabs.length) % tabs.length;
    else if (e.key === 'Home') next = 0;
    else if (e.key === 'End') next = tabs.length - 1;
    else if (e.key === 'Delete') {
      e.preventDefault();
      const tab = tabs[index];
      if (tab) closeTab(tab.id);
      return;
    }
    const target = next === null ? undefined : tabs[next];
    if (!target) return;
    e.preventDefault();
    activate(target.id);
    document.getElementById(tabDomId(target.id))?.focus();
  };

  return (
    <div className="tabbar">
      <div className="tabs" role="tablist" aria-label="Open files and terminals">
        {tabs.map((tab, index) => {
          const selected = tab.id === activeTab;
          const title = tabTitle(tab);
          const dirty = tab.kind === 'editor' && tab.dirty;
          return (
            <div key={tab.id} className={`tab${selected ? ' tab-selected' : ''}`}>
              <button
                type="button"
                role="tab"
                id={tabDomId(tab.id)}
                className="tab-button"
                aria-selected={selected}
                aria-controls={panelDomId(tab.id)}
                tabIndex={selected ? 0 : -1}
                onClick={() => activate(tab.id)}
                onKeyDown={(e) => onKeyDown(e, index)}
                title={tab.kind === 'editor' ? tab.path : title}
              >
                {tab.kind === 'editor' ? <FileIcon /> : <TerminalIcon />}
                <span className="tab-title">{title}</span>
                {dirty && (
                  <span className="tab-dirty" title="Unsaved changes">
                    <span className="visually-hidden">(unsaved changes)</span>
                  </span>
                )}
              </button>
              <button
                type="button"
                className="tab-close"
                aria-label={`Close ${title}`}
                tabIndex={selected ? 0 : -1}
                onClick={() => closeTab(tab.id)}
              >
                <CloseIcon />
              </button>
            </div>
          );
        })}
      </div>
      <button type="button" className="button button-small tabbar-new" onClick={openTerminal}>
        <PlusIcon /> New terminal
      </button>
    </div>
  );
}
