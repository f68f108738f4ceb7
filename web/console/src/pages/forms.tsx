import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import type * as z from 'zod';
import { createForm, getForm, listForms, saveForm } from '../../../../functions/manage-forms/routes';
import { createSource, listSources, revokeSourceKeys, rotateSourceKey, updateSource } from '../../../../functions/manage-sources/routes';
import { queriesNamed, refetchAfterChange } from '../after-change';
import { useApi } from '../api';
import { FIELD_TYPES } from '../../../../src/domain/forms/definition';
import { useI18n } from '../i18n';
import { QueryTable } from '../frames';
import { ErrorNotice, fieldErrorsOf, LabelledField, Loading } from '../notices';
import { typeChoices, useSubscriptionTypeName, useSubscriptionTypes } from '../subscription-types';

const embedCodeOf = (apiUrl: string, formId: string) => `<script src="${apiUrl}/f/${encodeURIComponent(formId)}/embed.js"></script>`;

/** A snippet to paste into a site, with a button that copies it. */
function EmbedCode({ label, code }: { readonly label: string; readonly code: string }) {
  const { text } = useI18n();
  const [copied, setCopied] = useState(false);
  return (
    <div className="embed">
      <code>{code}</code>{' '}
      <button
        type="button"
        aria-label={copied ? undefined : label}
        onClick={() =>
          navigator.clipboard.writeText(code).then(
            () => setCopied(true),
            () => setCopied(false),
          )
        }
      >
        {copied ? text('forms.copied') : text('forms.copy')}
      </button>
    </div>
  );
}

/** Forms and tracking sources, each with the code that puts it on a website; a form's fields and consent text can be edited. */
export default function FormsPage({ apiUrl }: { readonly apiUrl: string }) {
  const api = useApi();
  const { text, formatDate } = useI18n();
  const [editing, setEditing] = useState<string>();
  const [creating, setCreating] = useState(false);
  const forms = useQuery({ queryKey: ['forms'], queryFn: () => api.call(listForms, { query: { limit: '200' } }) });
  return (
    <section aria-labelledby="forms-title">
      <h1 id="forms-title">{text('forms.title')}</h1>
      <QueryTable
        query={forms}
        label={text('forms.title')}
        empty={text('forms.none')}
        columns={[{ label: text('forms.form') }, { label: text('segments.version'), number: true }, { label: text('segments.updated') }, { label: text('forms.embed') }, { label: text('settings.actions') }]}
        items={(page) => page.items}
        row={(form) => (
          <tr key={form.formId}>
            <td>
              <a href={`${apiUrl}/f/${encodeURIComponent(form.formId)}`} target="_blank" rel="noreferrer">
                {form.title}
              </a>
            </td>
            <td className="number">{form.latestVersion}</td>
            <td>{formatDate(form.updatedAt)}</td>
            <td>
              <EmbedCode label={text('forms.embedOf', { name: form.title })} code={embedCodeOf(apiUrl, form.formId)} />
            </td>
            <td>
              <button
                type="button"
                onClick={() => {
                  setCreating(false);
                  setEditing(form.formId);
                }}
              >
                {text('forms.editOne', { name: form.title })}
              </button>
            </td>
          </tr>
        )}
      />
      <div className="actions">
        <button
          type="button"
          onClick={() => {
            setEditing(undefined);
            setCreating(true);
          }}
        >
          {text('forms.new')}
        </button>
      </div>
      {editing && <FormEditor key={editing} formId={editing} onClose={() => setEditing(undefined)} />}
      {creating && (
        <section aria-labelledby="new-form-title">
          <h2 id="new-form-title">{text('forms.new')}</h2>
          <FormDefinitionEditor saved={NEW_FORM} apiUrl={apiUrl} onClose={() => setCreating(false)} />
        </section>
      )}
      <TrackingSources apiUrl={apiUrl} />
    </section>
  );
}

const snippetOf = (apiUrl: string, writeKey: string) => `<script src="${apiUrl}/js/v1/leadflow.js" data-write-key="${writeKey}" data-consent="required" async></script>`;
/** Origins as typed: one a line, or separated by commas or spaces. */
const originsIn = (typed: string) => typed.split(/[\s,]+/).filter(Boolean);

