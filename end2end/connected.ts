// The connected-mode OpsFlow the end-to-end tests run beside the demo one: its settings, and
// the stand-in HighLevel (the test suite's, as a process: server/examples/highlevel_standin.rs)
// it talks to. The ids are the stand-in's.
export const connectedPort = Number(process.env.OPSFLOW_E2E_CONNECTED_PORT ?? 3101);
export const standInPort = Number(process.env.OPSFLOW_E2E_STANDIN_PORT ?? 3199);
export const connectedBase = `http://127.0.0.1:${connectedPort}`;
export const standInBase = `http://127.0.0.1:${standInPort}`;
// Where the test's host page plays HighLevel's app (a site of its own: localhost, not 127.0.0.1).
export const hostPort = Number(process.env.OPSFLOW_E2E_HOST_PORT ?? 3198);
export const hostBase = `http://localhost:${hostPort}`;
export const sharedSecret = 'e2e-shared-secret-4c1f';

export const highlevel = {
  company: 'GNb7aIv4rQFVb9iwNl5K',
  location: 've9EPM428h8vShlRW1KT',
  contact: 'cJAWDskpkJHbRbhAT7bs',
  opportunity: 'wWhVuzqpRuOA1ZVWi4FC',
  pipeline: 'VDm7RPYC2GLUvdpKmBfC',
  inspection: '7915dedc-8f18-44d5-8bc3-77c04e994a10',
  quoted: '0c1d2e3f-4a5b-4c6d-8e7f-901234567890',
  // A member of the sub-account's staff, and an agency admin (so HighLevel's users API says).
  user: 'MKQJ7wOVVmNOMvrnKKKK',
  agencyAdmin: 'AvAgencyAdmin0000001',
};

export const connectedEnv = {
  RUST_LOG: 'warn',
  HIGHLEVEL_CLIENT_ID: '68a32958b5154ca8bbdc4d40-meh5chaj',
  HIGHLEVEL_CLIENT_SECRET: 'client-secret',
  HIGHLEVEL_REDIRECT_URL: `${connectedBase}/oauth/highlevel/callback`,
  HIGHLEVEL_SHARED_SECRET: sharedSecret,
  // A key pair made for these tests only (its private half signs the test's webhooks).
  HIGHLEVEL_WEBHOOK_ED25519_KEY: 'end2end/fixtures/webhook-ed25519.pub.pem',
  HIGHLEVEL_API_BASE: standInBase,
  HIGHLEVEL_MARKETPLACE_URL: standInBase,
  OPSFLOW_SECRET_KEY: 'BwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc=',
  OPSFLOW_FRAME_ANCESTORS: `https://app.gohighlevel.com ${hostBase}`,
};
