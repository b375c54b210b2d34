/** Inputs shared by the confirm forms. */

import { Field } from "../../components/Field";

const ENGINE_RESULTS = [
  "tesSUCCESS",
  "tecUNFUNDED_PAYMENT",
  "tecNO_PERMISSION",
  "tecNO_TARGET",
  "temMALFORMED",
  "temBAD_AMOUNT",
  "declined",
];

interface TextEvidenceProps {
  label: string;
  value: string;
  onChange: (value: string) => void;
  hint?: string;
  mono?: boolean;
  numeric?: boolean;
  name: string;
}

export function TextEvidence({
  label,
  value,
  onChange,
  hint,
  mono,
  numeric,
  name,
}: TextEvidenceProps) {
  return (
    <Field label={label} hint={hint}>
      {(props) => (
        <input
          {...props}
          name={name}
          className={mono ? "mono" : undefined}
          inputMode={numeric ? "numeric" : undefined}
          autoComplete="off"
          autoCapitalize="off"
          spellCheck={false}
          value={value}
          onChange={(event) => onChange(event.target.value)}
        />
      )}
    </Field>
  );
}

export function EngineResultField({
  value,
  onChange,
  listId,
}: {
  value: string;
  onChange: (value: string) => void;
  listId: string;
}) {
  return (
    <Field
      label="Engine result"
      hint="tesSUCCESS for a successful transaction; change it to try a failure."
    >
      {(props) => (
        <>
          <input
            {...props}
            name="engine_result"
            className="mono"
            list={listId}
            autoComplete="off"
            spellCheck={false}
            value={value}
            onChange={(event) => onChange(event.target.value)}
          />
          <datalist id={listId}>
            {ENGINE_RESULTS.map((result) => (
              <option key={result} value={result} />
            ))}
          </datalist>
        </>
      )}
    </Field>
  );
}

export function ValidatedField({
  value,
  onChange,
}: {
  value: boolean;
  onChange: (value: boolean) => void;
}) {
  return (
    <label className="choice">
      <input
        type="checkbox"
        name="validated"
        checked={value}
        onChange={(event) => onChange(event.target.checked)}
      />
      Validated by the ledger
    </label>
  );
}
