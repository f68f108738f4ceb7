import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import type * as z from 'zod';
import { createSegment, listSegments, previewSegmentDefinition, updateSegment } from '../../../../functions/manage-segments/routes';
import type { AudiencePreview } from '../../../../src/api/responses';
import type { RouteOutput } from '../../../../src/http/route-declarations';
import { useApi } from '../api';
import { useI18n } from '../i18n';
import { ErrorNotice, Loading } from '../notices';

const PREVIEW_AFTER_MS = 400;
const STARTER_CONDITION = '{\n  "lead": { "country": ["ID"] }\n}';

type SavedSegment = RouteOutput<typeof listSegments>['items'][number];

/** Saved segments, and a builder (of a new one, or of the next version of a saved one) whose count and sample follow the condition as it is typed. */
export default function SegmentsPage() {
  const api = useApi();
  const { text, formatDate } = useI18n();
  const segments = useQuery({ queryKey: ['segments'], queryFn: () => api.call(listSegments, { query: { limit: '200' } }) });
  const [editing, setEditing] = useState<SavedSegment>();

  return (
    <section aria-labelledby="segments-title">
      <h1 id="segments-title">{text('segments.title')}</h1>
      {segments.isPending ? (
        <Loading />
      ) : segments.isError ? (
        <ErrorNotice error={segments.error} onRetry={() => segments.refetch()} />
      ) : (
        <div className="table-scroll">
          <table aria-label={text('segments.list')}>
            <thead>
              <tr>
                <th scope="col">{text('segments.name')}</th>
                <th scope="col">{text('segments.condition')}</th>
                <th scope="col" className="number">
                  {text('segments.version')}
                </th>
                <th scope="col">{text('segments.updated')}</th>
                <th scope="col">{text('settings.actions')}</th>
              </tr>
            </thead>
            <tbody>
              {segments.data.items.map((segment) => (
                <tr key={segment.id}>
                  <td>{segment.name}</td>
                  <td>
                    <code>{JSON.stringify(segment.where ?? {})}</code>
                  </td>
                  <td className="number">{segment.version}</td>
                  <td>{formatDate(segment.updatedAt)}</td>
                  <td>
                    <button type="button" onClick={() => setEditing(segment)}>
                      {text('segments.editOne', { name: segment.name })}
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
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
  // History conditions have no editor here: an edit keeps them as saved, and the count includes them.
  const history = editing?.history;
  // The version this edit follows: a save moves it on, so a second save is not refused as someone else's.
  const [version, setVersion] = useState(editing?.version);
  const [preview, setPreview] = useState<{ audience?: AudiencePreview; problem?: string }>({});

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
      api.call(previewSegmentDefinition, { body: { where, ...(history ? { history } : {}) } as z.input<typeof previewSegmentDefinition.request.body.schema> }).then(
        (answer) => current && setPreview({ audience: answer.audience }),
        (error: unknown) => current && setPreview({ problem: error instanceof Error ? error.message : String(error) }),
      );
    }, PREVIEW_AFTER_MS);
    return () => {
      // An answer to an earlier condition arriving late must not replace the current one's.
      current = false;
      clearTimeout(timer);
    };
  }, [whereText, history, api, text]);

  const save = useMutation({
    mutationFn: () => {
      const where = JSON.parse(whereText) as Record<string, unknown>;
      if (!editing) return api.call(createSegment, { body: { name, where } as z.input<typeof createSegment.request.body.schema> });
      const { description, tracked } = editing;
      const body = { name, where, expectedVersion: version, ...(history ? { history } : {}), ...(description ? { description } : {}), ...(tracked === undefined ? {} : { tracked }) };
      return api.call(updateSegment, { params: { segmentId: editing.id }, body: body as z.input<typeof updateSegment.request.body.schema> });
    },
    onSuccess: (saved) => {
      setVersion(saved.version);
      return queryClient.invalidateQueries({ queryKey: ['segments'] });
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
          <textarea id="segment-where" rows={6} spellCheck={false} value={whereText} onChange={(event) => setWhereText(event.target.value)} aria-describedby="segment-preview" aria-invalid={preview.problem !== undefined} />
        </div>
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
        {save.isSuccess && <p role="status">{text('segments.savedOne', { name: save.data.name, version: save.data.version })}</p>}
        {save.isError && <ErrorNotice error={save.error} />}
      </form>
    </section>
  );
}
