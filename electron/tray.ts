import { join } from 'node:path';
import { Menu, type MenuItemConstructorOptions, nativeImage, Tray } from 'electron';
import type { TrayAction, TrayMenuItem, TrayModel } from '../server/desktop/index.js';

/** What each clickable tray item does; `checked` is the checkbox's new state. */
export type TrayHandlers = Record<TrayAction, (checked: boolean) => void>;

export interface LaunchpadTray {
  /** Shows `model`: icon, tooltip and a freshly built context menu. */
  update(model: TrayModel): void;
  destroy(): void;
}

function toTemplate(item: TrayMenuItem, handlers: TrayHandlers): MenuItemConstructorOptions {
  if (item.type === 'separator') return { type: 'separator' };
  const action = item.id in handlers ? handlers[item.id as TrayAction] : undefined;
  return {
    id: item.id,
    label: item.label,
    enabled: item.enabled,
    type: item.type ?? 'normal',
    ...(item.checked === undefined ? {} : { checked: item.checked }),
    ...(action ? { click: (menuItem) => action(menuItem.checked) } : {}),
  };
}

/**
 * The tray icon. The menu is rebuilt and set again on every update: Linux (AppIndicator)
 * only picks up changes through a new setContextMenu, and needs a menu to show at all.
 */
export function createTray(iconDir: string, initial: TrayModel, handlers: TrayHandlers): LaunchpadTray {
  const image = (model: TrayModel) => nativeImage.createFromPath(join(iconDir, `tray-${model.icon}.png`));
  const tray = new Tray(image(initial));
  // Windows and macOS send a click on the icon itself; AppIndicator never does.
  tray.on('click', () => handlers['open-dashboard'](false));
  const update = (model: TrayModel) => {
    tray.setImage(image(model));
    tray.setToolTip(model.tooltip);
    tray.setContextMenu(Menu.buildFromTemplate(model.items.map((i) => toTemplate(i, handlers))));
  };
  update(initial);
  return { update, destroy: () => tray.destroy() };
}
