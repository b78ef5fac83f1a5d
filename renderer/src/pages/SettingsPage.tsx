import { type FormEvent, useEffect, useMemo, useState } from 'react';
import { type SettingsResponse, type SettingView, settingsPatchSchema } from '../../../server/api/index.js';
import { Field } from '../components/Field.js';
import { PageHeader } from '../components/PageHeader.js';
import { EmptyState, ErrorPanel, Loading } from '../components/Panels.js';
import { SourceBadge } from '../components/SourceBadge.js';
import { Link, ROUTES } from '../router.js';
import {
  displayValue,
  isSecretSetting,
  patchFrom,
  SETTING_GROUPS,
  type SettingField,
  type SettingGroup,
  toInputText,
} from '../setting-fields.js';
import { asApiError, useHub } from '../store.js';
import { type FieldErrors, fieldErrors } from '../validation.js';

export function SettingsPage() {
  const settings = useHub((s) => s.settings);
  const loadSettings = useHub((s) => s.loadSettings);
  // Kept here: the form remounts with the stored values after a save, and the notice must survive that.
  const [saved, setSaved] = useState(false);
  const [revision, setRevision] = useState(0);
  const onSaved = (done: boolean) => {
    setSaved(done);
    if (done) setRevision((r) => r + 1);
  };
  // Fresh values on every visit: another tab or `PATCH /api/settings` may have changed them.
  useEffect(() => {
    void loadSettings();
  }, [loadSettings]);

  return (
    <>
      <PageHeader title="Settings">
        <p>
          Changes are stored at once and take effect when the hub restarts. To switch between Plus and
          Launchpad, <Link to={ROUTES.setup}>run the setup wizard</Link>.
        </p>
      </PageHeader>
      {settings.state === 'error' ? (
        <ErrorPanel
          title="Could not load the settings"
          error={settings.error}
          onRetry={() => void loadSettings()}
        />
      ) : settings.state !== 'ready' ? (
        <Loading label="Loading settings…" />
      ) : settings.data.settings.length === 0 ? (
        <EmptyState title="No settings">
          <p>This hub reports no settings that can be changed here.</p>
        </EmptyState>
      ) : (
        // Remount after a save or on new values, so the inputs show what the hub stored.
        <SettingsForm
          key={`${revision}:${JSON.stringify(settings.data.settings)}`}
          data={settings.data}
          saved={saved}
          onSaved={onSaved}
        />
      )}
    </>
  );
}

function visibleGroups(views: Map<string, SettingView>): SettingGroup[] {
  const product = views.get('product')?.value;
  return SETTING_GROUPS.map((g) => ({
    ...g,
    fields: g.fields.filter((f) => {
      const view = views.get(f.key);
      if (!view) return false;
      // The rocket-only option stays out of the way unless it matters.
      if (f.key === 'rocketControlPlane') return product === 'rocket' || view.source === 'setting';
      return true;
    }),
  })).filter((g) => g.fields.length > 0);
}

interface SettingsFormProps {
  data: SettingsResponse;
  saved: boolean;
  onSaved: (saved: boolean) => void;
}

