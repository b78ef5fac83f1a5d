import { SETTING_KEYS, type SettingKey, type SettingsPatch, type SettingsResponse } from '../api/index.js';
import {
  type Config,
  ConfigError,
  type ResolvedConfig,
  resolveConfig,
  restartRelevant,
  SETTING_DEFS,
  settingValue,
} from '../config/index.js';
import type { Db, SettingsRepo } from '../db/index.js';
import { ApiError } from '../http/index.js';
import { loadCustomTls } from '../tls/index.js';

/**
 * Stored settings vs. the running config. A change is validated against the whole config
 * it would produce (the same rules as start-up), stored, and applies at the next start.
 */
export class SettingsService {
  constructor(
    private readonly db: Db,
    private readonly repo: SettingsRepo,
    private readonly running: ResolvedConfig,
    private readonly env: NodeJS.ProcessEnv,
    private readonly dataDirFlag: string | undefined,
  ) {}

  /** What the next start would use. */
  private next(settings = this.repo.all()): ResolvedConfig {
    return resolveConfig({ env: this.env, dataDirFlag: this.dataDirFlag, settings });
  }

  restartRequired(): boolean {
    try {
      return restartRelevant(this.next().config) !== restartRelevant(this.running.config);
    } catch (err) {
      // Stored settings that no longer resolve (e.g. env changed) will stop the next start: say so.
      if (err instanceof ConfigError) return true;
      throw err;
    }
  }

  view(): SettingsResponse {
    const next = this.next();
    return {
      settings: SETTING_KEYS.map((key) => ({
        key,
        envVar: SETTING_DEFS[key].envVar,
        value: settingValue(next.config, key),
        source: next.sources[key],
        running: settingValue(this.running.config, key),
      })),
      restartRequired: this.restartRequired(),
    };
  }

  apply(patch: SettingsPatch): SettingsResponse {
    const merged: Record<string, unknown> = { ...this.repo.all() };
    for (const [key, value] of Object.entries(patch)) {
      if (value === null) delete merged[key];
      else merged[key] = value;
    }
    let candidate: Config;
    try {
      candidate = this.next(merged).config;
      if (candidate.tls) loadCustomTls({ certPath: candidate.tls.certPath, keyPath: candidate.tls.keyPath });
    } catch (err) {
      if (err instanceof ConfigError) {
        throw new ApiError(400, 'invalid_setting', err.message, err.setting ?? fieldFor(err.variable));
      }
      throw err;
    }
    this.db.transaction(() => {
      for (const [key, value] of Object.entries(patch) as [SettingKey, unknown][]) {
        if (value === null) this.repo.delete(key);
        else this.repo.set(key, value);
      }
    })();
    return this.view();
  }
}

function fieldFor(variable: string): string | undefined {
  return SETTING_KEYS.find((k) => SETTING_DEFS[k].envVar === variable);
}
