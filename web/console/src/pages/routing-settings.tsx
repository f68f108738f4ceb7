import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent, type ReactNode } from 'react';
import type * as z from 'zod';
import { ApiError } from '../../../../src/api/client';
import { getSendPolicy, replaceSendPolicy } from '../../../../functions/manage-send-settings/routes';
import { getRouting, replaceRouting } from '../../../../functions/manage-routing/routes';
import { refetchAfterChange, storeAfterChange } from '../after-change';
import { useApi } from '../api';
import { useI18n } from '../i18n';
import { EditableCell, ErrorNotice, fieldErrorsOf, LabelledField, Loading } from '../notices';

type Routing = z.input<typeof replaceRouting.request.body.schema>;
type Team = Routing['teams'][number];
type Rep = Team['reps'][number];
/** A rule as edited: its condition as the JSON text typed, parsed when saved. */
type EditedRule = { description: string; when: string; team: string };

/**
 * A list the admin edits item by item: each item in its fieldset with its legend, its inputs and its
 * buttons (moving it up or down when order matters, removing it), and a button adding a blank one.
 * Teams and rules are both such lists.
 */
function ListEditor<Item>(props: {
  readonly items: readonly Item[];
  readonly onChange: (next: Item[]) => void;
  readonly legend: (item: Item, index: number) => ReactNode;
  readonly children: (item: Item, index: number) => ReactNode;
  /** Buttons of the item's own, before the list's. */
  readonly actions?: (item: Item, index: number) => ReactNode;
  readonly name: (item: Item, index: number) => string;
  readonly labels: { readonly add: string; readonly remove: (name: string) => string; readonly up?: (name: string) => string; readonly down?: (name: string) => string };
  readonly blank: () => Item;
}) {
  const { items, onChange, legend, children, actions, name, labels, blank } = props;
  const move = (index: number, by: -1 | 1) => {
    const moved = [...items];
    const [item] = moved.splice(index, 1);
    if (item !== undefined) moved.splice(index + by, 0, item);
    onChange(moved);
  };
  return (
    <>
      {items.map((item, index) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: the items' ids are what the admin edits here (rules have none)
        <fieldset key={index}>
          <legend>{legend(item, index)}</legend>
          {children(item, index)}
          <div className="actions">
            {actions?.(item, index)}
            {labels.up && (
              <button type="button" disabled={index === 0} onClick={() => move(index, -1)}>
                {labels.up(name(item, index))}
              </button>
            )}
            {labels.down && (
              <button type="button" disabled={index === items.length - 1} onClick={() => move(index, 1)}>
                {labels.down(name(item, index))}
              </button>
            )}
            <button type="button" className="danger" onClick={() => onChange(items.filter((_, at) => at !== index))}>
              {labels.remove(name(item, index))}
            </button>
          </div>
        </fieldset>
      ))}
      <div className="actions">
        <button type="button" onClick={() => onChange([...items, blank()])}>
          {labels.add}
        </button>
      </div>
    </>
  );
}

/** Owner routing: teams with their inbox, reps and capacities, the rules tried in order to pick a team, and the default team. */
export function RoutingSettings() {
  const api = useApi();
  const { text } = useI18n();
  const [savedVersion, setSavedVersion] = useState<number>();
  const routing = useQuery({
    queryKey: ['routing'],
    queryFn: async () => {
      try {
        return await api.call(getRouting, {});
      } catch (error) {
        // No routing saved yet: the editor starts empty (react-query refuses undefined as data).
        if (error instanceof ApiError && error.status === 404) return null;
        throw error;
      }
    },
  });
  return (
    <section aria-labelledby="routing-title">
      <h2 id="routing-title">{text('routing.title')}</h2>
      {routing.isPending ? (
        <Loading />
      ) : routing.isError ? (
        <ErrorNotice error={routing.error} onRetry={() => routing.refetch()} />
      ) : (
        <RoutingEditor key={routing.data?.version ?? 0} saved={routing.data ?? undefined} onSaved={setSavedVersion} />
      )}
      {savedVersion !== undefined && <p role="status">{text('routing.saved', { version: savedVersion })}</p>}
    </section>
  );
}