/** A source's name and origins as typed, each with the API's refusal of it beside it (of any one origin: `origins[1]`). */
function SourceFields(props: {
  readonly idPrefix: string;
  readonly name: string;
  readonly onName: (name: string) => void;
  readonly origins: string;
  readonly onOrigins: (origins: string) => void;
  readonly errors: ReadonlyMap<string, string>;
}) {
  const { idPrefix, name, onName, origins, onOrigins, errors } = props;
  const { text } = useI18n();
  const originsError = [...errors].find(([field]) => field === 'origins' || field.startsWith('origins['))?.[1];
  return (
    <>
      <LabelledField id={`${idPrefix}-name`} label={text('segments.name')} error={errors.get('name')}>
        {(described) => <input id={`${idPrefix}-name`} value={name} onChange={(event) => onName(event.target.value)} required {...described} />}
      </LabelledField>
      <LabelledField id={`${idPrefix}-origins`} label={text('sources.originsHelp')} error={originsError}>
        {(described) => (
          <textarea id={`${idPrefix}-origins`} rows={3} spellCheck={false} value={origins} onChange={(event) => onOrigins(event.target.value)} placeholder="https://www.example.com" required {...described} />
        )}
      </LabelledField>
    </>
  );
}

/** A source's name and origins edited: a site that moved or added a domain keeps its key and snippet. */
function SourceEditor({ source, onClose }: { readonly source: { readonly id: string; readonly name: string; readonly origins: readonly string[] }; readonly onClose: () => void }) {
  const api = useApi();
  const queryClient = useQueryClient();
  const { text } = useI18n();
  const [name, setName] = useState(source.name);
  const [origins, setOrigins] = useState(source.origins.join('\n'));
  const save = useMutation({
    mutationFn: () => api.call(updateSource, { params: { sourceId: source.id }, body: { name, origins: originsIn(origins) } }),
    onSuccess: () => refetchAfterChange(queryClient, { queryKey: ['sources'] }),
  });
  const errors = fieldErrorsOf(save.error);
  return (
    <form
      className="stack"
      aria-labelledby="source-editor-title"
      onSubmit={(event) => {
        event.preventDefault();
        save.mutate();
      }}
    >
      <h3 id="source-editor-title">{text('sources.editing', { name: source.name })}</h3>
      <SourceFields idPrefix="source-edit" name={name} onName={setName} origins={origins} onOrigins={setOrigins} errors={errors} />
      <div className="actions">
        <button type="submit" className="primary" disabled={save.isPending}>
          {text('sources.save')}
        </button>{' '}
        <button type="button" onClick={onClose}>
          {text('templates.close')}
        </button>
      </div>
      {save.isSuccess && <p role="status">{text('sources.saved', { name: save.data.name, origins: save.data.origins.join(', ') })}</p>}
      {save.isError && !errors.size && <ErrorNotice error={save.error} />}
    </form>
  );
}

/**
 * The websites that send tracking, each with its snippet and keys: add one (its name and the origins
 * whose pages may send), change its name and origins, rotate its key (the old one keeps working for
 * a day, for pages cached with the old snippet) and revoke an old key before then.
 */
