import { desktopBridge } from './desktop-bridge.js';

/** Copies through the desktop bridge when there is one (no permission prompt), else the Clipboard API. */
export function copyText(text: string): Promise<void> {
  const bridge = desktopBridge();
  if (bridge) return bridge.copyText(text);
  if (!navigator.clipboard) return Promise.reject(new Error('this browser offers no clipboard access'));
  return navigator.clipboard.writeText(text);
}
