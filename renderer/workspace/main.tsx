import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import '../src/styles.css';
import { App } from './components/App.js';
import { startWorkspace } from './store.js';
import './workspace.css';

const root = document.getElementById('root');
if (!root) throw new Error('workspace.html has no #root element');
startWorkspace();
createRoot(root).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
