import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import type * as z from 'zod';
import { createSegment, listSegments, previewSegmentDefinition, updateSegment } from '../../../../functions/manage-segments/routes';
import type { AudiencePreview } from '../../../../src/api/responses';
import type { RouteOutput } from '../../../../src/http/route-declarations';
import { refetchAfterChange } from '../after-change';
import { useApi } from '../api';
import { useI18n } from '../i18n';
import { QueryTable } from '../frames';
import { ErrorNotice, fieldErrorsOf, LabelledField } from '../notices';

const PREVIEW_AFTER_MS = 400;
const STARTER_CONDITION = '{\n  "lead": { "country": ["ID"] }\n}';

type SavedSegment = RouteOutput<typeof listSegments>['items'][number];
type HistoryCondition = NonNullable<SavedSegment['history']>[number];

/**
 * A history condition as edited: "did" (at least `atLeast` times) or "did not" do events of the
 * types listed, within the last `withinDays` days or ever. The rest of its event pattern
 * (properties, occurredAt) has no input here and is kept as saved.
 */
interface EditedHistory {
  readonly did: boolean;
  readonly types: string;
  readonly atLeast: string;
  readonly withinDays: string;
  readonly otherPattern: Readonly<Record<string, unknown>>;
}

const editedHistory = (condition: HistoryCondition): EditedHistory => {
  const { type, ...otherPattern } = condition.event;
  return {
    did: !condition.absent,
    types: (Array.isArray(type) ? type : type === undefined ? [] : [type]).map(String).join(', '),
    atLeast: condition.atLeast === undefined ? '' : String(condition.atLeast),
    withinDays: condition.withinDays === undefined ? '' : String(condition.withinDays),
    otherPattern,
  };
};

/** The condition the API reads; a number typed wrongly goes as typed, for the API to name its field. */
const historyCondition = (edited: EditedHistory) => {
  const number = (typed: string) => (typed.trim() === '' ? undefined : Number(typed));
  const atLeast = edited.did ? number(edited.atLeast) : undefined;
  const withinDays = number(edited.withinDays);
  const types = edited.types
    .split(',')
    .map((type) => type.trim())
    .filter(Boolean);
  return {
    event: { ...edited.otherPattern, type: types },
    ...(atLeast === undefined ? {} : { atLeast }),
    ...(withinDays === undefined ? {} : { withinDays }),
    ...(edited.did ? {} : { absent: true as const }),
  };
};

const NEW_HISTORY: EditedHistory = { did: true, types: 'page_view', atLeast: '1', withinDays: '30', otherPattern: {} };

/** Saved segments, and a builder (of a new one, or of the next version of a saved one) whose count and sample follow the condition as it is typed. */
export default function SegmentsPage() {
  const api = useApi();
  const { text, formatDate } = useI18n();
  const segments = useQuery({ queryKey: ['segments'], queryFn: () => api.call(listSegments, { query: { limit: '200' } }) });
  const [editing, setEditing] = useState<SavedSegment>();

  return (
    <section aria-labelledby="segments-title">
      <h1 id="segments-title">{text('segments.title')}</h1>
      <QueryTable
        query={segments}
        label={text('segments.list')}
        empty={text('segments.none')}
        columns={[{ label: text('segments.name') }, { label: text('segments.condition') }, { label: text('segments.version'), number: true }, { label: text('segments.updated') }, { label: text('settings.actions') }]}
        items={(page) => page.items}
        row={(segment) => (
          <tr key={segment.id}>
            <td>{segment.name}</td>
            <td>
              <code>{JSON.stringify(segment.where ?? {})}</code>
              {segment.history?.length ? (
                <>
                  {' '}
                  <code>{JSON.stringify(segment.history)}</code>
                </>
              ) : null}
            </td>
            <td className="number">{segment.version}</td>
            <td>{formatDate(segment.updatedAt)}</td>
            <td>
              <button type="button" onClick={() => setEditing(segment)}>
                {text('segments.editOne', { name: segment.name })}
              </button>
            </td>
          </tr>
        )}
      />
      <SegmentBuilder key={editing ? `${editing.id}:${editing.version}` : 'new'} editing={editing} onDone={() => setEditing(undefined)} />
    </section>
  );
}

