import { type FormEvent, useState } from 'react';
import { createProjectRequestSchema, type HostView } from '../../../server/api/index.js';
import { asApiError, useHub } from '../store.js';
import { type FieldErrors, fieldErrors } from '../validation.js';
import { Field } from './Field.js';

/** The host select's value for "let the hub choose". */
const AUTOMATIC = '';
const MAX_NAME = createProjectRequestSchema.shape.name.maxLength ?? 100;

function hostLabel(host: HostView): string {
  const name = host.thisMachine ? `${host.name} (this machine)` : host.name;
  const state = host.state === 'online' ? 'online' : host.state === 'offline' ? 'offline' : 'never connected';
  return `${name} — ${state}`;
}

/**
 * Makes a project: a name (checked with the hub's own schema first) and, on Launchpad, the host
 * (online hosts only; Automatic lets the hub take the least busy one).
 */
export function CreateProjectPanel({ chooseHost }: { chooseHost: boolean }) {
  const createProject = useHub((s) => s.createProject);
  const hosts = useHub((s) => s.hosts);
  const [name, setName] = useState('');
  const [hostId, setHostId] = useState(AUTOMATIC);
  const [errors, setErrors] = useState<FieldErrors>({});
  const [formError, setFormError] = useState<string | null>(null);
  const [created, setCreated] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const hostList = hosts.state === 'ready' ? hosts.data.hosts : [];
  const hostHint =
    hosts.state === 'error'
      ? `The hosts could not be listed (${hosts.error.message}); Automatic still works.`
      : hosts.state === 'ready'
        ? 'Offline hosts cannot take a project until they are back.'
        : 'Loading hosts…';

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setFormError(null);
    setCreated(null);
    const parsed = createProjectRequestSchema.safeParse({
      name,
      ...(chooseHost && hostId !== AUTOMATIC ? { hostId } : {}),
    });
    if (!parsed.success) {
      setErrors(fieldErrors(parsed.error));
      return;
    }
    setErrors({});
    setBusy(true);
    try {
      const project = await createProject(parsed.data);
      setName('');
      setCreated(`Created ${project.name} on ${project.hostName}.`);
    } catch (err) {
      const apiErr = asApiError(err);
      if (apiErr.field === 'name' || apiErr.field === 'hostId') setErrors({ [apiErr.field]: apiErr.message });
      else setFormError(apiErr.message);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="card" aria-labelledby="create-project-title">
      <h2 id="create-project-title">Create a project</h2>
      <form className="create-project" onSubmit={submit} noValidate>
        {formError && (
          <p className="form-error" role="alert">
            {formError}
          </p>
        )}
        <div className="create-project-fields">
          <Field label="Name" error={errors.name}>
            {(control) => (
              <input
                {...control}
                name="name"
                autoComplete="off"
                maxLength={MAX_NAME}
                placeholder="e.g. thesis"
                value={name}
                onChange={(e) => {
                  setName(e.target.value);
                  setCreated(null);
                  if (errors.name) setErrors((x) => ({ ...x, name: undefined }));
                }}
              />
            )}
          </Field>
          {chooseHost && (
            <Field label="Host" hint={hostHint} error={errors.hostId}>
              {(control) => (
                <select
                  {...control}
                  name="hostId"
                  value={hostId}
                  onChange={(e) => {
                    setHostId(e.target.value);
                    if (errors.hostId) setErrors((x) => ({ ...x, hostId: undefined }));
                  }}
                >
                  <option value={AUTOMATIC}>Automatic (least busy online host)</option>
                  {hostList.map((h) => (
                    <option key={h.id} value={h.id} disabled={h.state !== 'online'}>
                      {hostLabel(h)}
                    </option>
                  ))}
                </select>
              )}
            </Field>
          )}
        </div>
        <div className="button-row">
          <button type="submit" className="button button-primary" disabled={busy}>
            {busy ? 'Creating…' : 'Create project'}
          </button>
          <span className="save-note" role="status">
            {created}
          </span>
        </div>
      </form>
    </section>
  );
}
