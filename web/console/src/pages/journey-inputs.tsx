import { type ReactNode, useState } from 'react';
import { type Fields, isObject } from '../journey-steps';
import { ATTRIBUTE_KINDS, type AttributeKind, type AttributeRow, attributeRowsOf, attributesOf, blankRow, eventPatternOf, eventPatternParts, OPERATORS, type Operator, type Row, type RowProblem, takesValue } from '../pattern-rows';
import { useI18n, type TextKey } from '../i18n';
import { LabelledField } from '../notices';

const PROBLEM_TEXT: Readonly<Record<RowProblem, TextKey>> = { name: 'rows.problem.name', number: 'rows.problem.number', clash: 'rows.problem.clash' };

/** A JSON value edited as text: the definition changes when the text parses, and says so beside it when it does not. */
export function JsonInput({ id, label, value, error, onChange }: { readonly id: string; readonly label: string; readonly value: unknown; readonly error: string | undefined; readonly onChange: (value: Fields) => void }) {
  const { text } = useI18n();
  const [typed, setTyped] = useState(() => JSON.stringify(value ?? {}, null, 2));
  const [unreadable, setUnreadable] = useState(false);
  return (
    <LabelledField id={id} label={label} error={unreadable ? text('editor.badJson') : error}>
      {(described) => (
        <textarea
          id={id}
          rows={3}
          spellCheck={false}
          value={typed}
          onChange={(event) => {
            setTyped(event.target.value);
            try {
              const parsed: unknown = JSON.parse(event.target.value);
              setUnreadable(!isObject(parsed));
              if (isObject(parsed)) onChange(parsed);
            } catch {
              setUnreadable(true);
            }
          }}
          {...described}
        />
      )}
    </LabelledField>
  );
}

/** Rows of one kind, each in its own labelled group with a button removing it, and a button adding one. */
function RowList<Item>(props: {
  readonly id: string;
  readonly items: readonly Item[];
  readonly problems: ReadonlyMap<number, RowProblem>;
  readonly blank: () => Item;
  /** The words for a row (`Condition 1`), removing it, adding one. */
  readonly words: { readonly row: TextKey; readonly remove: TextKey; readonly add: TextKey };
  readonly onChange: (next: Item[]) => void;
  readonly inputs: (item: Item, index: number, change: (next: Item) => void) => ReactNode;
}) {
  const { id, items, problems, blank, words, onChange, inputs } = props;
  const { text } = useI18n();
  return (
    <>
      {items.map((item, index) => {
        const problem = problems.get(index);
        const change = (next: Item) => onChange(items.map((one, at) => (at === index ? next : one)));
        return (
          // biome-ignore lint/suspicious/noArrayIndexKey: a row's key is what the marketer types here
          <fieldset key={index} className="pattern-row" aria-describedby={problem ? `${id}-${index}-problem` : undefined}>
            <legend>{text(words.row, { number: index + 1 })}</legend>
            <div className="settings">
              {inputs(item, index, change)}
              <button type="button" className="danger" onClick={() => onChange(items.filter((_, at) => at !== index))}>
                {text(words.remove, { number: index + 1 })}
              </button>
            </div>
            {problem && (
              <p id={`${id}-${index}-problem`} className="field-error">
                {text(PROBLEM_TEXT[problem])}
              </p>
            )}
          </fieldset>
        );
      })}
      <button type="button" onClick={() => onChange([...items, blank()])}>
        {text(words.add)}
      </button>
    </>
  );
}

/**
 * An event pattern as the event types it takes and rows of property, operator and value; a pattern
 * the rows cannot say (another matcher, more than event type and properties) stays JSON, and the
 * form says why.
 */
