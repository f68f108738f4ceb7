import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState, type KeyboardEvent, type ReactNode } from 'react';
import { Link } from 'react-router';
import { validateJourneyDefinition } from '../../../../functions/manage-journeys/routes';
import { listWebhookChoices } from '../../../../functions/manage-webhooks/routes';
import { listSegments } from '../../../../functions/manage-segments/routes';
import { listTemplates } from '../../../../functions/manage-templates/routes';
import { ApiError } from '../../../../src/api/client';
import { type JourneyDefinition, WEEKDAYS } from '../../../../src/domain/journeys/definition';
import { LIFECYCLE_STAGES } from '../../../../src/domain/handoff/lifecycle';
import { queriesNamed, refetchAfterChange } from '../after-change';
import { useApi } from '../api';
import { useI18n, type Text } from '../i18n';
import { ErrorNotice, LabelledField } from '../notices';
import { addStep, deleteStep, drawable, FLOWING, fieldsOf, isObject, issuesByStep, type Definition, type Fields, type Issue, type Path, type Place, type Refusal, replaceStep, setAt, STEP_TYPES, type Step, type StepType, withoutKey } from '../journey-steps';
import { StepDiagram, type StepCounts } from './journey-diagram';
import { AttributesInput, EventPatternInput, JsonInput } from './journey-inputs';
import { typeChoices, useSubscriptionTypeName, useSubscriptionTypes } from '../subscription-types';

const CHECK_AFTER_MS = 400;

/** What the API found wrong with a definition, each problem by its path; an error it could not check at all says so. */
const issuesOf = (error: unknown): Issue[] =>
  error instanceof ApiError && error.status === 400 && error.issues.length ? error.issues : [{ field: '', message: error instanceof Error ? error.message : String(error) }];

/** The problem at `field` or inside it, if any. */
const issueAt = (issues: readonly Issue[], field: string) => issues.find((issue) => issue.field === field || issue.field.startsWith(`${field}.`))?.message;

const numberOrNothing = (typed: string) => (typed.trim() === '' ? undefined : Number(typed));

/**
 * The draft of a journey, edited visually (the diagram of its steps, a form for the one selected,
 * entry and goal) or as JSON: one draft behind both tabs, checked as it changes by the API's own
 * validation, each problem shown on the step it concerns. Saving replaces the draft, which the
 * publish button then publishes.
 */
