import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { createTemplate, getTemplate, listTemplates, previewTemplate, testTemplate, updateTemplate } from '../../../../functions/manage-templates/routes';
import { queriesNamed, refetchAfterChange } from '../after-change';
import { useApi } from '../api';
import { QueryTable } from '../frames';
import { findLead } from '../find-lead';
import { useI18n } from '../i18n';
import { ErrorNotice, fieldErrorsOf, Loading } from '../notices';

/** Widths a preview is shown at: a desktop mail client's reading pane and a phone. */
const WIDTHS = { desktop: 640, mobile: 375 } as const;

/** Unsaved content of a template, previewed before it becomes a version. */
interface Draft {
  readonly subject: string;
  readonly html: string;
  readonly text?: string;
}

/**
 * Templates: the list, a new one, editing one (each save a new version), a preview for a lead (or with
 * fallbacks) at desktop and mobile widths, of a saved version or of unsaved edits, and a test send.
 */
export default function TemplatesPage() {
  const api = useApi();
  const queryClient = useQueryClient();
  const { text, formatDate } = useI18n();
  const templates = useQuery({ queryKey: ['templates'], queryFn: () => api.call(listTemplates, { query: { limit: '200' } }) });
  const [leadId, setLeadId] = useState('');
  const [editing, setEditing] = useState<string>();
  const [testTo, setTestTo] = useState('');
  // The lead named in the box, by id, address, name or company; none: the fallbacks.
  const chosenLead = async (): Promise<{ leadId?: string }> => {
    const search = leadId.trim();
    if (!search) return {};
    const { lead, scanned } = await findLead(api, search);
    if (!lead) throw new Error(text('campaigns.noLeadMatches', { search, scanned }));
    return { leadId: lead.id };
  };
  const preview = useMutation({
    mutationFn: async ({ templateId, draft }: { readonly templateId: string; readonly draft?: Draft }) => api.call(previewTemplate, { params: { templateId }, body: { ...(await chosenLead()), ...(draft ? { draft } : {}) } }),
  });
  const test = useMutation({
    mutationFn: async ({ templateId, name }: { readonly templateId: string; readonly name: string }) => {
      const to = testTo
        .split(',')
        .map((address) => address.trim())
        .filter(Boolean);
      return { name, ...(await api.call(testTemplate, { params: { templateId }, body: { to, ...(await chosenLead()) } })) };
    },
  });
  // The list (`to`) or one address in it (`to[1]`).
  const testToError = [...fieldErrorsOf(test.error)].find(([field]) => field === 'to' || field.startsWith('to['))?.[1];
  const create = useMutation({
    mutationFn: (body: { name: string; subject: string; html: string }) => api.call(createTemplate, { body }),
    onSuccess: async (created) => {
      await refetchAfterChange(queryClient, { queryKey: ['templates'] });
      preview.mutate({ templateId: created.templateId });
    },
  });
  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    create.mutate({ name: String(form.get('name') ?? ''), subject: String(form.get('subject') ?? ''), html: String(form.get('html') ?? '') });
  }

  return (
    <section aria-labelledby="templates-title">
      <h1 id="templates-title">{text('templates.title')}</h1>
      <div className="field">
        <label htmlFor="preview-lead">{text('templates.previewFor')}</label>
        <input id="preview-lead" value={leadId} onChange={(event) => setLeadId(event.target.value)} placeholder="ana@example.com" />
      </div>
      <div className="field">
        <label htmlFor="test-to">{text('templates.testTo')}</label>
        <input
          id="test-to"
          type="text"
          inputMode="email"
          value={testTo}
          onChange={(event) => setTestTo(event.target.value)}
          placeholder="me@example.com"
          {...(testToError ? { 'aria-invalid': true, 'aria-describedby': 'test-to-error' } : {})}
        />
        {testToError && (
          <p id="test-to-error" className="field-error">
            {testToError}
          </p>
        )}
      </div>
      {test.data && <p role="status">{text('templates.testQueued', { name: test.data.name, version: test.data.version, count: test.data.to.length })}</p>}
      {test.isError && <ErrorNotice error={test.error} />}
      <QueryTable
        query={templates}
        label={text('templates.title')}
        empty={text('templates.none')}
        columns={[{ label: text('segments.name') }, { label: text('segments.version'), number: true }, { label: text('segments.updated') }, { label: text('settings.actions') }]}
        items={(page) => page.items}
        row={(template) => (
          <tr key={template.templateId}>
            <td>{template.name}</td>
            <td className="number">{template.latestVersion}</td>
            <td>{formatDate(template.updatedAt)}</td>
            <td>
              <button type="button" onClick={() => preview.mutate({ templateId: template.templateId })}>
                {text('templates.previewOne', { name: template.name })}
              </button>{' '}
              <button type="button" onClick={() => test.mutate({ templateId: template.templateId, name: template.name })} disabled={test.isPending || !testTo.trim()}>
                {text('templates.testOne', { name: template.name })}
              </button>{' '}
              <button type="button" onClick={() => setEditing(template.templateId)}>
                {text('templates.editOne', { name: template.name })}
              </button>
            </td>
          </tr>
        )}
      />
      {editing && (
        <TemplateEditor
          key={editing}
          templateId={editing}
          onSaved={() => preview.mutate({ templateId: editing })}
          onPreview={(draft) => preview.mutate({ templateId: editing, draft })}
          previewErrors={fieldErrorsOf(preview.error)}
          onClose={() => setEditing(undefined)}
        />
      )}
      {preview.isError && <ErrorNotice error={preview.error} />}
      {preview.data && (
        <section aria-labelledby="preview-title">
          <h2 id="preview-title">{text('templates.subjectLine', { subject: preview.data.rendered.subject })}</h2>
          {preview.data.draft && <p>{text('templates.previewDraft')}</p>}
          <div className="previews">
            {(Object.keys(WIDTHS) as (keyof typeof WIDTHS)[]).map((device) => (
              <figure key={device}>
                <figcaption>{text(`templates.${device}`)}</figcaption>
                {/* No script runs in it and it cannot reach the console: an email is content, never code. */}
                <iframe title={text(`templates.${device}`)} sandbox="" srcDoc={preview.data.rendered.html} style={{ width: WIDTHS[device], height: 480 }} />
              </figure>
            ))}
          </div>
        </section>
      )}

      <h2>{text('templates.new')}</h2>
      <form onSubmit={submit} className="stack">
        <div className="field">
          <label htmlFor="template-name">{text('segments.name')}</label>
          <input id="template-name" name="name" required />
        </div>
        <div className="field">
          <label htmlFor="template-subject">{text('campaigns.subject')}</label>
          <input id="template-subject" name="subject" required />
        </div>
        <div className="field">
          <label htmlFor="template-html">{text('campaigns.html')}</label>
          <textarea id="template-html" name="html" rows={8} required defaultValue={'<p>Hello {{ lead.firstName | "there" }},</p>\n<p></p>'} />
        </div>
        <button type="submit" className="primary" disabled={create.isPending}>
          {text('templates.create')}
        </button>
        {create.isError && <ErrorNotice error={create.error} />}
      </form>
    </section>
  );
}

