// A tiny History API router: the app has a handful of paths, which does not warrant a library.
import { type AnchorHTMLAttributes, type MouseEvent, useSyncExternalStore } from 'react';

export const ROUTES = {
  overview: '/',
  projects: '/projects',
  backups: '/backups',
  hosts: '/hosts',
  health: '/health',
  settings: '/settings',
  setup: '/setup',
} as const;

const listeners = new Set<() => void>();
/** True once the user moved between pages in this tab; pages then take focus for screen readers. */
let navigated = false;

function notify() {
  for (const l of listeners) l();
}

function subscribe(listener: () => void) {
  listeners.add(listener);
  if (listeners.size === 1) window.addEventListener('popstate', notify);
  return () => {
    listeners.delete(listener);
    if (listeners.size === 0) window.removeEventListener('popstate', notify);
  };
}

export function navigate(path: string, opts: { replace?: boolean } = {}) {
  if (path === window.location.pathname) return;
  if (opts.replace) window.history.replaceState(null, '', path);
  else {
    window.history.pushState(null, '', path);
    navigated = true;
  }
  notify();
  window.scrollTo(0, 0);
}

export function usePath(): string {
  return useSyncExternalStore(subscribe, () => window.location.pathname);
}

export function userNavigated(): boolean {
  return navigated;
}

type LinkProps = Omit<AnchorHTMLAttributes<HTMLAnchorElement>, 'href'> & { to: string };

/** An anchor that routes in-app; modified clicks (new tab, …) keep the browser's behaviour. */
export function Link({ to, onClick, ...rest }: LinkProps) {
  const path = usePath();
  const handle = (e: MouseEvent<HTMLAnchorElement>) => {
    onClick?.(e);
    if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    e.preventDefault();
    navigate(to);
  };
  return <a href={to} aria-current={path === to ? 'page' : undefined} onClick={handle} {...rest} />;
}
