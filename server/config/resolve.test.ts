import { describe, expect, it } from 'vitest';
import { MAX_BASE_PORT } from '../api/index.js';
import { ConfigError } from './errors.js';
import { resolveConfig, restartRelevant } from './resolve.js';

const base = { HOME: '/home/ada' };

function resolve(env: Record<string, string>, settings: Record<string, unknown> = {}, dataDirFlag?: string) {
  return resolveConfig({ env: { ...base, ...env }, settings, dataDirFlag });
}

function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('resolveConfig', () => {
  it('defaults to plus on 9200 (HTTPS) / 9201 (SSH), loopback only, XDG data dir', () => {
    const { config, sources } = resolve({});
    expect(config.product).toBe('plus');
    expect(config.deploymentMode).toBeNull();
    expect(config.ports).toEqual({
      https: 9200,
      sshd: 9201,
      http: null,
      tunnel: { first: 9210, last: 10209 },
    });
    expect(config.bindHost).toBe('127.0.0.1');
    expect(config.dataDir).toBe('/home/ada/.local/share/cocalc/launchpad');
    expect(sources.product).toBe('default');
    expect(sources.dataDir).toBe('default');
    expect(Object.isFrozen(config.ports)).toBe(true);
  });

  it('derives the ports from COCALC_BASE_PORT and says the value came from env', () => {
    const { config, sources } = resolve({ COCALC_BASE_PORT: '12000' });
    expect(config.ports.https).toBe(12000);
    expect(config.ports.sshd).toBe(12001);
    expect(config.ports.tunnel).toEqual({ first: 12010, last: 13009 });
    expect(sources.basePort).toBe('env');
  });

  it('COCALC_TUNNEL_PORT_COUNT sizes the host tunnel range; a stored setting wins', () => {
    expect(resolve({ COCALC_TUNNEL_PORT_COUNT: '20' }).config.ports.tunnel).toEqual({
      first: 9210,
      last: 9229,
    });
    const r = resolve({ COCALC_TUNNEL_PORT_COUNT: '20' }, { tunnelPortCount: 4 });
    expect(r.config.ports.tunnel).toEqual({ first: 9210, last: 9213 });
    expect(r.sources.tunnelPortCount).toBe('setting');
    expect(resolve({}).sources.tunnelPortCount).toBe('default');
  });

  it.each([
    [{ COCALC_TUNNEL_PORT_COUNT: '7' }, /must be even/],
    [{ COCALC_TUNNEL_PORT_COUNT: '0' }, /at least 2/],
    [{ COCALC_TUNNEL_PORT_COUNT: 'many' }, /not a whole number/],
    [{ COCALC_TUNNEL_PORT_COUNT: '70000' }, /at most/],
    [{ COCALC_TUNNEL_PORT_COUNT: '2000', COCALC_BASE_PORT: '64000' }, /do not fit below 65536.*at most 1526/],
  ])('tunnel port count %o is refused, naming COCALC_TUNNEL_PORT_COUNT', (env, message) => {
    const err = configError(() => resolve(env));
    expect(err.variable).toBe('COCALC_TUNNEL_PORT_COUNT');
    expect(err.message).toMatch(message);
  });

  it('a LAN hub listens on all interfaces, a cloud hub on loopback', () => {
    expect(resolve({ COCALC_PRODUCT: 'launchpad', COCALC_DEPLOYMENT_MODE: 'local' }).config.bindHost).toBe(
      '0.0.0.0',
    );
    expect(resolve({ COCALC_PRODUCT: 'launchpad', COCALC_DEPLOYMENT_MODE: 'cloud' }).config.bindHost).toBe(
      '127.0.0.1',
    );
  });

  it('--data-dir wins over COCALC_DATA_DIR, which wins over the default', () => {
    expect(resolve({ COCALC_DATA_DIR: '/srv/lp' }).config.dataDir).toBe('/srv/lp');
    const r = resolve({ COCALC_DATA_DIR: '/srv/lp' }, {}, '/opt/lp');
    expect(r.config.dataDir).toBe('/opt/lp');
    expect(r.sources.dataDir).toBe('cli');
  });

  it('stored settings win over env, and the overridden env variable is reported', () => {
    const r = resolve({ COCALC_BASE_PORT: '12000' }, { basePort: 13000 });
    expect(r.config.basePort).toBe(13000);
    expect(r.sources.basePort).toBe('setting');
    expect(r.ignoredEnv.join('\n')).toContain('COCALC_BASE_PORT');
  });

  it('env supplies values the settings leave unset', () => {
    const r = resolve({ COCALC_PUBLIC_HOST: 'hub.lan' }, { basePort: 13000 });
    expect(r.config.publicHost).toBe('hub.lan');
    expect(r.sources.publicHost).toBe('env');
  });

  it('product, mode and control plane come together from the stored settings once the product is stored', () => {
    const r = resolve({ COCALC_PRODUCT: 'launchpad', COCALC_DEPLOYMENT_MODE: 'local' }, { product: 'plus' });
    expect(r.config.product).toBe('plus');
    expect(r.config.deploymentMode).toBeNull();
    expect(r.ignoredEnv.join('\n')).toMatch(/COCALC_PRODUCT[\s\S]*COCALC_DEPLOYMENT_MODE/);
  });

  it.each([
    [{ COCALC_PRODUCT: 'launchpad' }, 'COCALC_DEPLOYMENT_MODE', /needs a deployment mode/],
    [{ COCALC_PRODUCT: 'banana' }, 'COCALC_PRODUCT', /unknown value "banana".*plus, launchpad, rocket/],
    [
      { COCALC_DEPLOYMENT_MODE: 'moon', COCALC_PRODUCT: 'launchpad' },
      'COCALC_DEPLOYMENT_MODE',
      /unknown value/,
    ],
    [{ COCALC_ROCKET_CONTROL_PLANE: 'multi' }, 'COCALC_ROCKET_CONTROL_PLANE', /only for the rocket product/],
    [{ COCALC_DEPLOYMENT_MODE: 'local' }, 'COCALC_DEPLOYMENT_MODE', /only for launchpad and rocket/],
    [{ COCALC_BASE_PORT: '0' }, 'COCALC_BASE_PORT', /between 1 and 65535/],
    [{ COCALC_BASE_PORT: '70000' }, 'COCALC_BASE_PORT', /between 1 and 65535/],
    [{ COCALC_BASE_PORT: 'abc' }, 'COCALC_BASE_PORT', /not a port number/],
    [{ COCALC_BASE_PORT: '65000' }, 'COCALC_BASE_PORT', new RegExp(`at most ${MAX_BASE_PORT}`)],
    [{ COCALC_HTTP_PORT: '99999' }, 'COCALC_HTTP_PORT', /between 1 and 65535/],
    [{ COCALC_HTTP_PORT: '9201' }, 'COCALC_HTTP_PORT', /collides/],
    [{ COCALC_PUBLIC_HOST: 'https://hub.lan/' }, 'COCALC_PUBLIC_HOST', /without scheme/],
  ])('%o is refused, naming %s', (env, variable, message) => {
    const err = configError(() => resolve(env));
    expect(err.variable).toBe(variable);
    expect(err.message).toMatch(message);
    expect(err.message.startsWith(`${variable}: `)).toBe(true);
  });

  it('a malformed env value is refused even when a stored setting overrides it', () => {
    expect(configError(() => resolve({ COCALC_PRODUCT: 'banana' }, { product: 'plus' })).variable).toBe(
      'COCALC_PRODUCT',
    );
    expect(configError(() => resolve({ COCALC_BASE_PORT: 'x' }, { basePort: 9300 })).variable).toBe(
      'COCALC_BASE_PORT',
    );
  });

  it('names the stored setting when a stored value is at fault', () => {
    const err = configError(() => resolve({}, { product: 'launchpad' }));
    expect(err.variable).toBe('setting deploymentMode');
    expect(err.setting).toBe('deploymentMode');
  });

  it('a rocket hub defaults to a single control plane', () => {
    const r = resolve({ COCALC_PRODUCT: 'rocket', COCALC_DEPLOYMENT_MODE: 'cloud' });
    expect(r.config.rocketControlPlane).toBe('single');
  });

  it('restartRelevant changes with the product and ports but not with the data dir flag source', () => {
    const a = resolve({}).config;
    const b = resolve({}, { product: 'launchpad', deploymentMode: 'local' }).config;
    const c = resolve({ COCALC_BASE_PORT: '9300' }).config;
    expect(restartRelevant(a)).toBe(restartRelevant(resolve({}).config));
    expect(restartRelevant(a)).not.toBe(restartRelevant(b));
    expect(restartRelevant(a)).not.toBe(restartRelevant(c));
  });
});
