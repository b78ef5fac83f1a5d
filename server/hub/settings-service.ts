import { existsSync, statSync } from 'node:fs';
import {
  SETTING_KEYS,
  type SettingKey,
  type SettingsPatch,
  type SettingsResponse,
  type SetupRequest,
  type SetupResponse,
} from '../api/index.js';
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

  setupRequired(): boolean {
    return this.repo.get(SETUP_DONE_KEY) !== true;
  }

  /**
   * The first-run wizard. For this data dir the choices are stored like any settings change.
   * For another data dir nothing can be stored here: the answer is the command that starts a
   * hub there with these choices (env supplies a new data dir's first settings).
   */
  setup(req: SetupRequest): SetupResponse {
    const dataDir = this.running.config.dataDir;
    const values = {
      product: req.product,
      deploymentMode: req.deploymentMode ?? null,
      basePort: req.basePort,
      publicHost: req.publicHost,
    };
    if (req.dataDir === dataDir) {
      const settings = this.apply(values);
      this.repo.set(SETUP_DONE_KEY, true);
      return {
        settings,
        restart: {
          required: settings.restartRequired,
          dataDir,
          command: `launchpad --server --data-dir ${shellQuote(dataDir)}`,
          env: {},
        },
      };
    }
    if (existsSync(req.dataDir) && !statSync(req.dataDir).isDirectory()) {
      throw new ApiError(
        400,
        'invalid_setting',
        `dataDir: ${req.dataDir} exists and is not a directory`,
        'dataDir',
      );
    }
    const env: Record<string, string> = {
      COCALC_PRODUCT: values.product,
      ...(values.deploymentMode ? { COCALC_DEPLOYMENT_MODE: values.deploymentMode } : {}),
      COCALC_BASE_PORT: String(values.basePort),
      COCALC_PUBLIC_HOST: values.publicHost,
    };
    try {
      resolveConfig({ env, dataDirFlag: req.dataDir, settings: {} });
    } catch (err) {
      if (err instanceof ConfigError) {
        throw new ApiError(400, 'invalid_setting', err.message, err.setting ?? fieldFor(err.variable));
      }
      throw err;
    }
    this.repo.set(SETUP_DONE_KEY, true);
    const assignments = Object.entries(env).map(([k, v]) => `${k}=${shellQuote(v)}`);
    return {
      settings: this.view(),
      restart: {
        required: true,
        dataDir: req.dataDir,
        command: `${assignments.join(' ')} launchpad --server --data-dir ${shellQuote(req.dataDir)}`,
        env,
      },
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

/** Marks the first-run wizard as answered; not a config value, so not in SETTING_KEYS. */
const SETUP_DONE_KEY = 'ui.setupDone';

function shellQuote(v: string): string {
  return /^[\w@%+=:,./-]+$/.test(v) ? v : `'${v.replace(/'/g, `'\\''`)}'`;
}

function fieldFor(variable: string): string | undefined {
  return SETTING_KEYS.find((k) => SETTING_DEFS[k].envVar === variable);
}
