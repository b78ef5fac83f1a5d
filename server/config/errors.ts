/**
 * A configuration problem the user has to fix before the hub can start.
 * `variable` names the env variable (or CLI flag / stored setting) at fault; `fix` says what to do.
 * `setting` is the settings key the value belongs to, so the API can name the field.
 * The CLI prints `message` and exits with code 2.
 */
export class ConfigError extends Error {
  readonly variable: string;
  readonly fix: string;
  readonly setting: string | undefined;

  constructor(variable: string, problem: string, fix: string, setting?: string) {
    super(`${variable}: ${problem}. ${fix}`);
    this.name = 'ConfigError';
    this.variable = variable;
    this.fix = fix;
    this.setting = setting;
  }
}
