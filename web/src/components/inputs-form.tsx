import { useState, type FormEvent } from 'react';
import type { InputSpec } from '../api/gateway-client.js';

interface InputsFormProps {
  inputs: Record<string, InputSpec>;
  submitting: boolean;
  onSubmit: (parameters: Record<string, unknown>) => void;
}

const isStructured = (spec: InputSpec) => spec.type === 'array' || spec.type === 'object';

function initialText(spec: InputSpec): string {
  if (spec.default === undefined || spec.default === null) return '';
  return typeof spec.default === 'string' ? spec.default : JSON.stringify(spec.default);
}

/** Turns the form's strings into the JSON types the template declares; throws with the field's name. */
function toParameters(inputs: Record<string, InputSpec>, values: Record<string, string | boolean>): Record<string, unknown> {
  const parameters: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(inputs)) {
    const raw = values[name];
    if (typeof raw === 'boolean') {
      parameters[name] = raw;
      continue;
    }
    if (raw === undefined || raw.trim() === '') continue;
    if (spec.type === 'number' || spec.type === 'integer') {
      const number = Number(raw);
      if (!Number.isFinite(number)) throw new Error(`${name} must be a number`);
      parameters[name] = number;
    } else if (isStructured(spec)) {
      try {
        parameters[name] = JSON.parse(raw);
      } catch {
        throw new Error(`${name} must be valid JSON (${spec.type === 'array' ? 'for example ["a", "b"]' : 'for example {"key": "value"}'})`);
      }
    } else {
      parameters[name] = raw;
    }
  }
  return parameters;
}

/** A form built from a template's declared inputs: type, required, default, enum and description. */
export function InputsForm({ inputs, submitting, onSubmit }: InputsFormProps) {
  const [values, setValues] = useState<Record<string, string | boolean>>(() =>
    Object.fromEntries(Object.entries(inputs).map(([name, spec]) => [name, spec.type === 'boolean' ? spec.default === true : initialText(spec)])),
  );
  const [problem, setProblem] = useState<string | null>(null);
  const set = (name: string, value: string | boolean) => setValues((current) => ({ ...current, [name]: value }));

  function submit(event: FormEvent) {
    event.preventDefault();
    try {
      setProblem(null);
      onSubmit(toParameters(inputs, values));
    } catch (error) {
      setProblem((error as Error).message);
    }
  }

  const entries = Object.entries(inputs);
  return (
    <form className="inputs-form" onSubmit={submit}>
      {entries.length === 0 && <p className="muted">This workflow takes no inputs.</p>}
      {entries.map(([name, spec]) => {
        const id = `input-${name}`;
        const help = spec.description ? `${id}-help` : undefined;
        const value = values[name];
        return (
          <div className="field" key={name}>
            <label htmlFor={id}>
              {name}
              {spec.required ? <span className="required"> (required)</span> : <span className="muted"> (optional)</span>}
              {spec.type && <span className="field-type">{spec.type}</span>}
            </label>
            {spec.enum ? (
              <select id={id} name={name} value={String(value)} required={spec.required} aria-describedby={help} onChange={(event) => set(name, event.target.value)}>
                {!spec.required && <option value="">-</option>}
                {spec.enum.map((option) => (
                  <option key={String(option)} value={String(option)}>{String(option)}</option>
                ))}
              </select>
            ) : spec.type === 'boolean' ? (
              <input id={id} name={name} type="checkbox" checked={value === true} aria-describedby={help} onChange={(event) => set(name, event.target.checked)} />
            ) : isStructured(spec) ? (
              <textarea id={id} name={name} rows={3} value={String(value)} required={spec.required} aria-describedby={help} onChange={(event) => set(name, event.target.value)} />
            ) : (
              <input
                id={id}
                name={name}
                type={spec.type === 'number' || spec.type === 'integer' ? 'number' : 'text'}
                step={spec.type === 'integer' ? 1 : 'any'}
                value={String(value)}
                required={spec.required}
                aria-describedby={help}
                onChange={(event) => set(name, event.target.value)}
              />
            )}
            {spec.description && <p className="field-help" id={help}>{spec.description}</p>}
          </div>
        );
      })}
      {problem && <p className="error-box" role="alert">{problem}</p>}
      <button type="submit" className="sf-button sf-button-primary" disabled={submitting}>
        {submitting ? 'Starting…' : 'Run workflow'}
      </button>
    </form>
  );
}
