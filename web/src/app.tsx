import { useEffect, useState } from 'react';
import { gateway, getToken, setToken, type Health } from './api/gateway-client.js';
import { ChatPage } from './pages/chat-page.js';
import { ExecutionPage } from './pages/execution-page.js';
import { HistoryPage } from './pages/history-page.js';
import { MonitoringPage } from './pages/monitoring-page.js';
import { WorkflowsPage } from './pages/workflows-page.js';
import { useHashRoute } from './use-hash-route.js';

function TokenField() {
  const [value, setValue] = useState(getToken);
  return (
    <form
      className="token-form"
      onSubmit={(event) => {
        event.preventDefault();
        setToken(value.trim());
        window.location.reload();
      }}
    >
      <label htmlFor="token">Access token</label>
      <input id="token" type="password" value={value} onChange={(event) => setValue(event.target.value)} placeholder="Bearer JWT" />
      <button type="submit" className="sf-button">Save</button>
    </form>
  );
}

function HealthChips({ health, failed }: { health: Health | null; failed: boolean }) {
  if (failed) return <span className="chip chip-bad">Gateway unreachable</span>;
  if (!health) return null;
  return (
    <>
      <span className={`chip ${health.model === 'openai' ? 'chip-ok' : 'chip-warn'}`} title="The model answering chat turns" data-testid="model-chip">
        {health.model === 'openai' ? 'Model: OpenAI' : 'Offline demo model'}
      </span>
      <span className="chip" title="How users are identified">{health.auth === 'jwt' ? 'Signed-in users (JWT)' : 'Local mode'}</span>
      {(health.mcpServers ?? []).map((server) => (
        <span
          key={server.name}
          className={`chip ${server.status === 'ready' ? 'chip-ok' : 'chip-bad'}`}
          data-testid={`mcp-chip-${server.name}`}
          title={server.status === 'ready'
            ? `MCP server (${server.transport}): ${health.tools.filter((t) => t.startsWith(`${server.name}__`)).join(', ')}`
            : `MCP server (${server.transport}) ${server.status}${server.error ? `: ${server.error}` : ''}; its tools fail with tool_unavailable until it is back`}
        >
          MCP {server.name}: {server.status === 'ready' ? `${server.tools} tools` : server.status}
        </span>
      ))}
    </>
  );
}

export function App() {
  const route = useHashRoute();
  const [health, setHealth] = useState<Health | null>(null);
  const [healthFailed, setHealthFailed] = useState(false);

  useEffect(() => {
    gateway.health().then(setHealth, () => setHealthFailed(true));
  }, []);

  const tab = route.page === 'execution' ? (route.params.get('from') === 'workflows' ? 'workflows' : 'history') : route.page;
  const tabs = [
    { id: 'chat', label: 'Chat', href: '#/chat' },
    { id: 'workflows', label: 'Workflows', href: '#/workflows' },
    { id: 'history', label: 'History', href: '#/history' },
    { id: 'monitoring', label: 'Monitoring', href: '#/monitoring' },
  ];

  return (
    <div className="app">
      <header className="topbar">
        <a className="brand" href="#/chat">
          <span className="brand-mark" aria-hidden="true">◆</span> Sapflow
        </a>
        <nav className="tabs" aria-label="Pages">
          {tabs.map((item) => (
            <a key={item.id} href={item.href} className={`tab${tab === item.id ? ' tab-active' : ''}`} aria-current={tab === item.id ? 'page' : undefined}>
              {item.label}
            </a>
          ))}
        </nav>
        <div className="topbar-right">
          {health?.auth === 'jwt' && <TokenField />}
          <HealthChips health={health} failed={healthFailed} />
        </div>
      </header>
      <main className="main">
        {route.page === 'chat' && <ChatPage />}
        {route.page === 'workflows' && <WorkflowsPage workflowId={route.workflowId} />}
        {route.page === 'history' && <HistoryPage />}
        {route.page === 'monitoring' && <MonitoringPage />}
        {route.page === 'execution' && <ExecutionPage key={route.executionId} executionId={route.executionId} params={route.params} />}
      </main>
    </div>
  );
}
