import { DetailType, EVENT_SOURCE } from '../src/domain/events';
import { type FunctionSpec, isEventFunction, type Manifest } from './types';

/** Who puts one detail type on the bus and whose rules take it off. */
export interface EventFlow {
  readonly detailType: DetailType;
  readonly emittedBy: readonly string[];
  readonly consumedBy: readonly string[];
}

/** The leadflow detail types a function's rule delivers to its queue (none for other triggers or sources). */
export function consumedDetailTypes(fn: FunctionSpec): string[] {
  if (!isEventFunction(fn)) return [];
  const { source, 'detail-type': detailTypes } = fn.trigger.pattern;
  if (!Array.isArray(source) || !source.includes(EVENT_SOURCE) || !Array.isArray(detailTypes)) return [];
  return detailTypes.filter((type): type is string => typeof type === 'string');
}

/** Every detail type of leadflow with its emitters and consumers, from the manifest's `emits` and triggers. */
export const eventFlows = (manifest: Manifest): EventFlow[] =>
  Object.values(DetailType).map((detailType) => ({
    detailType,
    emittedBy: manifest.functions.filter((fn) => fn.emits?.includes(detailType)).map((fn) => fn.name),
    consumedBy: manifest.functions.filter((fn) => consumedDetailTypes(fn).includes(detailType)).map((fn) => fn.name),
  }));
