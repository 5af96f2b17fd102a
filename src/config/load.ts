// The config for any command: built-in defaults, then the JSON file (--config, else the board's when it exists),
// then the plain overrides a command's flags give. The only file read of the config layer.
import { existsSync, readFileSync } from 'node:fs';
import { BUILD } from '../util/build-info.ts';
import { ConfigError, applyConfigFile, defaultConfig, parseListen, type WalnutConfig } from './config.ts';
import type { Level } from '../util/log.ts';
import { UnitRecordError } from '../factory/unit-record.ts';
import { readFactoryFolder } from '../factory/unit-folder.ts';

/** What flags may set over the file. */
export interface ConfigOverrides {
  /** the config file; unset: the board's default path, read only if it exists */
  config?: string;
  data?: string;
  /** NUT listeners; an empty list keeps the file's */
  listen?: readonly string[];
  simulate?: string;
  logLevel?: string;
}

function readJson(path: string, what: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read ${what} ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new ConfigError(`${what} ${path} is not valid JSON: ${(err as Error).message}`);
  }
}

export function loadConfig(overrides: ConfigOverrides = {}): WalnutConfig {
  let config = defaultConfig();
  const file = overrides.config ?? (existsSync(BUILD.paths.config) ? BUILD.paths.config : undefined);
  if (file !== undefined) config = applyConfigFile(config, readJson(file, 'config file') as never);
  if (overrides.data !== undefined) config.dataDir = overrides.data;
  if (overrides.listen !== undefined && overrides.listen.length > 0) config.listen = [...overrides.listen];
  if (overrides.simulate !== undefined) config.ups.simulate = overrides.simulate;
  if (overrides.logLevel !== undefined) {
    if (!/^(debug|info|warn|error)$/.test(overrides.logLevel)) throw new ConfigError(`--log-level: unknown level "${overrides.logLevel}"`);
    config.logLevel = overrides.logLevel as Level;
  }
  config.listen.forEach(parseListen); // validate before anything starts
  // factory data: the unit's identity and auth domain, unless the config names its own
  let factory;
  try {
    factory = readFactoryFolder(config.factoryDir);
  } catch (err) {
    if (err instanceof UnitRecordError) throw new ConfigError(`factoryDir: ${err.message}`);
    throw err;
  }
  if (factory) {
    config.tls.factory ??= factory.bundle;
    config.auth.domain ??= factory.unit.domain;
  }
  return config;
}
