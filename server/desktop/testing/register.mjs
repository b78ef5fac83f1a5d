// `node --import ./register.mjs dist/electron/main.js`: `electron` resolves to fake-electron.mjs.
import { register } from 'node:module';

register('./resolve-hook.mjs', import.meta.url);
