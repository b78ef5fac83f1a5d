import { type FormEvent, useRef, useState } from 'react';
import {
  basePortSchema,
  dataDirSchema,
  publicHostSchema,
  type SetupResponse,
  type Status,
} from '../../../server/api/index.js';
import type { ApiError } from '../api/client.js';
import { Field } from '../components/Field.js';
import { ModeCards } from '../components/ModeCards.js';
import { PageHeader } from '../components/PageHeader.js';
import { Loading } from '../components/Panels.js';
import { RestartAction } from '../components/RestartAction.js';
import { MODE_CHOICES, type ModeId, modeIdOf } from '../modes.js';
import { Link, navigate, ROUTES } from '../router.js';
import { asApiError, useHub } from '../store.js';
import { type FieldErrors, numberInput, schemaMessage } from '../validation.js';

type Step = 'mode' | 'details' | 'done';
const STEPS: { id: Step; label: string }[] = [
  { id: 'mode', label: 'Mode' },
  { id: 'details', label: 'Ports and folders' },
  { id: 'done', label: 'Restart' },
];

interface Details {
  basePort: string;
  publicHost: string;
  dataDir: string;
}
type DetailKey = keyof Details;
const DETAIL_KEYS: DetailKey[] = ['basePort', 'publicHost', 'dataDir'];

/** Client-side checks with the very schemas the hub applies, so messages match the hub's. */
function validate(key: DetailKey, raw: string): string | null {
  switch (key) {
    case 'basePort':
      return schemaMessage(basePortSchema, numberInput(raw));
    case 'publicHost':
      return schemaMessage(publicHostSchema, raw);
    case 'dataDir':
      return schemaMessage(dataDirSchema, raw);
  }
}

export function SetupWizardPage() {
  const status = useHub((s) => s.status);
  if (!status?.detail) return <Loading label="Loading the hub’s status…" />;
  return <Wizard status={status} detail={status.detail} />;
}