export function DraftEditor(props: {
  readonly draft: Readonly<Record<string, unknown>>;
  readonly counts: ReadonlyMap<string, StepCounts>;
  /** Stores the draft: replacing a journey's, or creating the journey. */
  readonly save: (definition: Definition) => Promise<unknown>;
  readonly saveLabel: string;
}) {
  const { draft, counts, save: store, saveLabel } = props;
  const api = useApi();
  const queryClient = useQueryClient();
  const { text } = useI18n();
  const [definition, setDefinition] = useState<unknown>(draft);
  const [tab, setTab] = useState<'visual' | 'json'>('visual');
  // The JSON as typed: while it does not parse, the definition stays the last one that did.
  const [source, setSource] = useState(() => JSON.stringify(draft, null, 2));
  const [sourceBroken, setSourceBroken] = useState(false);
  const [issues, setIssues] = useState<readonly Issue[]>();

  useEffect(() => {
    setIssues(undefined);
    if (sourceBroken) {
      setIssues([{ field: '', message: text('editor.badJson') }]);
      return;
    }
    let current = true;
    const timer = setTimeout(() => {
      api.call(validateJourneyDefinition, { body: definition as Definition }).then(
        () => current && setIssues([]),
        (error: unknown) => current && setIssues(issuesOf(error)),
      );
    }, CHECK_AFTER_MS);
    return () => {
      // A late answer about an earlier draft must not replace the current one's.
      current = false;
      clearTimeout(timer);
    };
  }, [definition, sourceBroken, api, text]);

  const change = (next: Definition) => {
    setDefinition(next);
    setSource(JSON.stringify(next, null, 2));
    setSourceBroken(false);
  };
  const save = useMutation({
    mutationFn: () => store(definition as Definition),
    onSuccess: () => refetchAfterChange(queryClient, queriesNamed('journey', 'journeys')),
  });
  const invalid = issues !== undefined && issues.length > 0;
  const tabs = [
    { key: 'visual', label: text('journeys.visualTab') },
    { key: 'json', label: text('journeys.jsonTab') },
  ] as const;
  const onTabKey = (event: KeyboardEvent<HTMLButtonElement>) => {
    if (event.key !== 'ArrowRight' && event.key !== 'ArrowLeft') return;
    const next = tab === 'visual' ? 'json' : 'visual';
    setTab(next);
    document.getElementById(`journey-tab-${next}`)?.focus();
  };
  return (
    <section aria-labelledby="journey-draft-title">
      <h2 id="journey-draft-title">{text('journeys.editDraft')}</h2>
      <div role="tablist" aria-label={text('journeys.editDraft')} className="tabs">
        {tabs.map(({ key, label }) => (
          <button
            key={key}
            type="button"
            role="tab"
            id={`journey-tab-${key}`}
            aria-selected={tab === key}
            aria-controls={`journey-panel-${key}`}
            tabIndex={tab === key ? 0 : -1}
            onClick={() => setTab(key)}
            onKeyDown={onTabKey}
          >
            {label}
          </button>
        ))}
      </div>
      <form
        onSubmit={(event) => {
          event.preventDefault();
          save.mutate();
        }}
      >
        <div role="tabpanel" id="journey-panel-visual" aria-labelledby="journey-tab-visual" hidden={tab !== 'visual'}>
          {drawable(definition) && !sourceBroken ? <VisualEditor definition={definition} issues={issues ?? []} counts={counts} onChange={change} /> : <p>{text('journeys.notVisual')}</p>}
        </div>
        <div role="tabpanel" id="journey-panel-json" aria-labelledby="journey-tab-json" hidden={tab !== 'json'}>
          <div className="field">
            <label htmlFor="journey-draft">{text('journeys.definition')}</label>
            <textarea
              id="journey-draft"
              rows={18}
              spellCheck={false}
              value={source}
              onChange={(event) => {
                setSource(event.target.value);
                try {
                  setDefinition(JSON.parse(event.target.value));
                  setSourceBroken(false);
                } catch {
                  setSourceBroken(true);
                }
              }}
              aria-invalid={invalid}
              aria-describedby="journey-draft-check"
            />
          </div>
        </div>
        <div id="journey-draft-check" role="status" aria-live="polite">
          <p className={invalid ? 'validation invalid' : 'validation'}>{issues === undefined ? text('editor.checking') : invalid ? text('editor.issues', { count: issues.length }) : text('editor.valid')}</p>
          {invalid && (
            <ul className="issues">
              {issues.map((issue) => (
                <li key={`${issue.field}:${issue.message}`}>
                  {issue.field && <code>{issue.field}</code>} {issue.message}
                </li>
              ))}
            </ul>
          )}
        </div>
        <div className="actions">
          <button type="submit" className="primary" disabled={save.isPending || invalid || sourceBroken}>
            {saveLabel}
          </button>
          {save.isSuccess && <span role="status">{text('journeys.draftSaved')}</span>}
        </div>
        {save.isError && <ErrorNotice error={save.error} />}
      </form>
    </section>
  );
}