function RoutingEditor({ saved, onSaved }: { readonly saved: (Routing & { readonly version: number }) | undefined; readonly onSaved: (version: number) => void }) {
  const api = useApi();
  const queryClient = useQueryClient();
  const { text } = useI18n();
  const [teams, setTeams] = useState<Team[]>(() => saved?.teams.map((team) => ({ ...team, reps: [...team.reps] })) ?? []);
  const [defaultTeam, setDefaultTeam] = useState(saved?.defaultTeam ?? '');
  const [rules, setRules] = useState<EditedRule[]>(() => saved?.rules.map((rule) => ({ description: rule.description ?? '', when: JSON.stringify(rule.when, null, 2), team: rule.team })) ?? []);
  const [unreadable, setUnreadable] = useState<ReadonlyMap<string, string>>(new Map());
  const save = useMutation({
    mutationFn: (body: Routing) => api.call(replaceRouting, { body }),
    // The saved version remounts this editor (its key): the page, not the editor, says it was saved.
    onSuccess: (stored) => {
      onSaved(stored.version);
      return refetchAfterChange(queryClient, { queryKey: ['routing'] });
    },
  });
  const errors = new Map([...fieldErrorsOf(save.error), ...unreadable]);
  const updateRule = (index: number, change: Partial<EditedRule>) => setRules((all) => all.map((rule, at) => (at === index ? { ...rule, ...change } : rule)));
  const updateTeam = (index: number, change: Partial<Team>) => setTeams((all) => all.map((team, at) => (at === index ? { ...team, ...change } : team)));
  const updateRep = (teamIndex: number, repIndex: number, change: Partial<Rep>) =>
    updateTeam(teamIndex, { reps: (teams[teamIndex]?.reps ?? []).map((rep, at) => (at === repIndex ? { ...rep, ...change } : rep)) });
  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const notJson = new Map<string, string>();
    const parsed = rules.map((rule, index) => {
      try {
        return { ...(rule.description.trim() ? { description: rule.description.trim() } : {}), when: JSON.parse(rule.when) as Record<string, unknown>, team: rule.team };
      } catch {
        notJson.set(`rules[${index}].when`, text('editor.badJson'));
        return undefined;
      }
    });
    setUnreadable(notJson);
    if (notJson.size) return;
    save.mutate({ teams, rules: parsed.filter((rule) => rule !== undefined), defaultTeam, ...(saved?.followUp ? { followUp: saved.followUp } : {}) });
  }
  // Every team with an id, for the rules' team and the default team: the choices a routing can name.
  const teamOptions = [
    <option key="" value="">
      –
    </option>,
    ...teams
      .filter((team) => team.id)
      .map((team) => (
        <option key={team.id} value={team.id}>
          {team.name || team.id}
        </option>
      )),
  ];
  return (
    <form onSubmit={submit} noValidate>
      {saved && <p className="help">{text('routing.version', { version: saved.version })}</p>}
      <ListEditor
        items={teams}
        onChange={setTeams}
        name={(team, teamIndex) => team.name || team.id || String(teamIndex + 1)}
        legend={(team, teamIndex) => text('routing.team', { name: team.name || team.id || String(teamIndex + 1) })}
        labels={{ add: text('routing.addTeam'), remove: (name) => text('routing.removeTeam', { name }) }}
        blank={() => ({ id: '', name: '', inbox: '', reps: [] })}
        actions={(team, teamIndex) => (
          <button type="button" onClick={() => updateTeam(teamIndex, { reps: [...team.reps, { id: '', name: '', email: '', capacity: 20 }] })}>
            {text('routing.addRep')}
          </button>
        )}
      >
        {(team, teamIndex) => {
          const at = `teams[${teamIndex}]`;
          const idOf = (field: string) => `routing-${teamIndex}-${field}`;
          return (
            <>
              <div className="settings">
                <LabelledField id={idOf('id')} label={text('routing.id')} error={errors.get(`${at}.id`)}>
                  {(described) => <input id={idOf('id')} value={team.id} onChange={(event) => updateTeam(teamIndex, { id: event.target.value })} required {...described} />}
                </LabelledField>
                <LabelledField id={idOf('name')} label={text('routing.name')} error={errors.get(`${at}.name`)}>
                  {(described) => <input id={idOf('name')} value={team.name} onChange={(event) => updateTeam(teamIndex, { name: event.target.value })} required {...described} />}
                </LabelledField>
                <LabelledField id={idOf('inbox')} label={text('routing.inbox')} error={errors.get(`${at}.inbox`)}>
                  {(described) => <input id={idOf('inbox')} type="email" value={team.inbox} onChange={(event) => updateTeam(teamIndex, { inbox: event.target.value })} required {...described} />}
                </LabelledField>
              </div>
              <div className="table-scroll">
                <table aria-label={text('routing.repsOf', { team: team.name || team.id })}>
                  <thead>
                    <tr>
                      <th scope="col">{text('routing.id')}</th>
                      <th scope="col">{text('routing.name')}</th>
                      <th scope="col">{text('routing.email')}</th>
                      <th scope="col">{text('routing.capacity')}</th>
                      <th scope="col">{text('settings.actions')}</th>
                    </tr>
                  </thead>
                  <tbody>
                    {team.reps.map((rep, repIndex) => {
                      const repAt = `${at}.reps[${repIndex}]`;
                      const cell = (field: keyof Rep, type: string, label: string) => (
                        <EditableCell
                          id={`routing-${teamIndex}-${repIndex}-${field}`}
                          type={type}
                          label={`${label}, ${rep.name || rep.id || repIndex + 1}`}
                          value={String(rep[field])}
                          error={errors.get(`${repAt}.${field}`)}
                          onChange={(event) => updateRep(teamIndex, repIndex, { [field]: type === 'number' ? event.target.valueAsNumber : event.target.value })}
                        />
                      );
                      return (
                        // biome-ignore lint/suspicious/noArrayIndexKey: a rep's id is what the admin edits here
                        <tr key={repIndex}>
                          {cell('id', 'text', text('routing.id'))}
                          {cell('name', 'text', text('routing.name'))}
                          {cell('email', 'email', text('routing.email'))}
                          {cell('capacity', 'number', text('routing.capacity'))}
                          <td>
                            <button type="button" onClick={() => updateTeam(teamIndex, { reps: team.reps.filter((_, at) => at !== repIndex) })}>
                              {text('routing.removeRep', { name: rep.name || rep.id || String(repIndex + 1) })}
                            </button>
                          </td>
                        </tr>
                      );
                    })}
                  </tbody>
                </table>
              </div>
            </>
          );
        }}
      </ListEditor>
      <h3 id="routing-rules-title">{text('routing.rules')}</h3>
      <p className="help">{text('routing.rulesHelp')}</p>
      <ListEditor
        items={rules}
        onChange={setRules}
        name={(rule, index) => rule.description || String(index + 1)}
        legend={(rule, index) => `${text('routing.rule', { number: index + 1 })}${rule.description ? `: ${rule.description}` : ''}`}
        labels={{ add: text('routing.addRule'), remove: (name) => text('routing.removeRule', { name }), up: (name) => text('routing.ruleUp', { name }), down: (name) => text('routing.ruleDown', { name }) }}
        blank={() => ({ description: '', when: '{\n  "lead": { "country": ["ID"] }\n}', team: teams[0]?.id ?? '' })}
      >
        {(rule, index) => {
          const at = `rules[${index}]`;
          const idOf = (field: string) => `routing-rule-${index}-${field}`;
          return (
            <>
              <div className="settings">
                <LabelledField id={idOf('description')} label={text('editor.description')} error={errors.get(`${at}.description`)}>
                  {(described) => <input id={idOf('description')} value={rule.description} onChange={(event) => updateRule(index, { description: event.target.value })} {...described} />}
                </LabelledField>
                <LabelledField id={idOf('team')} label={text('routing.ruleTeam')} error={errors.get(`${at}.team`)}>
                  {(described) => (
                    <select id={idOf('team')} value={rule.team} onChange={(event) => updateRule(index, { team: event.target.value })} {...described}>
                      {teamOptions}
                    </select>
                  )}
                </LabelledField>
              </div>
              <LabelledField id={idOf('when')} label={text('routing.ruleWhen')} error={errors.get(`${at}.when`) ?? [...errors].find(([field]) => field.startsWith(`${at}.when`))?.[1]}>
                {(described) => <textarea id={idOf('when')} rows={4} spellCheck={false} value={rule.when} onChange={(event) => updateRule(index, { when: event.target.value })} {...described} />}
              </LabelledField>
            </>
          );
        }}
      </ListEditor>
      <LabelledField id="routing-default-team" label={text('routing.defaultTeam')} error={errors.get('defaultTeam')}>
        {(described) => (
          <select id="routing-default-team" value={defaultTeam} onChange={(event) => setDefaultTeam(event.target.value)} {...described}>
            {teamOptions}
          </select>
        )}
      </LabelledField>
      <div className="actions">
        <button type="submit" className="primary" disabled={save.isPending}>
          {text('routing.save')}
        </button>
      </div>
      {save.isError && <ErrorNotice error={save.error} />}
    </form>
  );
}

