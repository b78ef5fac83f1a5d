export { ConfigError } from './errors.js';
export { type DataDirLayout, dataDirLayout, defaultDataDir, detectLanAddress } from './paths.js';
export { assertPortsFree, canBind, portInUseError } from './ports.js';
export {
  type Config,
  type ConfigKey,
  DEFAULT_BASE_PORT,
  type ResolvedConfig,
  type ResolveInput,
  resolveConfig,
  resolveDataDir,
  restartRelevant,
  settingValue,
} from './resolve.js';
export { SETTING_DEFS } from './settings.js';