function TrackingSources({ apiUrl }: { readonly apiUrl: string }) {
  const api = useApi();
  const queryClient = useQueryClient();
  const { text, formatDate } = useI18n();
  const [name, setName] = useState('');
  const [origins, setOrigins] = useState('');
  const [editing, setEditing] = useState<{ readonly id: string; readonly name: string; readonly origins: readonly string[] }>();
  const sources = useQuery({ queryKey: ['sources'], queryFn: () => api.call(listSources, { query: { limit: '200' } }) });
  const refresh = () => refetchAfterChange(queryClient, { queryKey: ['sources'] });
  const add = useMutation({
    mutationFn: () => api.call(createSource, { body: { name, origins: originsIn(origins) } }),
    onSuccess: () => {
      setName('');
      setOrigins('');
      return refresh();
    },
  });
  const rotate = useMutation({ mutationFn: (sourceId: string) => api.call(rotateSourceKey, { params: { sourceId }, body: {} }), onSuccess: refresh });
  const revoke = useMutation({ mutationFn: ({ sourceId, writeKey }: { readonly sourceId: string; readonly writeKey: string }) => api.call(revokeSourceKeys, { params: { sourceId }, body: { writeKey } }), onSuccess: refresh });
  const errors = fieldErrorsOf(add.error);
  const rotated = rotate.data;
  const oldKeyUntil = rotated?.keys.find((key) => key.writeKey !== rotated.writeKey && key.valid)?.validUntil;
  return (
    <section aria-labelledby="sources-title">
      <h2 id="sources-title">{text('forms.sources')}</h2>
      <QueryTable
        query={sources}
        label={text('forms.sources')}
        empty={text('sources.none')}
        columns={[{ label: text('segments.name') }, { label: text('forms.origins') }, { label: text('forms.snippet') }, { label: text('sources.keys') }, { label: text('settings.actions') }]}
        items={(page) => page.items}
        row={(source) => (
          <tr key={source.id}>
            <td>{source.name}</td>
            <td>{source.origins.join(', ')}</td>
            <td>{source.writeKey ? <EmbedCode label={text('forms.embedOf', { name: source.name })} code={snippetOf(apiUrl, source.writeKey)} /> : text('forms.revoked')}</td>
            <td>
              <ul className="plain">
                {source.keys
                  .filter((key) => key.valid)
                  .map((key) => (
                    <li key={key.writeKey}>
                      <code>{key.writeKey.slice(0, 10)}…</code>{' '}
                      {key.writeKey === source.writeKey ? (
                        text('sources.current')
                      ) : (
                        <>
                          {key.validUntil ? text('sources.validUntil', { until: formatDate(key.validUntil) }) : ''}{' '}
                          <button type="button" onClick={() => revoke.mutate({ sourceId: source.id, writeKey: key.writeKey })} disabled={revoke.isPending}>
                            {text('sources.revokeOne', { key: `${key.writeKey.slice(0, 10)}…` })}
                          </button>
                        </>
                      )}
                    </li>
                  ))}
              </ul>
            </td>
            <td>
              <button type="button" onClick={() => setEditing(source)}>
                {text('sources.editOne', { name: source.name })}
              </button>{' '}
              <button type="button" onClick={() => rotate.mutate(source.id)} disabled={rotate.isPending}>
                {text('sources.rotate', { name: source.name })}
              </button>
            </td>
          </tr>
        )}
      />
      {rotated && (
        <p role="status">{oldKeyUntil ? text('sources.rotated', { name: rotated.name, until: formatDate(oldKeyUntil) }) : text('sources.rotatedNow', { name: rotated.name })}</p>
      )}
      {editing && <SourceEditor key={editing.id} source={editing} onClose={() => setEditing(undefined)} />}
      {rotate.isError && <ErrorNotice error={rotate.error} />}
      {revoke.isError && <ErrorNotice error={revoke.error} />}
      <form
        className="stack"
        aria-labelledby="new-source-title"
        onSubmit={(event) => {
          event.preventDefault();
          add.mutate();
        }}
      >
        <h3 id="new-source-title">{text('sources.new')}</h3>
        <SourceFields idPrefix="source-new" name={name} onName={setName} origins={origins} onOrigins={setOrigins} errors={errors} />
        <button type="submit" className="primary" disabled={add.isPending}>
          {text('sources.add')}
        </button>
        {add.isSuccess && <p role="status">{text('sources.added', { name: add.data.name })}</p>}
        {add.isError && !errors.size && <ErrorNotice error={add.error} />}
      </form>
    </section>
  );
}

type Definition = z.input<typeof saveForm.request.body.schema>;
type Field = Definition['fields'][number];
type Consent = NonNullable<Definition['consents']>[number];
type Localized = Field['label'];

/** What a new form starts from: the email field every form needs, no consent yet, a thank-you in both languages. */
const NEW_FORM: Definition = {
  title: { en: '', id: '' },
  fields: [{ name: 'email', type: 'email', label: { en: 'Email', id: 'Email' }, required: true }],
  consents: [],
  success: { kind: 'message', message: { en: 'Thank you!', id: 'Terima kasih!' } },
};

