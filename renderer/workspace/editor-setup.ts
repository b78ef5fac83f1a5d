// CodeMirror 6 setup: the `codemirror` package's basicSetup (search included), Tab indenting,
// a theme on the hub's CSS variables and the language for a file name, loaded on demand.
import { indentWithTab } from '@codemirror/commands';
import type { LanguageSupport } from '@codemirror/language';
import type { Extension } from '@codemirror/state';
import { EditorView, keymap } from '@codemirror/view';
import { basicSetup as codemirrorBasicSetup } from 'codemirror';

// Tab indents; Escape then Tab leaves the editor (CodeMirror's keyboard-trap escape hatch).
export const basicSetup: Extension = [codemirrorBasicSetup, keymap.of([indentWithTab])];

/** Colours from the hub's stylesheet, so light and dark follow the OS like the rest of the UI. */
export const workspaceTheme: Extension = EditorView.theme({
  '&': { height: '100%', backgroundColor: 'var(--surface)', color: 'var(--text)', fontSize: '0.9rem' },
  '.cm-scroller': { fontFamily: 'var(--font-mono)', lineHeight: '1.5' },
  '.cm-content': { caretColor: 'var(--text)' },
  '.cm-cursor, .cm-dropCursor': { borderLeftColor: 'var(--text)' },
  '.cm-gutters': {
    backgroundColor: 'var(--surface-sunken)',
    color: 'var(--text-muted)',
    borderRight: '1px solid var(--border)',
  },
  '.cm-activeLine': { backgroundColor: 'color-mix(in srgb, var(--accent-soft) 55%, transparent)' },
  '.cm-activeLineGutter': { backgroundColor: 'var(--accent-soft)', color: 'var(--text)' },
  '&.cm-focused .cm-selectionBackground, .cm-selectionBackground, ::selection': {
    backgroundColor: 'color-mix(in srgb, var(--accent) 28%, transparent) !important',
  },
  '&.cm-focused': { outline: 'none' },
});

/** The language for a file name (by extension or known name), or null for plain text. */
export async function languageFor(fileName: string): Promise<LanguageSupport | null> {
  const { languages } = await import('@codemirror/language-data');
  const name = fileName.toLowerCase();
  const dot = name.lastIndexOf('.');
  const ext = dot > 0 ? name.slice(dot + 1) : null;
  const match = languages.find(
    (lang) => lang.filename?.test(fileName) || (ext !== null && lang.extensions.includes(ext)),
  );
  return match ? match.load() : null;
}
