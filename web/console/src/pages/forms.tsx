import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent, type ReactNode } from 'react';
import type * as z from 'zod';
import { getForm, listForms, saveForm } from '../../../../functions/manage-forms/routes';
import { listSources } from '../../../../functions/manage-sources/routes';
import { useApi } from '../api';
import { FIELD_TYPES, type FormDefinition } from '../../../../src/domain/forms/definition';
import { useI18n } from '../i18n';
import { ErrorNotice, fieldErrorsOf, Loading } from '../notices';
import { typeChoices, useSubscriptionTypes } from '../subscription-types';

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
  const forms = useQuery({ queryKey: ['forms'], queryFn: () => api.call(listForms, { query: { limit: '200' } }) });
  const sources = useQuery({ queryKey: ['sources'], queryFn: () => api.call(listSources, { query: { limit: '200' } }) });
  return (
    <section aria-labelledby="forms-title">
      <h1 id="forms-title">{text('forms.title')}</h1>
      {forms.isPending ? (
        <Loading />
      ) : forms.isError ? (
        <ErrorNotice error={forms.error} />
      ) : (
        <table>
          <thead>
            <tr>
              <th scope="col">{text('forms.form')}</th>
              <th scope="col" className="number">
                {text('segments.version')}
              </th>
              <th scope="col">{text('segments.updated')}</th>
              <th scope="col">{text('forms.embed')}</th>
              <th scope="col">{text('settings.actions')}</th>
            </tr>
          </thead>
          <tbody>
            {forms.data.items.map((form) => (
              <tr key={form.formId}>
                <td>
                  <a href={`${apiUrl}/f/${encodeURIComponent(form.formId)}`} target="_blank" rel="noreferrer">
                    {form.title}
                  </a>
                </td>
                <td className="number">{form.latestVersion}</td>
                <td>{formatDate(form.updatedAt)}</td>
                <td>
                  <EmbedCode label={text('forms.embedOf', { name: form.title })} code={`<script src="${apiUrl}/f/${encodeURIComponent(form.formId)}/embed.js"></script>`} />
                </td>
                <td>
                  <button type="button" onClick={() => setEditing(form.formId)}>
                    {text('forms.editOne', { name: form.title })}
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {editing && <FormEditor key={editing} formId={editing} onClose={() => setEditing(undefined)} />}
      <h2>{text('forms.sources')}</h2>
      {sources.isPending ? (
        <Loading />
      ) : sources.isError ? (
        <ErrorNotice error={sources.error} />
      ) : (
        <table>
          <thead>
            <tr>
              <th scope="col">{text('segments.name')}</th>
              <th scope="col">{text('forms.origins')}</th>
              <th scope="col">{text('forms.snippet')}</th>
            </tr>
          </thead>
          <tbody>
            {sources.data.items.map((source) => (
              <tr key={source.id}>
                <td>{source.name}</td>
                <td>{source.origins.join(', ')}</td>
                <td>
                  {source.writeKey ? (
                    <EmbedCode label={text('forms.embedOf', { name: source.name })} code={`<script src="${apiUrl}/js/v1/leadflow.js" data-write-key="${source.writeKey}" data-consent="required" async></script>`} />
                  ) : (
                    text('forms.revoked')
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

type Definition = z.input<typeof saveForm.request.body.schema>;
type Field = Definition['fields'][number];
type Consent = NonNullable<Definition['consents']>[number];
type Localized = Field['label'];

/** A labelled input with the API's error for its path beside it. */
function PathField({ id, label, error, children }: { readonly id: string; readonly label: string; readonly error: string | undefined; readonly children: (described: { 'aria-invalid'?: true; 'aria-describedby'?: string }) => ReactNode }) {
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      {children(error ? { 'aria-invalid': true, 'aria-describedby': `${id}-error` } : {})}
      {error && (
        <p id={`${id}-error`} className="field-error">
          {error}
        </p>
      )}
    </div>
  );
}

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

function FormDefinitionEditor({ formId, saved, onClose }: { readonly formId: string; readonly saved: FormDefinition; readonly onClose: () => void }) {
  const api = useApi();
  const queryClient = useQueryClient();
  const { text } = useI18n();
  const [title, setTitle] = useState<Localized>(saved.title);
  const [fields, setFields] = useState<Field[]>(saved.fields);
  const [consents, setConsents] = useState<Consent[]>(saved.consents);
  const subscriptionTypes = useSubscriptionTypes();
  const save = useMutation({
    mutationFn: (body: Definition) => api.call(saveForm, { params: { formId }, body }),
    onSuccess: () => queryClient.invalidateQueries({ predicate: (query) => ['forms', 'form'].includes(String(query.queryKey[0])) }),
  });
  const errors = fieldErrorsOf(save.error);
  const updateField = (index: number, change: Partial<Field>) => setFields((all) => all.map((field, at) => (at === index ? { ...field, ...change } : field)));
  const updateConsent = (index: number, change: Partial<Consent>) => setConsents((all) => all.map((consent, at) => (at === index ? { ...consent, ...change } : consent)));
  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    save.mutate({ ...saved, title, fields, consents });
  }
  const localized = (path: string, id: string, label: string, value: Localized, onChange: (next: Localized) => void) =>
    (['en', 'id'] as const).map((language) => (
      <PathField key={language} id={`${id}-${language}`} label={`${label} (${language})`} error={errors.get(`${path}.${language}`)}>
        {(described) => <input id={`${id}-${language}`} lang={language} value={value[language]} onChange={(event) => onChange({ ...value, [language]: event.target.value })} {...described} />}
      </PathField>
    ));
  return (
    <form onSubmit={submit} noValidate>
      <div className="settings">{localized('title', 'form-title', text('forms.formTitle'), title, setTitle)}</div>
      {fields.map((field, index) => {
        const at = `fields[${index}]`;
        const id = (part: string) => `form-field-${index}-${part}`;
        return (
          // biome-ignore lint/suspicious/noArrayIndexKey: a field's name is what the marketer edits here
          <fieldset key={index}>
            <legend>{text('forms.field', { name: field.name || String(index + 1) })}</legend>
            <div className="settings">
              <PathField id={id('name')} label={text('forms.fieldName')} error={errors.get(`${at}.name`)}>
                {(described) => <input id={id('name')} value={field.name} onChange={(event) => updateField(index, { name: event.target.value })} {...described} />}
              </PathField>
              <PathField id={id('type')} label={text('forms.fieldType')} error={errors.get(`${at}.type`) ?? errors.get(`${at}.options`)}>
                {(described) => (
                  <select id={id('type')} value={field.type} onChange={(event) => updateField(index, { type: event.target.value as Field['type'] })} {...described}>
                    {FIELD_TYPES.map((type) => (
                      <option key={type} value={type}>
                        {type}
                      </option>
                    ))}
                  </select>
                )}
              </PathField>
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
            <legend>{text('forms.consent', { name: consent.subscription })}</legend>
            <div className="settings">
              <PathField id={id('subscription')} label={text('forms.subscription')} error={errors.get(`${at}.subscription`)}>
                {(described) => (
                  <select id={id('subscription')} value={consent.subscription} onChange={(event) => updateConsent(index, { subscription: event.target.value as Consent['subscription'] })} {...described}>
                    {typeChoices(subscriptionTypes.data?.types, consent.subscription).map((type) => (
                      <option key={type} value={type}>
                        {type}
                      </option>
                    ))}
                  </select>
                )}
              </PathField>
              {localized(`${at}.text`, id('text'), text('forms.consentText'), consent.text, (next) => updateConsent(index, { text: next }))}
            </div>
            <button type="button" className="danger" onClick={() => setConsents((all) => all.filter((_, at) => at !== index))}>
              {text('forms.removeConsent', { name: consent.subscription })}
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
          {text('forms.save')}
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
