/** A segmented choice (plays / time, tracks / artists / albums): buttons with aria-pressed. */
export function Toggle<T extends string>({ value, options, onChange, label }: { value: T; options: readonly (readonly [T, string])[]; onChange: (v: T) => void; label: string }) {
  return (
    <div class="toggle" role="group" aria-label={label}>
      {options.map(([v, text]) => <button key={v} type="button" class={v === value ? 'active' : ''} aria-pressed={v === value} onClick={() => onChange(v)}>{text}</button>)}
    </div>
  );
}
