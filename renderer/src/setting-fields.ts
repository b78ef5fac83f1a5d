// How each stored setting is shown and edited. The values' rules come from server/api's
// settingsPatchSchema; this file only adds labels and input kinds.
import {
  CONTROL_PLANES,
  DEPLOYMENT_MODES,
  PRODUCTS,
  type SettingKey,
  type SettingsPatch,
} from '../../server/api/index.js';
import { numberInput } from './validation.js';

export interface EnumOption {
  value: string;
  label: string;
  /** Shown but not selectable (in the contract, not available yet). */
  disabled?: boolean;
}

export type FieldKind =
  | { kind: 'enum'; options: readonly EnumOption[] }
  | { kind: 'port' }
  | { kind: 'text' };

const PRODUCT_OPTIONS: Record<(typeof PRODUCTS)[number], EnumOption> = {
  plus: { value: 'plus', label: 'Plus' },
  launchpad: { value: 'launchpad', label: 'Launchpad' },
  // The hub refuses to start as rocket in this version.
  rocket: { value: 'rocket', label: 'Rocket (not available yet)', disabled: true },
};
const MODE_OPTIONS: Record<(typeof DEPLOYMENT_MODES)[number], EnumOption> = {
  local: { value: 'local', label: 'Local network' },
  cloud: { value: 'cloud', label: 'Cloud' },
};
const PLANE_OPTIONS: Record<(typeof CONTROL_PLANES)[number], EnumOption> = {
  single: { value: 'single', label: 'Single hub' },
  multi: { value: 'multi', label: 'Several hubs' },
};

export interface SettingField {
  key: SettingKey;
  label: string;
  help: string;
  input: FieldKind;
  mono?: boolean;
}

export interface SettingGroup {
  title: string;
  fields: SettingField[];
}

export const SETTING_GROUPS: SettingGroup[] = [
  {
    title: 'Mode',
    fields: [
      {
        key: 'product',
        label: 'Product',
        help: 'One data dir is one product; the setup wizard explains the choices.',
        input: { kind: 'enum', options: PRODUCTS.map((p) => PRODUCT_OPTIONS[p]) },
      },
      {
        key: 'deploymentMode',
        label: 'Deployment mode',
        help: 'Required for Launchpad (local network or cloud); not allowed for Plus.',
        input: { kind: 'enum', options: DEPLOYMENT_MODES.map((m) => MODE_OPTIONS[m]) },
      },
      {
        key: 'rocketControlPlane',
        label: 'Rocket control plane',
        help: 'Single or multi hub; Rocket only.',
        input: { kind: 'enum', options: CONTROL_PLANES.map((c) => PLANE_OPTIONS[c]) },
      },
    ],
  },
  {
    title: 'Network',
    fields: [
      {
        key: 'basePort',
        label: 'Base port',
        help: 'HTTPS on this port, SSH on the next; host tunnels 10 to 1009 above it.',
        input: { kind: 'port' },
      },
      {
        key: 'publicHost',
        label: 'Public host',
        help: 'The name or IP address hosts and browsers use; it goes into the certificate.',
        input: { kind: 'text' },
        mono: true,
      },
      {
        key: 'httpPort',
        label: 'HTTP redirect port',
        help: 'An optional plain-HTTP port that only redirects to HTTPS. Empty turns it off.',
        input: { kind: 'port' },
      },
    ],
  },
  {
    title: 'TLS certificate',
    fields: [
      {
        key: 'tlsCert',
        label: 'Certificate file',
        help: 'Path of your PEM certificate (chain). Empty uses the hub’s local CA.',
        input: { kind: 'text' },
        mono: true,
      },
      {
        key: 'tlsKey',
        label: 'Key file',
        help: 'Path of the certificate’s PEM private key. Give both files or neither.',
        input: { kind: 'text' },
        mono: true,
      },
    ],
  },
];

/** A value as people read it: an option's label, "not set", or set/unset for a secret. */
export function displayValue(field: SettingField | undefined, key: string, value: unknown): string {
  if (isSecretSetting(key)) return value === null || value === undefined ? 'not set' : 'set';
  if (value === null || value === undefined) return 'not set';
  if (field?.input.kind === 'enum') {
    const option = field.input.options.find((o) => o.value === value);
    if (option) return option.label;
  }
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** Values that must never be shown, only whether they are set (none are returned today). */
export function isSecretSetting(key: string): boolean {
  return /(secret|password|keymaterial)$/i.test(key);
}

/** A setting's value as the text an input holds ('' for unset). */
export function toInputText(value: unknown): string {
  if (value === null || value === undefined) return '';
  return typeof value === 'string' ? value : String(value);
}

/** The patch value for an edited input: empty unsets the stored setting (env or default applies again). */
export function fromInputText(field: SettingField, text: string): unknown {
  const t = text.trim();
  if (t === '') return null;
  return field.input.kind === 'port' ? numberInput(t) : t;
}

/** The fields whose text differs from what the hub reported, as a settings patch (not yet validated). */
export function patchFrom(
  fields: SettingField[],
  initial: Record<string, string>,
  draft: Record<string, string>,
): SettingsPatch {
  const patch: Record<string, unknown> = {};
  for (const field of fields) {
    const now = draft[field.key] ?? '';
    if (now === (initial[field.key] ?? '')) continue;
    // An untouched secret input is empty and means "keep"; it never unsets.
    if (isSecretSetting(field.key) && now === '') continue;
    patch[field.key] = fromInputText(field, now);
  }
  return patch as SettingsPatch;
}