function VisualEditor(props: { readonly definition: Definition; readonly issues: readonly Issue[]; readonly counts: ReadonlyMap<string, StepCounts>; readonly onChange: (next: Definition) => void }) {
  const { definition, issues, counts, onChange } = props;
  const { text } = useI18n();
  const [selected, setSelected] = useState<number | undefined>(0);
  const [newType, setNewType] = useState<StepType>('wait');
  const [refusal, setRefusal] = useState<string>();
  const byStep = issuesByStep(issues);
  const step = selected === undefined ? undefined : definition.steps[selected];
  const select = (index: number) => {
    setSelected(index);
    setRefusal(undefined);
  };
  const add = (place: Place) => {
    const added = addStep(definition, place, newType);
    onChange(added.definition);
    select(added.index);
    // The new step's form is where the marketer goes next.
    requestAnimationFrame(() => document.getElementById('journey-step-id')?.focus());
  };
  const remove = (index: number) => {
    const outcome = deleteStep(definition, index);
    if ('refused' in outcome) {
      setRefusal(refusalText(outcome.refused, text));
      return;
    }
    onChange(outcome.definition);
    setSelected(Math.max(0, index - 1));
    setRefusal(undefined);
  };
  const updateStep = (index: number, next: Fields) => onChange(replaceStep(definition, index, next));
  const arms = step ? waysOfStep(step) : [];
  return (
    <>
      <JourneySettings definition={definition} issues={issues} onChange={onChange} />
      <div className="journey-editor">
        <div className="diagram-scroll">
          <StepDiagram definition={definition as JourneyDefinition} counts={counts} text={text} selection={{ selected, onSelect: select, problems: (index) => byStep.get(index)?.length ?? 0 }} />
        </div>
        {step && selected !== undefined && (
          <fieldset className="journey-step-form">
            <legend>{text('journeys.stepLegend', { id: step.id, type: step.type })}</legend>
            <StepForm key={`${selected}:${step.type}`} index={selected} step={step} steps={definition.steps} issues={byStep.get(selected) ?? []} onChange={(next) => updateStep(selected, next)} />
            <div className="actions">
              {(FLOWING.includes(step.type) || arms.length > 0) && (
                <div className="field">
                  <label htmlFor="journey-new-type">{text('journeys.newType')}</label>
                  <select id="journey-new-type" value={newType} onChange={(event) => setNewType(event.target.value as StepType)}>
                    {STEP_TYPES.map((type) => (
                      <option key={type} value={type}>
                        {text(`journeys.type.${type}`)}
                      </option>
                    ))}
                  </select>
                </div>
              )}
              {FLOWING.includes(step.type) && (
                <button type="button" onClick={() => add({ after: selected })}>
                  {text('journeys.addAfter', { id: step.id })}
                </button>
              )}
              {arms.map((arm) => (
                <button key={arm.label} type="button" onClick={() => add({ index: selected, field: arm.field })}>
                  {text('journeys.addOn', { id: step.id, arm: arm.label })}
                </button>
              ))}
              <button type="button" className="danger" onClick={() => remove(selected)}>
                {text('journeys.deleteStep', { id: step.id })}
              </button>
            </div>
            {refusal && (
              <p role="alert" className="field-error">
                {refusal}
              </p>
            )}
          </fieldset>
        )}
      </div>
    </>
  );
}

/** Why a step cannot be deleted, as the marketer reads it. */
function refusalText(refusal: Refusal, text: Text): string {
  switch (refusal.reason) {
    case 'only':
      return text('journeys.deleteOnly');
    case 'first':
      return text('journeys.deleteFirst', { to: refusal.to });
    default: {
      const from = refusal.from.join(', ') || text('journeys.entry');
      return text(refusal.reason === 'dead-end' ? 'journeys.deleteDeadEnd' : 'journeys.deleteBranches', { from });
    }
  }
}

/** The ways on of a branching step, each by the name a marketer knows it by. */
function waysOfStep(step: Step): { label: string; field: Path }[] {
  switch (step.type) {
    case 'branch':
      return [
        { label: 'onTrue', field: ['onTrue'] },
        { label: 'onFalse', field: ['onFalse'] },
      ];
    case 'wait_for_event':
      return [
        { label: 'onEvent', field: ['onEvent'] },
        { label: 'onTimeout', field: ['onTimeout'] },
      ];
    case 'split':
      return (step.arms ?? []).map((arm, index) => ({ label: arm.name || String(index + 1), field: ['arms', index, 'next'] }));
    default:
      return [];
  }
}

