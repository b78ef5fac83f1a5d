import { restartCommand } from '../format.js';
import { ROUTES, usePath } from '../router.js';
import { useHub } from '../store.js';
import { RestartAction } from './RestartAction.js';

/** Shown on every page while stored settings differ from what the running hub uses. */
export function RestartBanner() {
  const status = useHub((s) => s.status);
  const path = usePath();
  // The wizard ends in its own restart step; the same command twice would only confuse.
  if (!status?.restartRequired || !status.detail || path === ROUTES.setup) return null;
  const { dataDir, pid } = status.detail;
  return (
    <section className="banner banner-warning" aria-labelledby="restart-banner-title">
      <div className="banner-text">
        <h2 id="restart-banner-title">Restart required</h2>
        <p>Saved settings take effect when the hub restarts.</p>
      </div>
      <RestartAction
        target={{ dataDir, command: restartCommand(dataDir) }}
        currentDataDir={dataDir}
        pid={pid}
      />
    </section>
  );
}