/** The send-time policy: frequency cap and quiet hours of marketing email. */
export function SendPolicySettings() {
  const api = useApi();
  const queryClient = useQueryClient();
  const { text } = useI18n();
  const policy = useQuery({ queryKey: ['send-policy'], queryFn: () => api.call(getSendPolicy, {}) });
  const save = useMutation({
    mutationFn: (body: z.input<typeof replaceSendPolicy.request.body.schema>) => api.call(replaceSendPolicy, { body }),
    onSuccess: (saved) => storeAfterChange(queryClient, ['send-policy'], saved),
  });
  const errors = fieldErrorsOf(save.error);
  if (policy.isPending) return <Loading />;
  if (policy.isError) return <ErrorNotice error={policy.error} onRetry={() => policy.refetch()} />;
  const shown = policy.data;
  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const field = (name: string) => String(form.get(name) ?? '').trim();
    save.mutate({
      ...(form.get('capped') ? { frequencyCap: { maxEmails: Number(field('maxEmails')), periodDays: Number(field('periodDays')) } } : {}),
      ...(form.get('quiet') ? { quietHours: { start: field('quietStart'), end: field('quietEnd') } } : {}),
      defaultTimeZone: field('defaultTimeZone') || 'UTC',
    });
  }
  const described = (field: string, id: string) => (errors.has(field) ? { 'aria-invalid': true as const, 'aria-describedby': `${id}-error` } : {});
  const errorOf = (field: string, id: string) =>
    errors.has(field) && (
      <p id={`${id}-error`} className="field-error">
        {errors.get(field)}
      </p>
    );
  return (
    <section aria-labelledby="send-policy-title">
      <h2 id="send-policy-title">{text('policy.title')}</h2>
      <form key={shown.version} onSubmit={submit} noValidate>
        <fieldset>
          <legend>{text('policy.cap')}</legend>
          <label className="inline">
            <input type="checkbox" name="capped" defaultChecked={shown.frequencyCap !== undefined} />
            {text('policy.capOn')}
          </label>
          <div className="settings">
            <div className="field">
              <label htmlFor="policy-max">{text('policy.maxEmails')}</label>
              <input id="policy-max" name="maxEmails" type="number" min={1} defaultValue={shown.frequencyCap?.maxEmails ?? 3} {...described('frequencyCap.maxEmails', 'policy-max')} />
              {errorOf('frequencyCap.maxEmails', 'policy-max')}
            </div>
            <div className="field">
              <label htmlFor="policy-days">{text('policy.periodDays')}</label>
              <input id="policy-days" name="periodDays" type="number" min={1} defaultValue={shown.frequencyCap?.periodDays ?? 7} {...described('frequencyCap.periodDays', 'policy-days')} />
              {errorOf('frequencyCap.periodDays', 'policy-days')}
            </div>
          </div>
        </fieldset>
        <fieldset>
          <legend>{text('policy.quiet')}</legend>
          <label className="inline">
            <input type="checkbox" name="quiet" defaultChecked={shown.quietHours !== undefined} />
            {text('policy.quietOn')}
          </label>
          <div className="settings">
            <div className="field">
              <label htmlFor="policy-start">{text('policy.start')}</label>
              <input id="policy-start" name="quietStart" type="time" defaultValue={shown.quietHours?.start ?? '21:00'} {...described('quietHours.start', 'policy-start')} />
              {errorOf('quietHours.start', 'policy-start')}
            </div>
            <div className="field">
              <label htmlFor="policy-end">{text('policy.end')}</label>
              <input id="policy-end" name="quietEnd" type="time" defaultValue={shown.quietHours?.end ?? '08:00'} {...described('quietHours.end', 'policy-end')} />
              {errorOf('quietHours.end', 'policy-end')}
            </div>
            <div className="field">
              <label htmlFor="policy-zone">{text('policy.zone')}</label>
              <input id="policy-zone" name="defaultTimeZone" defaultValue={shown.defaultTimeZone} {...described('defaultTimeZone', 'policy-zone')} />
              {errorOf('defaultTimeZone', 'policy-zone')}
            </div>
          </div>
        </fieldset>
        <div className="actions">
          <button type="submit" className="primary" disabled={save.isPending}>
            {text('policy.save')}
          </button>
          {save.isSuccess && <span role="status">{text('routing.saved', { version: save.data.version })}</span>}
        </div>
        {save.isError && <ErrorNotice error={save.error} />}
      </form>
    </section>
  );
}