function SegmentBuilder({ editing, onDone }: { readonly editing: SavedSegment | undefined; readonly onDone: () => void }) {
  const api = useApi();
  const queryClient = useQueryClient();
  const { text } = useI18n();
  const [name, setName] = useState(editing?.name ?? '');
  const [whereText, setWhereText] = useState(editing ? JSON.stringify(editing.where ?? {}, null, 2) : STARTER_CONDITION);
  const [editedHistories, setEditedHistories] = useState<readonly EditedHistory[]>(() => (editing?.history ?? []).map(editedHistory));
  const history = editedHistories.length ? editedHistories.map(historyCondition) : undefined;
  // The effect below runs again when the conditions change, not on every render's new array.
  const historyKey = JSON.stringify(history ?? null);
  const updateHistory = (index: number, change: Partial<EditedHistory>) => setEditedHistories((all) => all.map((one, at) => (at === index ? { ...one, ...change } : one)));
  // The version this edit follows: a save moves it on, so a second save is not refused as someone else's.
  const [version, setVersion] = useState(editing?.version);
  const [preview, setPreview] = useState<{ audience?: AudiencePreview; problem?: string; fields?: ReadonlyMap<string, string> }>({});

  useEffect(() => {
    setPreview({});
    let current = true;
    const timer = setTimeout(() => {
      let where: Record<string, unknown>;
      try {
        where = JSON.parse(whereText) as Record<string, unknown>;
      } catch {
        setPreview({ problem: `where ${text('editor.badJson')}` });
        return;
      }
      const conditions = JSON.parse(historyKey) as ReturnType<typeof historyCondition>[] | null;
      api.call(previewSegmentDefinition, { body: { where, ...(conditions ? { history: conditions } : {}) } as z.input<typeof previewSegmentDefinition.request.body.schema> }).then(
        (answer) => current && setPreview({ audience: answer.audience }),
        (error: unknown) => current && setPreview({ problem: error instanceof Error ? error.message : String(error), fields: fieldErrorsOf(error) }),
      );
    }, PREVIEW_AFTER_MS);
    return () => {
      // An answer to an earlier condition arriving late must not replace the current one's.
      current = false;
      clearTimeout(timer);
    };
  }, [whereText, historyKey, api, text]);

  const save = useMutation({
    mutationFn: () => {
      const where = JSON.parse(whereText) as Record<string, unknown>;
      if (!editing) return api.call(createSegment, { body: { name, where, ...(history ? { history } : {}) } as z.input<typeof createSegment.request.body.schema> });
      const { description, tracked } = editing;
      const body = { name, where, expectedVersion: version, ...(history ? { history } : {}), ...(description ? { description } : {}), ...(tracked === undefined ? {} : { tracked }) };
      return api.call(updateSegment, { params: { segmentId: editing.id }, body: body as z.input<typeof updateSegment.request.body.schema> });
    },
    onSuccess: (saved) => {
      setVersion(saved.version);
      return refetchAfterChange(queryClient, { queryKey: ['segments'] });
    },
  });

  return (
    <section aria-labelledby="segment-builder-title">
      <h2 id="segment-builder-title">{editing ? text('segments.editing', { name: editing.name, version: version ?? editing.version }) : text('segments.new')}</h2>
      <form
        onSubmit={(event) => {
          event.preventDefault();
          save.mutate();
        }}
      >
        <div className="field">
          <label htmlFor="segment-name">{text('segments.name')}</label>
          <input id="segment-name" value={name} onChange={(event) => setName(event.target.value)} required />
        </div>
        <div className="field">
          <label htmlFor="segment-where">{text('segments.condition')}</label>
          <textarea id="segment-where" rows={6} spellCheck={false} value={whereText} onChange={(event) => setWhereText(event.target.value)} aria-describedby="segment-preview" aria-invalid={preview.problem !== undefined && ![...(preview.fields?.keys() ?? [])].some((field) => field.startsWith('history'))} />
        </div>
        <HistoryConditions conditions={editedHistories} errors={new Map([...(preview.fields ?? []), ...fieldErrorsOf(save.error)])} onUpdate={updateHistory} onChange={setEditedHistories} />
        <div id="segment-preview" role="status" aria-live="polite" className="preview">
          {preview.problem ? (
            <p className="field-error">{preview.problem}</p>
          ) : preview.audience ? (
            <>
              <p>
                <strong>{text('segments.count', { count: preview.audience.count })}</strong> {preview.audience.complete ? '' : text('segments.partial', { scanned: preview.audience.leadsScanned })}
              </p>
              {preview.audience.sample.length > 0 && (
                <ul>
                  {preview.audience.sample.map((member) => (
                    <li key={member.leadId}>{member.email}</li>
                  ))}
                </ul>
              )}
            </>
          ) : (
            <p>{text('editor.checking')}</p>
          )}
        </div>
        <button type="submit" className="primary" disabled={save.isPending || !name || preview.problem !== undefined}>
          {text('segments.save')}
        </button>
        {editing && (
          <button type="button" onClick={onDone}>
            {text('segments.newInstead')}
          </button>
        )}
        {save.isSuccess && <p role="status">{'created' in save.data && !save.data.created ? text('segments.unchanged', { version: save.data.version }) : text('segments.savedOne', { name: save.data.name, version: save.data.version })}</p>}
        {save.isError && <ErrorNotice error={save.error} />}
      </form>
    </section>
  );
}