function SettingsForm({ data, saved, onSaved }: SettingsFormProps) {
  const saveSettings = useHub((s) => s.saveSettings);
  const views = useMemo(() => new Map(data.settings.map((v) => [v.key, v])), [data]);
  const groups = useMemo(() => visibleGroups(views), [views]);
  const fields = useMemo(() => groups.flatMap((g) => g.fields), [groups]);
  const known = new Set<string>(SETTING_GROUPS.flatMap((g) => g.fields.map((f) => f.key)));
  const others = data.settings.filter((v) => !known.has(v.key));

  const initial = useMemo(() => {
    const out: Record<string, string> = {};
    for (const f of fields) out[f.key] = isSecretSetting(f.key) ? '' : toInputText(views.get(f.key)?.value);
    return out;
  }, [fields, views]);
  const [draft, setDraft] = useState(initial);
  const [errors, setErrors] = useState<FieldErrors>({});
  const [formError, setFormError] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);

  const patch = patchFrom(fields, initial, draft);
  const dirty = Object.keys(patch).length > 0;

  const save = async (e: FormEvent) => {
    e.preventDefault();
    setFormError(null);
    onSaved(false);
    const parsed = settingsPatchSchema.safeParse(patch);
    if (!parsed.success) {
      setErrors(fieldErrors(parsed.error));
      return;
    }
    setErrors({});
    setSaving(true);
    try {
      await saveSettings(parsed.data);
      onSaved(true);
    } catch (err) {
      const apiErr = asApiError(err);
      if (apiErr.field && fields.some((f) => f.key === apiErr.field))
        setErrors({ [apiErr.field]: apiErr.message });
      else setFormError(apiErr.message);
    } finally {
      setSaving(false);
    }
  };

  return (
    <form className="settings" onSubmit={save} noValidate>
      {formError && (
        <p className="form-error" role="alert">
          {formError}
        </p>
      )}
      {groups.map((group) => (
        <section key={group.title} className="card" aria-label={group.title}>
          <h2>{group.title}</h2>
          {group.fields.map((field) => {
            const view = views.get(field.key);
            if (!view) return null;
            return (
              <SettingInput
                key={field.key}
                field={field}
                view={view}
                text={draft[field.key] ?? ''}
                error={errors[field.key]}
                onChange={(text) => {
                  setDraft((d) => ({ ...d, [field.key]: text }));
                  onSaved(false);
                }}
              />
            );
          })}
        </section>
      ))}
      {others.length > 0 && (
        <section className="card" aria-label="Other settings">
          <h2>Other</h2>
          <dl className="data-list">
            {others.map((v) => (
              <div key={v.key} className="data-row">
                <dt>{v.key}</dt>
                <dd>
                  <span className="data-value mono">{displayValue(undefined, v.key, v.value)}</span>
                  <SourceBadge source={v.source} />
                </dd>
              </div>
            ))}
          </dl>
        </section>
      )}
      <div className="save-bar">
        <button type="submit" className="button button-primary" disabled={!dirty || saving}>
          {saving ? 'Saving…' : 'Save changes'}
        </button>
        <button
          type="button"
          className="button button-quiet"
          disabled={!dirty || saving}
          onClick={() => {
            setDraft(initial);
            setErrors({});
            setFormError(null);
          }}
        >
          Discard
        </button>
        <output className="save-note" aria-live="polite">
          {saved ? (data.restartRequired ? 'Saved. Takes effect at restart.' : 'Saved.') : ''}
        </output>
      </div>
    </form>
  );
}

interface SettingInputProps {
  field: SettingField;
  view: SettingView;
  text: string;
  error: string | undefined;
  onChange: (text: string) => void;
}

function SettingInput({ field, view, text, error, onChange }: SettingInputProps) {
  const secret = isSecretSetting(field.key);
  const pending = JSON.stringify(view.value) !== JSON.stringify(view.running);
  const hint = (
    <>
      {field.help} <code>{view.envVar}</code>
      {secret && <> · currently {displayValue(field, field.key, view.value)}</>}
      {pending && (
        <span className="pending">
          Running now: {displayValue(field, field.key, view.running)}. The new value takes effect at restart.
        </span>
      )}
    </>
  );
  return (
    <Field label={field.label} hint={hint} error={error} aside={<SourceBadge source={view.source} />}>
      {(control) =>
        field.input.kind === 'enum' ? (
          <select {...control} name={field.key} value={text} onChange={(e) => onChange(e.target.value)}>
            <option value="">Not set (environment or default)</option>
            {field.input.options.map((o) => (
              <option key={o.value} value={o.value} disabled={o.disabled}>
                {o.label}
              </option>
            ))}
          </select>
        ) : (
          <input
            {...control}
            name={field.key}
            type={secret ? 'password' : 'text'}
            className={field.mono ? 'mono' : undefined}
            inputMode={field.input.kind === 'port' ? 'numeric' : undefined}
            autoComplete="off"
            spellCheck={false}
            placeholder={secret ? 'Enter a new value to replace it' : 'not set'}
            value={text}
            onChange={(e) => onChange(e.target.value)}
          />
        )
      }
    </Field>
  );
}
