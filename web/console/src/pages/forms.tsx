import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { listForms } from '../../../../functions/manage-forms/routes';
import { listSources } from '../../../../functions/manage-sources/routes';
import { useApi } from '../api';
import { useI18n } from '../i18n';
import { ErrorNotice, Loading } from '../notices';

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

/** Forms and tracking sources, each with the code that puts it on a website. */
export default function FormsPage({ apiUrl }: { readonly apiUrl: string }) {
  const api = useApi();
  const { text, formatDate } = useI18n();
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
              </tr>
            ))}
          </tbody>
        </table>
      )}
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
