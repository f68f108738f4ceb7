import type { UseQueryResult } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import { ErrorNotice, Loading } from './notices';

/** What a page shows of one query: "loading" while pending, the error with a retry when it failed, else what `children` makes of its data. */
export function QueryView<T>({ query, children }: { readonly query: UseQueryResult<T>; readonly children: (data: T) => ReactNode }) {
  if (query.isPending) return <Loading />;
  if (query.isError) return <ErrorNotice error={query.error} onRetry={() => query.refetch()} />;
  return <>{children(query.data)}</>;
}

export interface Column {
  readonly label: string;
  /** Right-aligned, as figures are. */
  readonly number?: boolean;
}

/**
 * A query's items as a labelled table with a header row (scrolling sideways on a narrow screen),
 * inside the frame of `QueryView`; `empty` is said instead of an empty table.
 */
export function QueryTable<T, Item>(props: {
  readonly query: UseQueryResult<T>;
  readonly label: string;
  readonly columns: readonly Column[];
  readonly items: (data: T) => readonly Item[];
  readonly row: (item: Item) => ReactNode;
  readonly empty?: string;
}) {
  const { query, label, columns, items, row, empty } = props;
  return (
    <QueryView query={query}>
      {(data) => {
        const shown = items(data);
        if (shown.length === 0 && empty) return <p>{empty}</p>;
        return (
          <div className="table-scroll">
            <table aria-label={label}>
              <thead>
                <tr>
                  {columns.map((column) => (
                    <th key={column.label} scope="col" className={column.number ? 'number' : undefined}>
                      {column.label}
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>{shown.map(row)}</tbody>
            </table>
          </div>
        );
      }}
    </QueryView>
  );
}
