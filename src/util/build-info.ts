// Facts fixed at build time: the version and the board profile the binary was built for (board/*.json).
// build/sea.mjs injects __WALNUT_BUILD__ (esbuild `define`); when the sources run directly under node (unit
// tests) the development values below apply. A leaf in src/util: every layer may read it.
export interface BuildInfo {
  version: string;
  board: string;
  arch: string;
  /** factory: the unit's read-only factory data (issue 14); a board without one uses /etc/walnut/factory */
  paths: { config: string; data: string; nativeCache: string; factory?: string };
  /**
   * sha256 (first 16 hex digits) of each native addon asset, computed by build/sea.mjs: the name of its cache
   * file, known without reading the asset at every start (src/native/addons.ts).
   */
  addonHashes?: Record<string, string>;
  /**
   * When the binary was built (unix milliseconds; build/sea.mjs: SOURCE_DATE_EPOCH when set, else the build's
   * clock). A clock that reads earlier than this is certainly wrong: a board without a battery-backed clock boots
   * in 1970 and keeps that time until NTP answers, so what is stamped with time (the history's samples) refuses
   * such times instead of filing them 56 years back.
   */
  builtAt?: number;
}

declare const __WALNUT_BUILD__: BuildInfo | undefined;

const DEVELOPMENT: BuildInfo = {
  version: '0.0.0-dev',
  board: 'development',
  arch: process.arch,
  paths: { config: '/etc/walnut/walnut.json', data: '/var/lib/walnut', nativeCache: '/var/cache/walnut/native' },
  // sources run directly: a date before any of this code existed will do as "certainly not a boot-time clock"
  builtAt: Date.UTC(2026, 0, 1),
};

export const BUILD: BuildInfo = typeof __WALNUT_BUILD__ === 'undefined' ? DEVELOPMENT : __WALNUT_BUILD__;
