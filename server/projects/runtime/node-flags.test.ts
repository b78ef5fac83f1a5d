import { describe, expect, it } from 'vitest';
import { NODE_FLAGS, nodeChild } from './node-flags.js';

describe('nodeChild', () => {
  it('under Node: the V8 flags, and nothing added to the environment', () => {
    const { electron: _none, ...node } = process.versions;
    expect(nodeChild(node)).toEqual({ flags: [...NODE_FLAGS], env: {} });
  });

  // The desktop's process.execPath is the Electron binary; without the switch a project server
  // would start as a second desktop app (fake versions: there is no Electron binary here).
  it('under Electron: the same flags, and ELECTRON_RUN_AS_NODE so the binary runs as Node', () => {
    expect(nodeChild({ ...process.versions, electron: '45.4.1' })).toEqual({
      flags: [...NODE_FLAGS],
      env: { ELECTRON_RUN_AS_NODE: '1' },
    });
  });
});
