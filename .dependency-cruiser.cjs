// walnut's layer rules, checked by `make depcheck` (part of `make test`). docs/architecture.md explains each
// folder's job and shows the same table; change both together.
//
// The layer rules are written as an allow list: an import from src/ that no `allowed` rule below matches is an
// error (`not-in-allowed`). So a new inner→outer import (src/hid importing src/nut, say) fails, and so does an
// import into a new folder until someone decides where the folder sits. The `forbidden` rules add what an allow
// list cannot say: no cycles, neither between files nor between folders.
//
// Test files (*.test.ts) are exempt from the layer table (a test may use the layers above the one it tests to
// build its setting, as src/power-device/fuzz.test.ts publishes into a UPS model) but not from the cycle rules,
// and no product file may import a test or a test helper (test/, or a *-harness.ts beside the code, such as
// src/nut/commands-harness.ts; a harness is not exempt from the layer table).

/** What each folder of src/ may import besides itself (docs/architecture.md "Layers"). */
const LAYERS = {
  util: [],
  native: ['util'],
  hid: ['util'],
  'power-device': ['hid', 'util'],
  ups: ['util'],
  simulate: ['hid', 'util'],
  device: ['hid', 'power-device', 'ups', 'simulate', 'native', 'util'],
  storage: ['native', 'util'],
  tls: ['storage', 'util'],
  auth: ['storage', 'util'],
  authsrv: ['auth', 'storage', 'native', 'util'],
  nut: ['ups', 'auth', 'authsrv', 'util'],
  mdns: ['native', 'util'],
  shutdown: ['ups', 'storage', 'util'],
  factory: ['util'],
  // the web server (HTTPS, ws, the JSON API, /metrics, history): beside nut, over the same model and auth
  web: ['ups', 'auth', 'authsrv', 'storage', 'tls', 'mdns', 'util'],
  // the setup page's own code, bundled for the browser: the pure client halves of authsrv, the model's words and
  // the label code's grammar (factory/setup-code.ts: a claim reads the code as the CLI does)
  page: ['authsrv', 'auth', 'ups', 'factory', 'util'],
};
/** The layers above: config composes every section, the composition root builds the appliance, cli runs
 *  commands, main dispatches. Each may import every folder of LAYERS. */
const INNER = Object.keys(LAYERS);

const folder = (names) => `^src/(${names.join('|')})/`;
const TESTS = '\\.test\\.ts$';
/** shared settings of the tests beside the code (src/nut/commands-harness.ts): not tests, not product either */
const HARNESSES = '-harness\\.ts$';

/** The layer table as allowed rules: from a folder to itself and to the folders it lists. */
const layerRules = Object.entries(LAYERS).map(([name, may]) => ({
  comment: `src/${name} may import ${may.length ? may.map((m) => `src/${m}`).join(', ') : 'nothing else in src'}`,
  from: { path: folder([name]) },
  to: { path: folder([name, ...may]) },
}));

module.exports = {
  forbidden: [
    {
      name: 'no-file-cycle',
      severity: 'error',
      comment: 'No import cycle between files (type-only imports count: tsPreCompilationDeps).',
      from: {},
      to: { circular: true },
    },
    {
      name: 'no-folder-cycle',
      severity: 'error',
      comment: 'No import cycle between folders: a layer never reaches back into one that uses it.',
      scope: 'folder',
      from: {},
      to: { circular: true },
    },
    {
      name: 'no-test-from-product',
      severity: 'error',
      comment: 'Product code never imports a test file or a test helper (test/, src/**/*-harness.ts): they are not in the binary.',
      from: { path: '^src/', pathNot: `${TESTS}|${HARNESSES}` },
      to: { path: `${TESTS}|${HARNESSES}|^test/` },
    },
    {
      name: 'no-dev-dependency-in-product',
      severity: 'error',
      comment: 'Product code uses only package.json dependencies: devDependencies are build and test tools, not part of walnut.',
      from: { path: '^src/', pathNot: TESTS },
      to: { dependencyTypes: ['npm-dev'], dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'only-serve-builds-the-appliance',
      severity: 'error',
      comment: 'No command but serve imports the composition root: walnut log, user, ... never load the server graph.',
      from: { path: '^src/(cli|main)', pathNot: `^src/cli/serve\\.ts$|${TESTS}` },
      to: { path: '^src/appliance(\\.ts$|/)' },
    },
    {
      name: 'not-to-unresolvable',
      severity: 'error',
      comment: 'An import the resolver cannot find is a broken graph: the check would be blind to it.',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  allowed: [
    // everything may use Node's builtins and the npm packages (package.json decides which exist)
    { comment: 'node: builtins', from: {}, to: { dependencyTypes: ['core'] } },
    { comment: 'npm packages', from: {}, to: { dependencyTypes: ['npm', 'npm-dev', 'npm-optional', 'npm-peer', 'npm-no-pkg', 'npm-unknown'] } },
    ...layerRules,
    {
      comment: 'src/config composes every section and its bounds: it may import every layer, never cli, appliance or main',
      from: { path: '^src/config/' },
      to: { path: `${folder(['config', ...INNER])}` },
    },
    {
      comment: 'the composition root (src/appliance.ts, or src/appliance/) builds the appliance: everything but cli and main',
      from: { path: '^src/appliance(\\.ts$|/)' },
      to: { path: `${folder(['config', ...INNER])}|^src/appliance(\\.ts$|/)` },
    },
    {
      comment: 'src/cli runs the commands: everything but main',
      from: { path: '^src/cli/' },
      to: { path: `${folder(['cli', 'config', ...INNER])}|^src/appliance(\\.ts$|/)` },
    },
    {
      comment: 'src/main.ts dispatches to the commands: cli, config and util only',
      from: { path: '^src/main\\.ts$' },
      to: { path: folder(['cli', 'config', 'util']) },
    },
    {
      comment: 'tests are exempt from the layer table (the cycle rules and no-test-from-product still apply)',
      from: { path: TESTS },
      to: {},
    },
    {
      comment: 'test helpers, benchmarks and build scripts sit outside the product and may use any of it',
      from: { path: '^(test|bench|build)/' },
      to: {},
    },
  ],
  allowedSeverity: 'error',
  options: {
    // the .ts specifiers (allowImportingTsExtensions) resolve as written; tsconfig.json gives the resolver the
    // same view as tsc
    tsConfig: { fileName: 'tsconfig.json' },
    // count `import type` too: a type-only import is still a dependency between layers
    tsPreCompilationDeps: true,
    doNotFollow: { path: 'node_modules' },
    // node_modules is not excluded (that would drop the edges to npm packages from the graph), only not followed
    exclude: { path: '^(runtime|dist|out)/' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      extensions: ['.ts', '.d.ts', '.mjs', '.cjs', '.js', '.json'],
    },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