function Wizard({ status, detail }: { status: Status; detail: NonNullable<Status['detail']> }) {
  const applySetup = useHub((s) => s.applySetup);
  const dismissSetup = useHub((s) => s.dismissSetup);
  const setupDismissed = useHub((s) => s.setupDismissed);
  // Read once: later status events must not turn the page into something else mid-way.
  const [firstRun] = useState(detail.setupRequired && !setupDismissed);
  const [step, setStep] = useState<Step>('mode');
  const [mode, setMode] = useState<ModeId | null>(() => modeIdOf(status.product, status.deploymentMode));
  const [details, setDetails] = useState<Details>({
    basePort: String(status.ports.https),
    publicHost: detail.publicHost,
    dataDir: detail.dataDir,
  });
  const [errors, setErrors] = useState<FieldErrors>({});
  const [formError, setFormError] = useState<string | null>(null);
  const [submitting, setSubmitting] = useState(false);
  const [result, setResult] = useState<SetupResponse | null>(null);
  const inputs = useRef<Partial<Record<DetailKey, HTMLInputElement | null>>>({});

  const choice = MODE_CHOICES.find((c) => c.id === mode);

  const change = (key: DetailKey, value: string) => {
    setDetails((d) => ({ ...d, [key]: value }));
    // Checked on Apply, then again as they type once a message shows, so it clears when fixed.
    // (Not on blur: a message appearing under the field would move the Apply button mid-click.)
    if (errors[key]) setErrors((e) => ({ ...e, [key]: validate(key, value) ?? undefined }));
  };

  const continueToDetails = (e: FormEvent) => {
    e.preventDefault();
    if (!choice) {
      setErrors({ mode: 'Choose one of the three modes' });
      return;
    }
    setErrors({});
    setStep('details');
  };

  const apply = async (e: FormEvent) => {
    e.preventDefault();
    if (!choice) return;
    const found: FieldErrors = {};
    for (const key of DETAIL_KEYS) found[key] = validate(key, details[key]) ?? undefined;
    setErrors(found);
    setFormError(null);
    const firstBad = DETAIL_KEYS.find((k) => found[k]);
    if (firstBad) {
      inputs.current[firstBad]?.focus();
      return;
    }
    setSubmitting(true);
    try {
      const res = await applySetup({
        product: choice.product,
        deploymentMode: choice.deploymentMode,
        basePort: Number(details.basePort.trim()),
        publicHost: details.publicHost.trim(),
        dataDir: details.dataDir.trim(),
      });
      setResult(res);
      setStep('done');
    } catch (err) {
      showServerError(asApiError(err));
    } finally {
      setSubmitting(false);
    }
  };

  /** The hub names the field it refuses; put the message there (mode problems go back to step 1). */
  function showServerError(err: ApiError) {
    const field = err.field as DetailKey | 'product' | 'deploymentMode' | undefined;
    if (field && (DETAIL_KEYS as string[]).includes(field)) {
      setErrors({ [field]: err.message });
      inputs.current[field as DetailKey]?.focus();
    } else if (field === 'product' || field === 'deploymentMode') {
      setErrors({ mode: err.message });
      setStep('mode');
    } else {
      setFormError(err.message);
    }
  }

  const notNow = () => {
    dismissSetup();
    navigate(ROUTES.overview);
  };

  return (
    <>
      <PageHeader title={firstRun ? 'Welcome to Launchpad' : 'Setup'}>
        <p>Choose how this computer runs Launchpad. You can run this setup again from Settings.</p>
      </PageHeader>
      <ol className="stepper">
        {STEPS.map((s, i) => (
          <li
            key={s.id}
            aria-current={s.id === step ? 'step' : undefined}
            className={STEPS.findIndex((x) => x.id === step) > i ? 'stepper-done' : undefined}
          >
            <span className="stepper-number" aria-hidden="true">
              {i + 1}
            </span>
            {s.label}
          </li>
        ))}
      </ol>

      {step === 'mode' && (
        <form className="card wizard-card" onSubmit={continueToDetails} noValidate>
          <h2>How will you use this computer?</h2>
          <ModeCards value={mode} onChange={setMode} error={errors.mode} />
          <div className="button-row">
            <button type="submit" className="button button-primary">
              Continue
            </button>
            {firstRun ? (
              <button type="button" className="button button-quiet" onClick={notNow}>
                Not now
              </button>
            ) : (
              <Link to={ROUTES.settings} className="button button-quiet">
                Cancel
              </Link>
            )}
          </div>
        </form>
      )}

      {step === 'details' && choice && (
        <form className="card wizard-card" onSubmit={apply} noValidate>
          <h2>{choice.title}: ports and folders</h2>
          {formError && (
            <p className="form-error" role="alert">
              {formError}
            </p>
          )}
          <Field
            label="Base port"
            hint="HTTPS uses this port and SSH the next one; hosts’ tunnels use ports 10 to 1009 above it."
            error={errors.basePort}
          >
            {(control) => (
              <input
                {...control}
                ref={(el) => {
                  inputs.current.basePort = el;
                }}
                name="basePort"
                inputMode="numeric"
                autoComplete="off"
                value={details.basePort}
                onChange={(e) => change('basePort', e.target.value)}
              />
            )}
          </Field>
          <Field
            label="Public host"
            hint={
              choice.deploymentMode === 'local'
                ? 'The name or IP address other machines on your network use to reach this hub; it goes into the certificate.'
                : 'The name this hub’s certificate is made for. Plus and cloud hubs listen on this computer only.'
            }
            error={errors.publicHost}
          >
            {(control) => (
              <input
                {...control}
                ref={(el) => {
                  inputs.current.publicHost = el;
                }}
                name="publicHost"
                autoComplete="off"
                spellCheck={false}
                value={details.publicHost}
                onChange={(e) => change('publicHost', e.target.value)}
              />
            )}
          </Field>
          <Field
            label="Data dir"
            hint="Where Launchpad keeps its database, certificates and projects. Another folder starts a separate hub there."
            error={errors.dataDir}
          >
            {(control) => (
              <input
                {...control}
                ref={(el) => {
                  inputs.current.dataDir = el;
                }}
                name="dataDir"
                className="mono"
                autoComplete="off"
                spellCheck={false}
                value={details.dataDir}
                onChange={(e) => change('dataDir', e.target.value)}
              />
            )}
          </Field>
          <div className="button-row">
            <button type="submit" className="button button-primary" disabled={submitting}>
              {submitting ? 'Applying…' : 'Apply'}
            </button>
            <button type="button" className="button button-quiet" onClick={() => setStep('mode')}>
              Back
            </button>
          </div>
        </form>
      )}

      {step === 'done' && result && (
        <section className="card wizard-card" aria-labelledby="setup-done">
          {result.restart.required ? (
            <>
              <h2 id="setup-done">Restart needed</h2>
              <p>
                {result.restart.dataDir === detail.dataDir
                  ? 'Your choices are saved. They take effect when the hub restarts.'
                  : `Nothing was changed here: the new data dir ${result.restart.dataDir} gets these choices when a hub starts on it.`}
              </p>
              <RestartAction target={result.restart} currentDataDir={detail.dataDir} pid={detail.pid} />
            </>
          ) : (
            <>
              <h2 id="setup-done">All set</h2>
              <p>The hub already runs with these choices; nothing needs a restart.</p>
            </>
          )}
          <div className="button-row">
            <Link to={ROUTES.overview} className="button">
              Go to Overview
            </Link>
          </div>
        </section>
      )}
    </>
  );
}
