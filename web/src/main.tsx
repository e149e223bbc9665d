import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { BrowserRouter } from 'react-router';
import { App } from './App';
import { AuthProvider } from './auth/AuthProvider';
import { loadConfig } from './config';
import './styles.css';

const root = createRoot(document.getElementById('root')!);

loadConfig().then(
  (config) =>
    root.render(
      <StrictMode>
        <AuthProvider config={config}>
          <BrowserRouter>
            <App />
          </BrowserRouter>
        </AuthProvider>
      </StrictMode>,
    ),
  (error: unknown) =>
    root.render(
      <main className="nhsuk-width-container nhsuk-main-wrapper" id="maincontent">
        <h1 className="nhsuk-heading-l">Sorry, there is a problem with the service</h1>
        <p className="nhsuk-body">The console could not load its settings: {String(error)}</p>
      </main>,
    ),
);
