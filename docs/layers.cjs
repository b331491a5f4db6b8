// The layer map of docs/architecture.md, enforced: `npm test` runs it
// (test/unit/layers.test.ts) and `npm run layers` prints every violation.
// A layer may import only the layers listed for it; `import type` is allowed
// everywhere a type is needed except into commands and cli from above.

/** Folders under src/ and what each may import (besides itself, npm packages and node:). */
const LAYERS = {
  errors: [],
  http: ['errors'],
  config: ['errors'],
  crypto: ['errors'],
  p2p: ['crypto', 'config', 'errors'],
  protocol: ['crypto', 'errors'],
  inference: ['protocol', 'config', 'errors'],
  chain: ['crypto', 'config', 'errors'],
  devnet: ['chain', 'crypto', 'config', 'http', 'errors'],
  wallet: ['chain', 'crypto', 'config', 'errors'],
  provider: ['protocol', 'crypto', 'chain', 'inference', 'wallet', 'config', 'http', 'p2p', 'errors'],
  consumer: ['protocol', 'crypto', 'chain', 'wallet', 'config', 'p2p', 'errors'],
  gateway: ['consumer', 'protocol', 'chain', 'config', 'http', 'errors'],
  audit: ['consumer', 'inference', 'protocol', 'chain', 'crypto', 'config', 'errors'],
  app: ['audit', 'gateway', 'provider', 'consumer', 'devnet', 'wallet', 'inference', 'chain', 'protocol', 'crypto', 'config', 'http', 'p2p', 'errors'],
  demo: ['app', 'provider', 'consumer', 'devnet', 'wallet', 'inference', 'chain', 'protocol', 'crypto', 'config', 'errors'],
  cli: ['app', 'audit', 'gateway', 'provider', 'consumer', 'devnet', 'wallet', 'inference', 'chain', 'protocol', 'crypto', 'config', 'errors'],
  commands: ['cli', 'app', 'demo', 'config', 'errors'],
};

// src/errors.ts is a file, the rest are folders.
const where = (layer) => (layer === 'errors' ? 'src/errors\\.ts$' : `src/${layer}/`);

const forbidden = Object.entries(LAYERS).map(([layer, allowed]) => ({
  name: `layer-${layer}`,
  comment: `${layer} may import only: ${allowed.length ? allowed.join(', ') : 'nothing of ours'} (docs/architecture.md)`,
  severity: 'error',
  from: {path: `^${where(layer)}`},
  to: {
    path: '^src/',
    pathNot: [`^${where(layer)}`, ...allowed.map((a) => `^${where(a)}`)],
    // Commands may name any type (views, options); what they run comes from cli and app.
    ...(layer === 'commands' ? {dependencyTypesNot: ['type-only']} : {}),
  },
}));

forbidden.push(
  {
    name: 'no-circular',
    comment: 'A cycle between modules makes load order matter and layers meaningless.',
    severity: 'error',
    from: {path: '^src/'},
    to: {circular: true, dependencyTypesNot: ['type-only']},
  },
  {
    name: 'index-is-the-sdk',
    comment: 'The SDK entry exports library layers, never the CLI.',
    severity: 'error',
    from: {path: '^src/index\\.ts$'},
    to: {path: '^src/(cli|commands)/'},
  },
  {
    name: 'nothing-imports-the-top',
    comment: 'Only commands import cli; only commands, cli and demo import app; nothing imports commands.',
    severity: 'error',
    from: {path: '^src/', pathNot: '^src/(commands|cli|app|demo|index\\.ts)'},
    to: {path: '^src/(app|cli|commands)/'},
  },
);

module.exports = {
  forbidden,
  options: {
    doNotFollow: {path: 'node_modules'},
    tsPreCompilationDeps: true,
    tsConfig: {fileName: 'tsconfig.json'},
  },
};

