import { useEffect, useState } from 'react';

export type Route =
  | { page: 'chat' }
  | { page: 'workflows'; workflowId?: string }
  | { page: 'history' }
  | { page: 'monitoring' }
  | { page: 'execution'; executionId: string; params: URLSearchParams };

export function parseHash(hash: string): Route {
  const [path = '', query = ''] = hash.replace(/^#\/?/, '').split('?');
  const [head, id] = path.split('/').map(decodeURIComponent);
  if (head === 'workflows') return { page: 'workflows', workflowId: id || undefined };
  if (head === 'history') return { page: 'history' };
  if (head === 'monitoring') return { page: 'monitoring' };
  if (head === 'executions' && id) return { page: 'execution', executionId: id, params: new URLSearchParams(query) };
  return { page: 'chat' };
}

export function navigate(path: string): void {
  window.location.hash = path.startsWith('#') ? path : `#${path}`;
}

/** Hash routing: the gateway serves one index.html, so every page lives after the `#`. */
export function useHashRoute(): Route {
  const [route, setRoute] = useState(() => parseHash(window.location.hash));
  useEffect(() => {
    const onChange = () => setRoute(parseHash(window.location.hash));
    window.addEventListener('hashchange', onChange);
    return () => window.removeEventListener('hashchange', onChange);
  }, []);
  return route;
}
