/**
 * One radio button per option, each in an inline label, in the order of `labels`; `name`
 * groups them and prefixes their test ids (`${name}-${option}`).
 */
export function RadioOptions<V extends string>({
  name,
  labels,
  value,
  onChange,
}: {
  name: string;
  labels: Record<V, string>;
  value: V;
  onChange: (value: V) => void;
}) {
  return (
    <>
      {(Object.entries(labels) as [V, string][]).map(([option, label]) => (
        <label key={option} className="inline">
          <input
            type="radio"
            name={name}
            data-testid={`${name}-${option}`}
            value={option}
            checked={value === option}
            onChange={() => onChange(option)}
          />
          {label}
        </label>
      ))}
    </>
  );
}
