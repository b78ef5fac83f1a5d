import { MODE_CHOICES, type ModeId } from '../modes.js';

interface Props {
  value: ModeId | null;
  onChange: (id: ModeId) => void;
  error?: string | null | undefined;
}

/** The three ways to run Launchpad as radio cards: native radios, so arrow keys and labels just work. */
export function ModeCards({ value, onChange, error }: Props) {
  return (
    <fieldset className="mode-cards" aria-describedby={error ? 'mode-error' : undefined}>
      <legend className="visually-hidden">Mode</legend>
      {MODE_CHOICES.map((choice) => (
        <label key={choice.id} className="mode-card">
          <input
            type="radio"
            name="mode"
            value={choice.id}
            checked={value === choice.id}
            onChange={() => onChange(choice.id)}
          />
          <span className="mode-card-text">
            <span className="mode-card-title">{choice.title}</span>
            <span className="mode-card-summary">{choice.summary}</span>
          </span>
        </label>
      ))}
      {error && (
        <p id="mode-error" className="field-error">
          {error}
        </p>
      )}
    </fieldset>
  );
}