export function EventPatternInput({ id, label, pattern, error, onChange }: { readonly id: string; readonly label: string; readonly pattern: unknown; readonly error: string | undefined; readonly onChange: (pattern: Fields) => void }) {
  const { text } = useI18n();
  const [parts, setParts] = useState(() => eventPatternParts(pattern));
  const [types, setTypes] = useState(() => parts?.types.join(', ') ?? '');
  const [rows, setRows] = useState<readonly Row[]>(() => parts?.rows ?? []);
  // The pattern as last read or written here: one changed elsewhere (the JSON tab) is read again.
  const incoming = JSON.stringify(pattern ?? null);
  const [seen, setSeen] = useState(incoming);
  if (parts && incoming !== seen) {
    const read = eventPatternParts(pattern);
    setSeen(incoming);
    setParts(read);
    setTypes(read?.types.join(', ') ?? '');
    setRows(read?.rows ?? []);
  }
  if (!parts) {
    return (
      <>
        <JsonInput id={id} label={label} value={pattern} error={error} onChange={onChange} />
        <p className="help">{text('rows.jsonOnly')}</p>
      </>
    );
  }
  const typeList = (typed: string) =>
    typed
      .split(',')
      .map((type) => type.trim())
      .filter(Boolean);
  const { problems } = eventPatternOf(typeList(types), rows);
  const write = (nextTypes: string, nextRows: readonly Row[]) => {
    const written = eventPatternOf(typeList(nextTypes), nextRows).pattern;
    setTypes(nextTypes);
    setRows(nextRows);
    setSeen(JSON.stringify(written));
    onChange(written);
  };
  return (
    <fieldset className="pattern" aria-describedby={error ? `${id}-error` : undefined}>
      <legend>{label}</legend>
      {error && (
        <p id={`${id}-error`} className="field-error">
          {error}
        </p>
      )}
      <LabelledField id={`${id}-types`} label={text('journeys.eventTypes')} error={undefined}>
        {(described) => <input id={`${id}-types`} value={types} onChange={(event) => write(event.target.value, rows)} {...described} />}
      </LabelledField>
      <p className="help">{text('rows.help')}</p>
      <RowList
        id={id}
        items={rows}
        problems={problems}
        blank={blankRow}
        words={{ row: 'rows.condition', remove: 'rows.remove', add: 'rows.add' }}
        onChange={(next) => write(types, next)}
        inputs={(one, index, change) => (
          <>
            <LabelledField id={`${id}-${index}-key`} label={text('rows.property')} error={undefined}>
              {(described) => <input id={`${id}-${index}-key`} value={one.key} placeholder="formId" onChange={(event) => change({ ...one, key: event.target.value })} {...described} />}
            </LabelledField>
            <LabelledField id={`${id}-${index}-operator`} label={text('rows.operator')} error={undefined}>
              {(described) => (
                <select id={`${id}-${index}-operator`} value={one.operator} onChange={(event) => change({ ...one, operator: event.target.value as Operator })} {...described}>
                  {OPERATORS.map((operator) => (
                    <option key={operator} value={operator}>
                      {text(`rows.operator.${operator}`)}
                    </option>
                  ))}
                </select>
              )}
            </LabelledField>
            {takesValue(one.operator) && (
              <LabelledField id={`${id}-${index}-value`} label={one.operator === 'between' ? text('rows.from') : text('rows.value')} error={undefined}>
                {(described) => <input id={`${id}-${index}-value`} value={one.value} inputMode={one.operator === 'is' || one.operator === 'is-not' || one.operator === 'starts-with' ? undefined : 'decimal'} onChange={(event) => change({ ...one, value: event.target.value })} {...described} />}
              </LabelledField>
            )}
            {one.operator === 'between' && (
              <LabelledField id={`${id}-${index}-up-to`} label={text('rows.upTo')} error={undefined}>
                {(described) => <input id={`${id}-${index}-up-to`} value={one.upTo} inputMode="decimal" onChange={(event) => change({ ...one, upTo: event.target.value })} {...described} />}
              </LabelledField>
            )}
          </>
        )}
      />
    </fieldset>
  );
}

/** The attributes an update_lead step sets, as rows of name, kind and value; values the rows cannot type stay JSON. */
export function AttributesInput({ id, attributes, error, onChange }: { readonly id: string; readonly attributes: unknown; readonly error: string | undefined; readonly onChange: (attributes: Fields | undefined) => void }) {
  const { text } = useI18n();
  const [rows, setRows] = useState<readonly AttributeRow[] | undefined>(() => attributeRowsOf(attributes));
  // The attributes as last read or written here: ones changed elsewhere (the JSON tab) are read again.
  const incoming = JSON.stringify(attributes ?? {});
  const [seen, setSeen] = useState(incoming);
  if (rows && incoming !== seen) {
    setSeen(incoming);
    setRows(attributeRowsOf(attributes));
  }
  if (!rows) {
    return (
      <>
        <JsonInput id={id} label={text('journeys.attributes')} value={attributes} error={error} onChange={(next) => onChange(Object.keys(next).length ? next : undefined)} />
        <p className="help">{text('rows.jsonOnly')}</p>
      </>
    );
  }
  const { problems } = attributesOf(rows);
  const write = (next: readonly AttributeRow[]) => {
    setRows(next);
    const written = attributesOf(next).attributes;
    setSeen(JSON.stringify(written));
    onChange(Object.keys(written).length ? written : undefined);
  };
  return (
    <fieldset className="pattern" aria-describedby={error ? `${id}-error` : undefined}>
      <legend>{text('journeys.attributes')}</legend>
      {error && (
        <p id={`${id}-error`} className="field-error">
          {error}
        </p>
      )}
      <RowList
        id={id}
        items={rows}
        problems={problems}
        blank={(): AttributeRow => ({ key: '', kind: 'text', value: '' })}
        words={{ row: 'rows.attributeRow', remove: 'rows.removeAttribute', add: 'rows.addAttribute' }}
        onChange={write}
        inputs={(one, index, change) => (
          <>
            <LabelledField id={`${id}-${index}-key`} label={text('rows.attribute')} error={undefined}>
              {(described) => <input id={`${id}-${index}-key`} value={one.key} onChange={(event) => change({ ...one, key: event.target.value })} {...described} />}
            </LabelledField>
            <LabelledField id={`${id}-${index}-kind`} label={text('rows.kind')} error={undefined}>
              {(described) => (
                <select id={`${id}-${index}-kind`} value={one.kind} onChange={(event) => change({ ...one, kind: event.target.value as AttributeKind })} {...described}>
                  {ATTRIBUTE_KINDS.map((kind) => (
                    <option key={kind} value={kind}>
                      {text(`rows.kind.${kind}`)}
                    </option>
                  ))}
                </select>
              )}
            </LabelledField>
            {(one.kind === 'text' || one.kind === 'number') && (
              <LabelledField id={`${id}-${index}-value`} label={text('rows.value')} error={undefined}>
                {(described) => <input id={`${id}-${index}-value`} value={one.value} inputMode={one.kind === 'number' ? 'decimal' : undefined} onChange={(event) => change({ ...one, value: event.target.value })} {...described} />}
              </LabelledField>
            )}
          </>
        )}
      />
    </fieldset>
  );
}
