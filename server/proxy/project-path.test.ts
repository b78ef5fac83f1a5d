import { describe, expect, it } from 'vitest';
import { actionOf, forwardedPath, isBareProjectUrl, isProjectUrl, projectIdOf } from './project-path.js';

const ID = '0f8fad5b-d9cb-469f-a165-70867728950e';

describe('project paths', () => {
  it('matches a project id as the whole first segment only', () => {
    for (const url of [`/${ID}`, `/${ID}/`, `/${ID}?x`, `/${ID}/conat`])
      expect(isProjectUrl(url), url).toBe(true);
    for (const url of [
      '/',
      '/api/status',
      `/${ID}x`,
      `/${ID.toUpperCase()}/`,
      `//${ID}/`,
      `/x/${ID}/`,
      '/0f8fad5b-d9cb-169f-a165-70867728950e/', // not a v4 uuid
    ]) {
      expect(isProjectUrl(url), url).toBe(false);
    }
    expect(projectIdOf(`/${ID}/a`)).toBe(ID);
  });

  it('rewrites /<id>/conat… to /conat… with the query; the rest stays', () => {
    expect(forwardedPath(`/${ID}/conat`)).toBe('/conat');
    expect(forwardedPath(`/${ID}/conat/`)).toBe('/conat/');
    expect(forwardedPath(`/${ID}/conat?a=1&b`)).toBe('/conat?a=1&b');
    expect(forwardedPath(`/${ID}/conat/x/y?z`)).toBe('/conat/x/y?z');
    expect(forwardedPath(`/${ID}/conatx`)).toBe(`/${ID}/conatx`);
    expect(forwardedPath(`/${ID}/files/conat`)).toBe(`/${ID}/files/conat`);
    expect(forwardedPath(`/${ID}/a?b=1`)).toBe(`/${ID}/a?b=1`);
    // An empty query is dropped (http-proxy-3 drops it too); a query ending in '?' is not empty.
    expect(forwardedPath(`/${ID}/a?`)).toBe(`/${ID}/a`);
    expect(forwardedPath(`/${ID}/a?b?`)).toBe(`/${ID}/a?b?`);
  });

  it('knows the bare /<id> and the proxy actions', () => {
    expect(isBareProjectUrl(`/${ID}`)).toBe(true);
    expect(isBareProjectUrl(`/${ID}?x=1`)).toBe(true);
    expect(isBareProjectUrl(`/${ID}/`)).toBe(false);
    expect(actionOf(`/${ID}/.launchpad/start`)).toBe('start');
    expect(actionOf(`/${ID}/.launchpad/start?x`)).toBe('start');
    expect(actionOf(`/${ID}/launchpad/start`)).toBeUndefined();
  });
});