/**
 * A form's latest definition to edit: its title, fields (name, type, label, required) and consent
 * checkboxes with their exact text, in English and Indonesian. What has no input here (a select's
 * options, checks, hidden fields, success, origins, spam checks) is saved as it was.
 */
function FormEditor({ formId, onClose }: { readonly formId: string; readonly onClose: () => void }) {
  const api = useApi();
  const { text } = useI18n();
  const form = useQuery({ queryKey: ['form', formId], queryFn: () => api.call(getForm, { params: { formId } }) });
  if (form.isPending) return <Loading />;
  if (form.isError) return <ErrorNotice error={form.error} onRetry={() => form.refetch()} />;
  return (
    <section aria-labelledby="edit-form-title">
      <h2 id="edit-form-title">{text('forms.editing', { name: form.data.definition.title.en, version: form.data.version })}</h2>
      <FormDefinitionEditor formId={formId} saved={form.data.definition} onClose={onClose} />
    </section>
  );
}

/**
 * The inputs of a form's definition. With a `formId` a save is that form's next version; without,
 * the marketer names the new form's id too and a save creates it, then shows its embed code.
 */
function FormDefinitionEditor(props: { readonly formId?: string; readonly saved: Definition; readonly apiUrl?: string; readonly onClose: () => void }) {
  const { formId, saved, apiUrl = '', onClose } = props;
  const api = useApi();
  const queryClient = useQueryClient();
  const { text } = useI18n();
  const [newFormId, setNewFormId] = useState('');
  const [title, setTitle] = useState<Localized>(saved.title);
  const [fields, setFields] = useState<Field[]>(saved.fields);
  const [consents, setConsents] = useState<Consent[]>(saved.consents ?? []);
  const subscriptionTypes = useSubscriptionTypes();
  const typeName = useSubscriptionTypeName();
  const save = useMutation({
    mutationFn: (body: Definition) => (formId ? api.call(saveForm, { params: { formId }, body }) : api.call(createForm, { body: { formId: newFormId, definition: body } })),
    onSuccess: () => refetchAfterChange(queryClient, queriesNamed('forms', 'form')),
  });
  // A new form's definition is the body's `definition`: its problems are named under it.
  const errors = new Map([...fieldErrorsOf(save.error)].map(([field, message]) => [field.replace(/^definition\./, ''), message]));
  const created = formId === undefined && save.data ? save.data : undefined;
  if (created) {
    return (
      <div>
        <p role="status">{text('forms.created', { id: created.formId })}</p>
        <EmbedCode label={text('forms.embedOf', { name: title.en || created.formId })} code={embedCodeOf(apiUrl, created.formId)} />
        <div className="actions">
          <button type="button" onClick={onClose}>
            {text('templates.close')}
          </button>
        </div>
      </div>
    );
  }
  const updateField = (index: number, change: Partial<Field>) => setFields((all) => all.map((field, at) => (at === index ? { ...field, ...change } : field)));
  const updateConsent = (index: number, change: Partial<Consent>) => setConsents((all) => all.map((consent, at) => (at === index ? { ...consent, ...change } : consent)));
  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    save.mutate({ ...saved, title, fields, consents });
  }
  const localized = (path: string, id: string, label: string, value: Localized, onChange: (next: Localized) => void) =>
    (['en', 'id'] as const).map((language) => (
      <LabelledField key={language} id={`${id}-${language}`} label={`${label} (${language})`} error={errors.get(`${path}.${language}`)}>
        {(described) => <input id={`${id}-${language}`} lang={language} value={value[language]} onChange={(event) => onChange({ ...value, [language]: event.target.value })} {...described} />}
      </LabelledField>
    ));
  return (
    <form onSubmit={submit} noValidate>
      {formId === undefined && (
        <LabelledField id="new-form-id" label={text('forms.id')} error={errors.get('formId')}>
          {(described) => <input id="new-form-id" value={newFormId} onChange={(event) => setNewFormId(event.target.value)} required {...described} />}
        </LabelledField>
      )}
      <div className="settings">{localized('title', 'form-title', text('forms.formTitle'), title, setTitle)}</div>
      {fields.map((field, index) => {
        const at = `fields[${index}]`;
        const id = (part: string) => `form-field-${index}-${part}`;
        return (
          // biome-ignore lint/suspicious/noArrayIndexKey: a field's name is what the marketer edits here
          <fieldset key={index}>
            <legend>{text('forms.field', { name: field.name || String(index + 1) })}</legend>
            <div className="settings">
              <LabelledField id={id('name')} label={text('forms.fieldName')} error={errors.get(`${at}.name`)}>
                {(described) => <input id={id('name')} value={field.name} onChange={(event) => updateField(index, { name: event.target.value })} {...described} />}
              </LabelledField>
              <LabelledField id={id('type')} label={text('forms.fieldType')} error={errors.get(`${at}.type`) ?? errors.get(`${at}.options`)}>
                {(described) => (
                  <select id={id('type')} value={field.type} onChange={(event) => updateField(index, { type: event.target.value as Field['type'] })} {...described}>
                    {FIELD_TYPES.map((type) => (
                      <option key={type} value={type}>
                        {typeName(type)}
                      </option>
                    ))}
                  </select>
                )}
              </LabelledField>
              {localized(`${at}.label`, id('label'), text('forms.fieldLabel'), field.label, (label) => updateField(index, { label }))}
              <label className="inline">
                <input type="checkbox" checked={field.required ?? false} onChange={(event) => updateField(index, { required: event.target.checked })} aria-describedby={errors.has(`${at}.required`) ? `${id('required')}-error` : undefined} />
                {text('forms.required')}
              </label>
              {errors.has(`${at}.required`) && (
                <p id={`${id('required')}-error`} className="field-error">
                  {errors.get(`${at}.required`)}
                </p>
              )}
            </div>
            <button type="button" className="danger" onClick={() => setFields((all) => all.filter((_, at) => at !== index))}>
              {text('forms.removeField', { name: field.name || String(index + 1) })}
            </button>
          </fieldset>
        );
      })}
      <div className="actions">
        <button type="button" onClick={() => setFields((all) => [...all, { name: '', type: 'text', label: { en: '', id: '' }, required: false }])}>
          {text('forms.addField')}
        </button>
      </div>
      {consents.map((consent, index) => {
        const at = `consents[${index}]`;
        const id = (part: string) => `form-consent-${index}-${part}`;
        return (
          // biome-ignore lint/suspicious/noArrayIndexKey: a consent's subscription is what the marketer edits here
          <fieldset key={index}>
            <legend>{text('forms.consent', { name: typeName(consent.subscription) })}</legend>
            <div className="settings">
              <LabelledField id={id('subscription')} label={text('forms.subscription')} error={errors.get(`${at}.subscription`)}>
                {(described) => (
                  <select id={id('subscription')} value={consent.subscription} onChange={(event) => updateConsent(index, { subscription: event.target.value as Consent['subscription'] })} {...described}>
                    {typeChoices(subscriptionTypes.data?.types, consent.subscription).map((type) => (
                      <option key={type} value={type}>
                        {typeName(type)}
                      </option>
                    ))}
                  </select>
                )}
              </LabelledField>
              {localized(`${at}.text`, id('text'), text('forms.consentText'), consent.text, (next) => updateConsent(index, { text: next }))}
            </div>
            <button type="button" className="danger" onClick={() => setConsents((all) => all.filter((_, at) => at !== index))}>
              {text('forms.removeConsent', { name: typeName(consent.subscription) })}
            </button>
          </fieldset>
        );
      })}
      <div className="actions">
        <button type="button" onClick={() => setConsents((all) => [...all, { subscription: typeChoices(subscriptionTypes.data?.types)[0] ?? 'newsletter', text: { en: '', id: '' } }])}>
          {text('forms.addConsent')}
        </button>
      </div>
      {errors.has('fields') && <p className="field-error">{errors.get('fields')}</p>}
      <div className="actions">
        <button type="submit" className="primary" disabled={save.isPending}>
          {formId === undefined ? text('forms.create') : text('forms.save')}
        </button>
        <button type="button" onClick={onClose}>
          {text('templates.close')}
        </button>
        {save.data && <span role="status">{save.data.created ? text('forms.saved', { version: save.data.version }) : text('forms.unchanged', { version: save.data.version })}</span>}
      </div>
      {save.isError && <ErrorNotice error={save.error} />}
    </form>
  );
}
