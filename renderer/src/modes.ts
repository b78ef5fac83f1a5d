import type { DeploymentMode, Product } from '../../server/api/index.js';

export type ModeId = 'plus' | 'launchpad-local' | 'launchpad-cloud';

export interface ModeChoice {
  id: ModeId;
  title: string;
  /** One sentence: what choosing it means. */
  summary: string;
  product: Product;
  deploymentMode: DeploymentMode | null;
}

/** The three ways to run Launchpad offered by the first-run wizard (rocket comes later). */
export const MODE_CHOICES: readonly ModeChoice[] = [
  {
    id: 'plus',
    title: 'Plus',
    summary: 'One local project on this computer.',
    product: 'plus',
    deploymentMode: null,
  },
  {
    id: 'launchpad-local',
    title: 'Launchpad local network',
    summary: 'This computer is a hub; other machines on your network join it.',
    product: 'launchpad',
    deploymentMode: 'local',
  },
  {
    id: 'launchpad-cloud',
    title: 'Launchpad cloud',
    summary: 'Reach this hub through Cloudflare; backups go to a bucket.',
    product: 'launchpad',
    deploymentMode: 'cloud',
  },
];

export function modeIdOf(product: Product, mode: DeploymentMode | null): ModeId | null {
  return MODE_CHOICES.find((c) => c.product === product && c.deploymentMode === mode)?.id ?? null;
}

export const PRODUCT_NAMES: Record<Product, string> = {
  plus: 'Plus',
  launchpad: 'Launchpad',
  rocket: 'Rocket',
};
export const MODE_NAMES: Record<DeploymentMode, string> = {
  local: 'Local network',
  cloud: 'Cloud (Cloudflare)',
};

/** "Launchpad local network", "Plus", or a plain rendering for combinations the wizard does not offer. */
export function modeLabel(product: Product, mode: DeploymentMode | null): string {
  const id = modeIdOf(product, mode);
  const choice = MODE_CHOICES.find((c) => c.id === id);
  if (choice) return choice.title;
  return mode ? `${PRODUCT_NAMES[product]} (${MODE_NAMES[mode]})` : PRODUCT_NAMES[product];
}