/** The journey's name, how leads enter (and again), its time zone and its goal. */
function JourneySettings({ definition, issues, onChange }: { readonly definition: Definition; readonly issues: readonly Issue[]; readonly onChange: (next: Definition) => void }) {
  const api = useApi();
  const { text } = useI18n();
  const segments = useQuery({ queryKey: ['segments'], queryFn: () => api.call(listSegments, { query: { limit: '200' } }) });
  const entry = definition.entry as Fields;
  const setEntry = (next: Fields) => onChange({ ...definition, entry: next as Definition['entry'] });
  const reentry = (definition.reentry ?? { kind: 'once' }) as Fields;
  const errorOf = (field: string) => issueAt(issues, field);
  return (
    <fieldset>
      <legend>{text('journeys.settings')}</legend>
      <div className="settings">
        <LabelledField id="journey-name" label={text('journeys.name')} error={errorOf('name')}>
          {(described) => <input id="journey-name" value={definition.name ?? ''} onChange={(event) => onChange({ ...definition, name: event.target.value })} {...described} />}
        </LabelledField>
        <LabelledField id="journey-entry" label={text('journeys.entryKind')} error={issues.find((issue) => issue.field === 'entry' || issue.field === 'entry.kind')?.message}>
          {(described) => (
            <select
              id="journey-entry"
              value={String(entry.kind)}
              onChange={(event) => {
                const kind = event.target.value;
                setEntry(kind === 'event' ? { kind, pattern: { event: { type: ['form_submission'] } } } : kind === 'segment' ? { kind, segmentId: segments.data?.items[0]?.id ?? '' } : kind === 'date' ? { kind, attribute: 'birthday', offsetDays: 0, time: '09:00' } : { kind: 'manual' });
              }}
              {...described}
            >
              {(['manual', 'event', 'segment', 'date'] as const).map((kind) => (
                <option key={kind} value={kind}>
                  {text(`journeys.entry.${kind}`)}
                </option>
              ))}
            </select>
          )}
        </LabelledField>
        {entry.kind === 'event' && (
          <EventPatternInput id="journey-entry-pattern" label={text('journeys.entryEvent')} pattern={entry.pattern} error={errorOf('entry.pattern')} onChange={(pattern) => setEntry({ ...entry, pattern })} />
        )}
        {entry.kind === 'segment' && (
          <LabelledField id="journey-entry-segment" label={text('journeys.entrySegment')} error={errorOf('entry.segmentId')}>
            {(described) => (
              <select id="journey-entry-segment" value={String(entry.segmentId ?? '')} onChange={(event) => setEntry({ ...entry, segmentId: event.target.value })} {...described}>
                <option value="">–</option>
                {segments.data?.items.map((segment) => (
                  <option key={segment.id} value={segment.id}>
                    {segment.name}
                  </option>
                ))}
              </select>
            )}
          </LabelledField>
        )}
        {entry.kind === 'date' && (
          <>
            <LabelledField id="journey-entry-attribute" label={text('journeys.entryAttribute')} error={errorOf('entry.attribute')}>
              {(described) => <input id="journey-entry-attribute" value={String(entry.attribute ?? '')} onChange={(event) => setEntry({ ...entry, attribute: event.target.value })} {...described} />}
            </LabelledField>
            <LabelledField id="journey-entry-offset" label={text('journeys.entryOffset')} error={errorOf('entry.offsetDays')}>
              {(described) => <input id="journey-entry-offset" type="number" value={String(entry.offsetDays ?? 0)} onChange={(event) => setEntry({ ...entry, offsetDays: event.target.valueAsNumber })} {...described} />}
            </LabelledField>
            <LabelledField id="journey-entry-time" label={text('journeys.timeOfDay')} error={errorOf('entry.time')}>
              {(described) => <input id="journey-entry-time" type="time" value={String(entry.time ?? '09:00')} onChange={(event) => setEntry({ ...entry, time: event.target.value })} {...described} />}
            </LabelledField>
          </>
        )}
        <LabelledField id="journey-reentry" label={text('journeys.reentry')} error={errorOf('reentry')}>
          {(described) => (
            <select id="journey-reentry" value={String(reentry.kind)} onChange={(event) => onChange({ ...definition, reentry: event.target.value === 'after' ? { kind: 'after', days: 30 } : { kind: 'once' } })} {...described}>
              <option value="once">{text('journeys.reentryOnce')}</option>
              <option value="after">{text('journeys.reentryAfter')}</option>
            </select>
          )}
        </LabelledField>
        {reentry.kind === 'after' && (
          <LabelledField id="journey-reentry-days" label={text('journeys.reentryDays')} error={errorOf('reentry.days')}>
            {(described) => <input id="journey-reentry-days" type="number" min={1} value={String(reentry.days ?? '')} onChange={(event) => onChange({ ...definition, reentry: { kind: 'after', days: event.target.valueAsNumber } })} {...described} />}
          </LabelledField>
        )}
        <LabelledField id="journey-time-zone" label={text('journeys.timeZone')} error={errorOf('timeZone')}>
          {(described) => <input id="journey-time-zone" value={definition.timeZone ?? 'UTC'} onChange={(event) => onChange({ ...definition, timeZone: event.target.value })} {...described} />}
        </LabelledField>
      </div>
      <label className="inline">
        <input type="checkbox" checked={definition.goal !== undefined} onChange={(event) => onChange(event.target.checked ? { ...definition, goal: { where: { lead: { stage: ['customer'] } } } } : (withoutKey(definition as Fields, 'goal') as Definition))} />
        {text('journeys.hasGoal')}
      </label>
      {definition.goal && <JsonInput key="goal" id="journey-goal" label={text('journeys.goal')} value={definition.goal.where} error={errorOf('goal')} onChange={(where) => onChange({ ...definition, goal: { where } })} />}
    </fieldset>
  );
}