/** The segment's history conditions, each a row of inputs with the API's errors for it beside them. */
function HistoryConditions(props: {
  readonly conditions: readonly EditedHistory[];
  readonly errors: ReadonlyMap<string, string>;
  readonly onUpdate: (index: number, change: Partial<EditedHistory>) => void;
  readonly onChange: (next: readonly EditedHistory[]) => void;
}) {
  const { conditions, errors, onUpdate, onChange } = props;
  const { text } = useI18n();
  return (
    <fieldset>
      <legend>{text('segments.history')}</legend>
      <p className="help">{text('segments.historyHelp')}</p>
      {conditions.map((condition, index) => {
        const at = `history[${index}]`;
        const idOf = (part: string) => `segment-history-${index}-${part}`;
        const number = index + 1;
        // The event pattern's errors (a type no event has, properties) are the types' to show.
        const patternError = errors.get(`${at}.event.type`) ?? [...errors].find(([field]) => field.startsWith(`${at}.event`))?.[1] ?? errors.get(at);
        return (
          // biome-ignore lint/suspicious/noArrayIndexKey: history conditions have no id; the marketer edits each in place
          <fieldset key={index}>
            <legend>{text('segments.historyOne', { number })}</legend>
            <div className="settings">
              <LabelledField id={idOf('did')} label={text('segments.historyDid')} error={errors.get(`${at}.absent`)}>
                {(described) => (
                  <select id={idOf('did')} value={condition.did ? 'did' : 'not'} onChange={(event) => onUpdate(index, { did: event.target.value === 'did' })} {...described}>
                    <option value="did">{text('segments.historyDidYes')}</option>
                    <option value="not">{text('segments.historyDidNot')}</option>
                  </select>
                )}
              </LabelledField>
              <LabelledField id={idOf('types')} label={text('segments.historyTypes')} error={patternError}>
                {(described) => <input id={idOf('types')} value={condition.types} onChange={(event) => onUpdate(index, { types: event.target.value })} {...described} />}
              </LabelledField>
              {condition.did && (
                <LabelledField id={idOf('at-least')} label={text('segments.historyAtLeast')} error={errors.get(`${at}.atLeast`)}>
                  {(described) => <input id={idOf('at-least')} type="number" min={1} value={condition.atLeast} onChange={(event) => onUpdate(index, { atLeast: event.target.value })} {...described} />}
                </LabelledField>
              )}
              <LabelledField id={idOf('within')} label={text('segments.historyWithin')} error={errors.get(`${at}.withinDays`)}>
                {(described) => <input id={idOf('within')} type="number" min={1} value={condition.withinDays} onChange={(event) => onUpdate(index, { withinDays: event.target.value })} {...described} />}
              </LabelledField>
            </div>
            <button type="button" className="danger" onClick={() => onChange(conditions.filter((_, at) => at !== index))}>
              {text('segments.historyRemove', { number })}
            </button>
          </fieldset>
        );
      })}
      <button type="button" onClick={() => onChange([...conditions, NEW_HISTORY])}>
        {text('segments.historyAdd')}
      </button>
    </fieldset>
  );
}
