// esbuild resolves node-hid's `require("pkg-prebuilds/bindings")` to this file when bundling the single
// executable: the addon then comes out of the SEA assets (src/native/addons.ts), not from node_modules.
module.exports = require('../../src/native/addons.ts').pkgPrebuildsBindings;