/** One template's latest content to edit: a save adds a version (the same content adds none). */
function TemplateEditor({
  templateId,
  onSaved,
  onPreview,
  previewErrors,
  onClose,
}: {
  readonly templateId: string;
  readonly onSaved: () => void;
  /** Renders the form's content as it stands, unsaved. */
  readonly onPreview: (draft: Draft) => void;
  /** Problems the preview found in the unsaved content, by field (`draft.html`). */
  readonly previewErrors: ReadonlyMap<string, string>;
  readonly onClose: () => void;
}) {
  const api = useApi();
  const queryClient = useQueryClient();
  const { text } = useI18n();
  const template = useQuery({ queryKey: ['template', templateId], queryFn: () => api.call(getTemplate, { params: { templateId } }) });
  const save = useMutation({
    mutationFn: (body: { name: string; subject: string; html: string; text?: string }) => api.call(updateTemplate, { params: { templateId }, body }),
    onSuccess: async () => {
      await refetchAfterChange(queryClient, queriesNamed('templates', 'template'));
      onSaved();
    },
  });
  const errors = fieldErrorsOf(save.error);
  if (template.isPending) return <Loading />;
  if (template.isError) return <ErrorNotice error={template.error} onRetry={() => template.refetch()} />;
  const shown = template.data;
  function contentOf(form: HTMLFormElement) {
    const values = new FormData(form);
    const plain = String(values.get('text') ?? '');
    return { subject: String(values.get('subject') ?? ''), html: String(values.get('html') ?? ''), ...(plain.trim() ? { text: plain } : {}) };
  }
  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    save.mutate({ name: String(new FormData(event.currentTarget).get('name') ?? ''), ...contentOf(event.currentTarget) });
  }
  const field = (name: 'name' | 'subject' | 'html' | 'text', label: string, multiline: boolean) => {
    const id = `edit-template-${name}`;
    const error = errors.get(name) ?? previewErrors.get(`draft.${name}`);
    const described = error ? { 'aria-invalid': true as const, 'aria-describedby': `${id}-error` } : {};
    return (
      <div className="field">
        <label htmlFor={id}>{label}</label>
        {multiline ? <textarea id={id} name={name} rows={8} defaultValue={shown[name] ?? ''} {...described} /> : <input id={id} name={name} defaultValue={shown[name]} required {...described} />}
        {error && (
          <p id={`${id}-error`} className="field-error">
            {error}
          </p>
        )}
      </div>
    );
  };
  return (
    <section aria-labelledby="edit-template-title">
      <h2 id="edit-template-title">{text('templates.editing', { name: shown.name, version: shown.version })}</h2>
      <form onSubmit={submit} className="stack" noValidate>
        {field('name', text('segments.name'), false)}
        {field('subject', text('campaigns.subject'), false)}
        {field('html', text('campaigns.html'), true)}
        {field('text', text('templates.plainText'), true)}
        <div className="actions">
          <button type="submit" className="primary" disabled={save.isPending}>
            {text('templates.saveVersion')}
          </button>
          <button type="button" onClick={(event) => event.currentTarget.form && onPreview(contentOf(event.currentTarget.form))}>
            {text('templates.previewEdits')}
          </button>
          <button type="button" onClick={onClose}>
            {text('templates.close')}
          </button>
          {save.data && <span role="status">{save.data.created ? text('templates.savedVersion', { version: save.data.version }) : save.data.message}</span>}
        </div>
        {save.isError && <ErrorNotice error={save.error} />}
      </form>
    </section>
  );
}
