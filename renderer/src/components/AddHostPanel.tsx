import { type FormEvent, useEffect, useRef, useState } from 'react';
import { type CreateTokenResponse, createTokenRequestSchema } from '../../../server/api/index.js';
import { asApiError, useHub } from '../store.js';
import { type FieldErrors, fieldErrors, numberInput } from '../validation.js';
import { Field } from './Field.js';
import { TokenReveal } from './TokenReveal.js';

const EXPIRY_CHOICES = [
  { seconds: 15 * 60, label: '15 minutes' },
  { seconds: 3600, label: '1 hour' },
  { seconds: 24 * 3600, label: '1 day' },
  { seconds: 7 * 24 * 3600, label: '7 days' },
] as const;
const DEFAULT_EXPIRY = 3600;
// The hub's limits, read from its schema so the form and the message cannot drift from them.
const USES = createTokenRequestSchema.shape.uses.unwrap();
const MIN_USES = USES.minValue ?? 1;
const MAX_USES = USES.maxValue ?? 1000;

interface Draft {
  name: string;
  uses: string;
  ttlSeconds: string;
}
const EMPTY: Draft = { name: '', uses: '1', ttlSeconds: String(DEFAULT_EXPIRY) };

/** Makes a join token (checked with the hub's own schema first) and then reveals it once. */
export function AddHostPanel() {
  const createToken = useHub((s) => s.createToken);
  const [draft, setDraft] = useState<Draft>(EMPTY);
  const [errors, setErrors] = useState<FieldErrors>({});
  const [formError, setFormError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [created, setCreated] = useState<CreateTokenResponse | null>(null);
  const submitButton = useRef<HTMLButtonElement>(null);
  const returnFocus = useRef(false);

  // After Done the form comes back; keyboard users continue where they started.
  useEffect(() => {
    if (created || !returnFocus.current) return;
    returnFocus.current = false;
    submitButton.current?.focus();
  }, [created]);

  const change = (key: keyof Draft, value: string) => {
    setDraft((d) => ({ ...d, [key]: value }));
    if (errors[key]) setErrors((e) => ({ ...e, [key]: undefined }));
  };

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setFormError(null);
    const name = draft.name.trim();
    const parsed = createTokenRequestSchema.safeParse({
      uses: numberInput(draft.uses),
      ttlSeconds: Number(draft.ttlSeconds),
      ...(name ? { name } : {}),
    });
    if (!parsed.success) {
      const found = fieldErrors(parsed.error);
      // The schema's own wording ("expected number, received string") says less than the range does.
      if (found.uses) found.uses = `A whole number from ${MIN_USES} to ${MAX_USES}`;
      setErrors(found);
      return;
    }
    setErrors({});
    setBusy(true);
    try {
      setCreated(await createToken(parsed.data));
    } catch (err) {
      const apiErr = asApiError(err);
      if (apiErr.field && apiErr.field in EMPTY) setErrors({ [apiErr.field]: apiErr.message });
      else setFormError(apiErr.message);
    } finally {
      setBusy(false);
    }
  };

  const done = () => {
    returnFocus.current = true;
    setCreated(null);
    setDraft(EMPTY);
  };

  return (
    <section className="card" aria-labelledby="add-host-title">
      <h2 id="add-host-title">Add a host</h2>
      {created ? (
        <TokenReveal created={created} onDone={done} />
      ) : (
        <form className="add-host" onSubmit={submit} noValidate>
          <p className="card-note">
            A host joins with a one-time token. Create one, then run the command it comes with on the machine
            that should join.
          </p>
          {formError && (
            <p className="form-error" role="alert">
              {formError}
            </p>
          )}
          <div className="add-host-fields">
            <Field label="Name" hint="Optional, to recognise the token in the list." error={errors.name}>
              {(control) => (
                <input
                  {...control}
                  name="name"
                  autoComplete="off"
                  spellCheck={false}
                  maxLength={64}
                  placeholder="e.g. gpu-box"
                  value={draft.name}
                  onChange={(e) => change('name', e.target.value)}
                />
              )}
            </Field>
            <Field label="Uses" hint="How many hosts may join with it." error={errors.uses}>
              {(control) => (
                <input
                  {...control}
                  name="uses"
                  type="number"
                  min={MIN_USES}
                  max={MAX_USES}
                  inputMode="numeric"
                  value={draft.uses}
                  onChange={(e) => change('uses', e.target.value)}
                />
              )}
            </Field>
            <Field label="Expires after" hint="Unused tokens stop working then." error={errors.ttlSeconds}>
              {(control) => (
                <select
                  {...control}
                  name="ttlSeconds"
                  value={draft.ttlSeconds}
                  onChange={(e) => change('ttlSeconds', e.target.value)}
                >
                  {EXPIRY_CHOICES.map((c) => (
                    <option key={c.seconds} value={c.seconds}>
                      {c.label}
                    </option>
                  ))}
                </select>
              )}
            </Field>
          </div>
          <div className="button-row">
            <button ref={submitButton} type="submit" className="button button-primary" disabled={busy}>
              {busy ? 'Creating…' : 'Create token'}
            </button>
          </div>
        </form>
      )}
    </section>
  );
}