/** A list of step ids to pick a way on from. */
function StepChoice({ id, label, value, steps, error, onChange }: { readonly id: string; readonly label: string; readonly value: string; readonly steps: readonly Step[]; readonly error: string | undefined; readonly onChange: (stepId: string) => void }) {
  const { text } = useI18n();
  return (
    <LabelledField id={id} label={label} error={error}>
      {(described) => (
        <select id={id} value={value} onChange={(event) => onChange(event.target.value)} {...described}>
          <option value="">{text('journeys.noStep')}</option>
          {steps.map((one) => (
            <option key={one.id} value={one.id}>
              {one.id}
            </option>
          ))}
        </select>
      )}
    </LabelledField>
  );
}

/** One step's inputs, by its type, each with the API's problem at its path; the step's other problems listed after them. */
function StepForm({ index, step, steps, issues, onChange }: { readonly index: number; readonly step: Step; readonly steps: readonly Step[]; readonly issues: readonly Issue[]; readonly onChange: (next: Fields) => void }) {
  const { text } = useI18n();
  const api = useApi();
  const subscriptionTypes = useSubscriptionTypes();
  const typeName = useSubscriptionTypeName();
  const templates = useQuery({ queryKey: ['templates'], queryFn: () => api.call(listTemplates, { query: { limit: '200' } }), enabled: step.type === 'send_email' });
  const webhookChoices = useQuery({ queryKey: ['webhook-choices'], queryFn: () => api.call(listWebhookChoices, { query: { limit: '200' } }), enabled: step.type === 'webhook' });
  const fields = fieldsOf(step);
  const shown = new Set<string>();
  const errorOf = (field: string) => {
    shown.add(field);
    return issueAt(issues, field);
  };
  const set = (path: Path, value: unknown) => onChange(value === undefined && path.length === 1 ? withoutKey(fields, String(path[0])) : setAt(fields, path, value));
  const idOf = (part: string) => `journey-step-${part}`;
  const input = (part: string, label: string, path: Path, options: { type?: string; min?: number; multiline?: boolean } = {}) => {
    let value: unknown = fields;
    for (const key of path) value = isObject(value) || Array.isArray(value) ? (value as Fields)[key] : undefined;
    return (
      <LabelledField key={part} id={idOf(part)} label={label} error={errorOf(path.join('.'))}>
        {(described) =>
          options.multiline ? (
            <textarea id={idOf(part)} rows={4} spellCheck={false} value={value === undefined ? '' : String(value)} onChange={(event) => set(path, event.target.value)} {...described} />
          ) : (
            <input
              id={idOf(part)}
              type={options.type}
              min={options.min}
              value={value === undefined ? '' : String(value)}
              onChange={(event) => set(path, options.type === 'number' ? numberOrNothing(event.target.value) : event.target.value)}
              {...described}
            />
          )
        }
      </LabelledField>
    );
  };
  const wayOn = (part: string, label: string, path: Path) => {
    let value: unknown = fields;
    for (const key of path) value = (value as Fields | undefined)?.[key];
    return <StepChoice key={part} id={idOf(part)} label={label} value={String(value ?? '')} steps={steps} error={errorOf(path.join('.'))} onChange={(stepId) => set(path, stepId || undefined)} />;
  };
  const select = (part: string, label: string, path: Path, choices: readonly string[], optional = false, nameOf: (choice: string) => string = (choice) => choice) => (
    <LabelledField key={part} id={idOf(part)} label={label} error={errorOf(path.join('.'))}>
      {(described) => (
        <select id={idOf(part)} value={String((path.length === 1 ? fields[String(path[0])] : (fields[String(path[0])] as Fields | undefined)?.[String(path[1])]) ?? '')} onChange={(event) => set(path, event.target.value || undefined)} {...described}>
          {optional && <option value="">–</option>}
          {choices.map((choice) => (
            <option key={choice} value={choice}>
              {nameOf(choice)}
            </option>
          ))}
        </select>
      )}
    </LabelledField>
  );
  const duration = (part: string, path: string) => (
    <>
      {input(`${part}-days`, text('journeys.days'), [path, 'days'], { type: 'number', min: 0 })}
      {input(`${part}-hours`, text('journeys.hours'), [path, 'hours'], { type: 'number', min: 0 })}
      {input(`${part}-minutes`, text('journeys.minutes'), [path, 'minutes'], { type: 'number', min: 0 })}
    </>
  );

  let body: ReactNode;
  switch (step.type) {
    case 'send_email': {
      const template = isObject(fields.template) ? fields.template : {};
      const stored = typeof template.templateId === 'string';
      body = (
        <>
          {select('subscription', text('campaigns.subscription'), ['subscription'], typeChoices(subscriptionTypes.data?.types, typeof fields.subscription === 'string' ? fields.subscription : undefined), false, typeName)}
          <LabelledField id={idOf('template')} label={text('campaigns.template')} error={stored ? errorOf('template.templateId') : undefined}>
            {(described) => (
              <select id={idOf('template')} value={stored ? String(template.templateId) : ''} onChange={(event) => set(['template'], event.target.value ? { templateId: event.target.value } : { subject: '', html: '<p></p>' })} {...described}>
                <option value="">{text('campaigns.writeHere')}</option>
                {stored && !templates.data?.items.some((one) => one.templateId === template.templateId) && <option value={String(template.templateId)}>{String(template.templateId)}</option>}
                {templates.data?.items.map((one) => (
                  <option key={one.templateId} value={one.templateId}>
                    {one.name} (v{one.latestVersion})
                  </option>
                ))}
              </select>
            )}
          </LabelledField>
          {stored ? (
            input('template-version', text('journeys.templateVersion'), ['template', 'version'], { type: 'number', min: 1 })
          ) : (
            <>
              {input('subject', text('campaigns.subject'), ['template', 'subject'])}
              {input('html', text('campaigns.html'), ['template', 'html'], { multiline: true })}
            </>
          )}
          {wayOn('next', text('journeys.next'), ['next'])}
        </>
      );
      break;
    }
    case 'wait': {
      const until = isObject(fields.until);
      const weekdays = until && Array.isArray((fields.until as Fields).weekdays) ? ((fields.until as Fields).weekdays as string[]) : [];
      body = (
        <>
          <LabelledField id={idOf('wait-kind')} label={text('journeys.waitKind')} error={undefined}>
            {(described) => (
              <select id={idOf('wait-kind')} value={until ? 'until' : 'duration'} onChange={(event) => onChange(event.target.value === 'until' ? { ...withoutKey(fields, 'duration'), until: { time: '09:00' } } : { ...withoutKey(fields, 'until'), duration: { days: 1 } })} {...described}>
                <option value="duration">{text('journeys.waitFor')}</option>
                <option value="until">{text('journeys.waitUntil')}</option>
              </select>
            )}
          </LabelledField>
          {until ? (
            <>
              {input('until-time', text('journeys.timeOfDay'), ['until', 'time'], { type: 'time' })}
              <fieldset>
                <legend>{text('journeys.weekdays')}</legend>
                {WEEKDAYS.map((day) => (
                  <label key={day} className="inline">
                    <input
                      type="checkbox"
                      checked={weekdays.includes(day)}
                      onChange={(event) => {
                        const chosen = WEEKDAYS.filter((one) => (one === day ? event.target.checked : weekdays.includes(one)));
                        onChange({ ...fields, until: chosen.length ? { ...(fields.until as Fields), weekdays: chosen } : withoutKey(fields.until as Fields, 'weekdays') });
                      }}
                    />
                    {day}
                  </label>
                ))}
              </fieldset>
            </>
          ) : (
            duration('duration', 'duration')
          )}
          {wayOn('next', text('journeys.next'), ['next'])}
        </>
      );
      break;
    }
    case 'wait_for_event':
      body = (
        <>
          <EventPatternInput id={idOf('event')} label={text('journeys.waitedEvent')} pattern={fields.event} error={errorOf('event')} onChange={(pattern) => set(['event'], pattern)} />
          {duration('timeout', 'timeout')}
          {wayOn('on-event', text('journeys.onEvent'), ['onEvent'])}
          {wayOn('on-timeout', text('journeys.onTimeout'), ['onTimeout'])}
        </>
      );
      break;
    case 'branch':
      body = (
        <>
          <JsonInput key={`where-${index}`} id={idOf('where')} label={text('journeys.branchWhere')} value={fields.where} error={errorOf('where')} onChange={(where) => set(['where'], where)} />
          {wayOn('on-true', text('journeys.onTrue'), ['onTrue'])}
          {wayOn('on-false', text('journeys.onFalse'), ['onFalse'])}
        </>
      );
      break;
    case 'split': {
      const armList = Array.isArray(fields.arms) ? (fields.arms as Fields[]) : [];
      body = (
        <>
          {armList.map((arm, armIndex) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: an arm's name is what the marketer edits here
            <fieldset key={armIndex}>
              <legend>{text('journeys.arm', { name: String(arm.name || armIndex + 1) })}</legend>
              <div className="settings">
                {input(`arm-${armIndex}-name`, text('journeys.armName'), ['arms', armIndex, 'name'])}
                {input(`arm-${armIndex}-percent`, text('journeys.armPercent'), ['arms', armIndex, 'percent'], { type: 'number', min: 1 })}
                {wayOn(`arm-${armIndex}-next`, text('journeys.next'), ['arms', armIndex, 'next'])}
              </div>
              <button type="button" className="danger" onClick={() => set(['arms'], armList.filter((_, at) => at !== armIndex))}>
                {text('journeys.removeArm', { name: String(arm.name || armIndex + 1) })}
              </button>
            </fieldset>
          ))}
          <button type="button" onClick={() => set(['arms'], [...armList, { name: `arm-${armList.length + 1}`, percent: 10, next: steps[0]?.id ?? '' }])}>
            {text('journeys.addArm')}
          </button>
        </>
      );
      break;
    }
    case 'update_lead': {
      const subscription = isObject(fields.subscription) ? fields.subscription : undefined;
      body = (
        <>
          {select('stage', text('journeys.stage'), ['stage'], LIFECYCLE_STAGES, true)}
          <AttributesInput key={`attributes-${index}`} id={idOf('attributes')} attributes={fields.attributes} error={errorOf('attributes')} onChange={(attributes) => set(['attributes'], attributes)} />
          <LabelledField id={idOf('subscription-type')} label={text('journeys.subscriptionChange')} error={errorOf('subscription')}>
            {(described) => (
              <select id={idOf('subscription-type')} value={subscription ? String(subscription.type) : ''} onChange={(event) => set(['subscription'], event.target.value ? { type: event.target.value, status: subscription?.status ?? 'opted_in' } : undefined)} {...described}>
                <option value="">–</option>
                {typeChoices(subscriptionTypes.data?.types, subscription ? String(subscription.type) : undefined).map((type) => (
                  <option key={type} value={type}>
                    {typeName(type)}
                  </option>
                ))}
              </select>
            )}
          </LabelledField>
          {subscription && select('subscription-status', text('journeys.subscriptionStatus'), ['subscription', 'status'], ['opted_in', 'opted_out'])}
          {wayOn('next', text('journeys.next'), ['next'])}
        </>
      );
      break;
    }
    case 'notify': {
      const team = isObject(fields.to) ? String(fields.to.team ?? '') : undefined;
      const task = isObject(fields.task) ? fields.task : undefined;
      body = (
        <>
          <LabelledField id={idOf('to')} label={text('journeys.notifyTo')} error={errorOf('to')}>
            {(described) => (
              <select id={idOf('to')} value={team === undefined ? 'owner' : 'team'} onChange={(event) => set(['to'], event.target.value === 'owner' ? 'owner' : { team: '' })} {...described}>
                <option value="owner">{text('journeys.notifyOwner')}</option>
                <option value="team">{text('journeys.notifyTeam')}</option>
              </select>
            )}
          </LabelledField>
          {team !== undefined && input('team', text('journeys.team'), ['to', 'team'])}
          {input('message', text('journeys.message'), ['message'], { multiline: true })}
          <label className="inline">
            <input type="checkbox" checked={task !== undefined} onChange={(event) => set(['task'], event.target.checked ? { title: '', dueInDays: 1 } : undefined)} />
            {text('journeys.withTask')}
          </label>
          {task && (
            <>
              {input('task-title', text('journeys.taskTitle'), ['task', 'title'])}
              {input('task-due', text('journeys.taskDue'), ['task', 'dueInDays'], { type: 'number', min: 0 })}
            </>
          )}
          {wayOn('next', text('journeys.next'), ['next'])}
        </>
      );
      break;
    }
    case 'webhook': {
      const chosen = typeof fields.webhookId === 'string' ? fields.webhookId : '';
      const endpoints = webhookChoices.data?.items;
      body = (
        <>
          <LabelledField id={idOf('webhook')} label={text('journeys.webhook')} error={errorOf('webhookId')}>
            {(described) => (
              <select id={idOf('webhook')} value={chosen} onChange={(event) => set(['webhookId'], event.target.value)} {...described}>
                <option value="">–</option>
                {chosen && endpoints && !endpoints.some((one) => one.id === chosen) && <option value={chosen}>{text('journeys.webhookUnknown', { id: chosen })}</option>}
                {endpoints?.map((one) => (
                  <option key={one.id} value={one.id}>
                    {text('journeys.webhookChoice', { name: one.description || one.host, host: one.host, events: one.eventTypes.join(', ') })}
                  </option>
                ))}
              </select>
            )}
          </LabelledField>
          {webhookChoices.isError && <ErrorNotice error={webhookChoices.error} onRetry={() => webhookChoices.refetch()} />}
          {endpoints?.length === 0 && (
            <p className="notice">
              {text('journeys.noWebhooks')} <Link to="/settings">{text('nav.settings')}</Link>
            </p>
          )}
          {wayOn('next', text('journeys.next'), ['next'])}
        </>
      );
      break;
    }
    case 'exit':
      body = input('reason', text('journeys.exitReason'), ['reason']);
      break;
  }
  const idInput = input('id', text('journeys.stepId'), ['id']);
  const others = issues.filter((issue) => ![...shown].some((field) => issue.field === field || issue.field.startsWith(`${field}.`)));
  return (
    <>
      {others.length > 0 && (
        <ul className="issues" aria-label={text('journeys.stepIssues', { id: step.id })}>
          {others.map((issue) => (
            <li key={`${issue.field}:${issue.message}`} className="field-error">
              {issue.field && <code>{issue.field}</code>} {issue.message}
            </li>
          ))}
        </ul>
      )}
      <div className="settings">
        {idInput}
        {body}
      </div>
    </>
  );
}
