// esbuild resolves mdns's `require('./dns_sd')` (lib/dns_sd.js, which requires ../build/Release/dns_sd_bindings
// by a path computed at run time) to this file when bundling the single executable: the addon then comes out of
// the SEA assets (src/native/addons.ts), built for Node 24 by build/mdns-addon.sh.
module.exports = require('../../src/native/addons.ts').seaPackageAddon('dns_sd_bindings.node');
