import { defineConfig } from '@playwright/test';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectedEnv, connectedPort, standInPort } from './connected';

// One fresh OpsFlow with the demo agency per run, on its own port and data directory.
const port = Number(process.env.OPSFLOW_E2E_PORT ?? 3100);
const binary = process.env.OPSFLOW_BIN ?? 'target/release/opsflow';
const dataDir = mkdtempSync(join(tmpdir(), 'opsflow-e2e-'));
const connectedDataDir = mkdtempSync(join(tmpdir(), 'opsflow-e2e-connected-'));
const standIn = process.env.OPSFLOW_STANDIN_BIN ?? 'target/release/examples/highlevel_standin';

// Debian's Chromium; Playwright's own browser download is not available here.
const chromium = {
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: [
    '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync',
  ],
};

export default defineConfig({
  testDir: './tests',
  outputDir: './test-results',
  fullyParallel: false,
  workers: 1,
  retries: 0,
  timeout: 60_000,
  expect: { timeout: 10_000 },
  reporter: [['list']],
  use: {
    baseURL: `http://127.0.0.1:${port}`,
    launchOptions: chromium,
    viewport: { width: 1280, height: 900 },
    screenshot: 'only-on-failure',
    trace: 'off',
  },
  projects: [
    { name: 'hydrated', testIgnore: /ssr\.spec\.ts/ },
    { name: 'ssr', testMatch: /ssr\.spec\.ts/, use: { javaScriptEnabled: false } },
  ],
  webServer: [
    {
      command: `${binary} serve --demo --addr 127.0.0.1:${port} --data-dir ${dataDir}`,
      cwd: '..',
      url: `http://127.0.0.1:${port}/readyz`,
      reuseExistingServer: false,
      timeout: 60_000,
      env: { RUST_LOG: 'warn' },
      stdout: 'ignore',
      stderr: 'pipe',
    },
    // A stand-in HighLevel, and an OpsFlow connected to it (no demo data: it is installed by
    // the test, through the OAuth flow).
    {
      command: `${standIn} 127.0.0.1:${standInPort}`,
      cwd: '..',
      url: `http://127.0.0.1:${standInPort}/standin/crm`,
      reuseExistingServer: false,
      timeout: 60_000,
      stdout: 'ignore',
      stderr: 'pipe',
    },
    {
      command: `${binary} serve --addr 127.0.0.1:${connectedPort} --data-dir ${connectedDataDir}`,
      cwd: '..',
      url: `http://127.0.0.1:${connectedPort}/readyz`,
      reuseExistingServer: false,
      timeout: 60_000,
      env: connectedEnv,
      stdout: 'ignore',
      stderr: 'pipe',
    },
  ],
});
