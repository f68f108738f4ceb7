import type { KeyboardEvent } from 'react';
import type { JourneyDefinition } from '../../../../src/domain/journeys/definition';
import { successors } from '../../../../src/domain/journeys/validate';
import type { Text } from '../i18n';

export interface StepCounts {
  readonly entered: number;
  readonly emails?: { readonly sent: number; readonly skipped: number };
  readonly arms?: Readonly<Record<string, number>>;
}

const BOX = { x: 16, width: 300, height: 58, gap: 34 } as const;
const rowTop = (index: number) => 8 + index * (BOX.height + BOX.gap);

/** What makes the diagram the editor's: each box a button selecting its step, marked when the step has problems. */
export interface DiagramSelection {
  readonly selected: number | undefined;
  readonly onSelect: (index: number) => void;
  readonly problems: (index: number) => number;
}

/**
 * The steps as boxes top to bottom and every way on as an arrow: down to the next box, or round the
 * side to any other. Read-only it is one image; with a `selection` each box is a button (Enter or
 * Space) and the drawing a group of them.
 */
export function StepDiagram(props: { readonly definition: JourneyDefinition; readonly counts: ReadonlyMap<string, StepCounts>; readonly text: Text; readonly selection?: DiagramSelection }) {
  const { definition, counts, text, selection } = props;
  const indexOf = new Map(definition.steps.map((step, index) => [step.id, index]));
  const edges = definition.steps.flatMap((step, from) =>
    successors(definition, from).flatMap(({ field, stepId }) => {
      const to = indexOf.get(stepId);
      return to === undefined ? [] : [{ from, to, label: field.length > 1 && step.type === 'split' ? (step.arms[Number(field[1])]?.name ?? '') : String(field[0]) }];
    }),
  );
  const sideEdges = edges.filter((edge) => edge.to !== edge.from + 1);
  const right = BOX.x + BOX.width;
  const width = right + 40 + sideEdges.length * 16 + 60;
  const height = rowTop(definition.steps.length) + 8;
  return (
    <svg className="journey-diagram" role={selection ? 'group' : 'img'} aria-labelledby="journey-diagram-title" width={width} height={height} viewBox={`0 0 ${width} ${height}`}>
      <title id="journey-diagram-title">{text('journeys.diagram')}</title>
      <defs>
        <marker id="journey-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
          <path d="M0,0 L10,5 L0,10 z" fill="currentColor" />
        </marker>
      </defs>
      {definition.steps.map((step, index) => {
        const shown = counts.get(step.id);
        const top = rowTop(index);
        const problems = selection?.problems(index) ?? 0;
        const choose = selection && {
          // SVG has no button element: the box is one by its role, focus and keys.
          role: 'button',
          tabIndex: 0,
          'aria-pressed': selection.selected === index,
          'aria-label': `${text('journeys.editStep', { id: step.id, type: step.type })}${problems ? `, ${text('editor.issues', { count: problems })}` : ''}`,
          onClick: () => selection.onSelect(index),
          onKeyDown: (event: KeyboardEvent) => {
            if (event.key !== 'Enter' && event.key !== ' ') return;
            event.preventDefault();
            selection.onSelect(index);
          },
        };
        const classes = ['journey-step', `journey-step-${step.type}`, selection?.selected === index ? 'journey-step-selected' : '', problems ? 'journey-step-invalid' : ''].filter(Boolean).join(' ');
        return (
          <g key={step.id}>
            {/* The button is the box alone, named by its label; the words drawn on it let clicks through to it. */}
            {choose ? (
              <g className="journey-step-button" {...choose}>
                <rect x={BOX.x} y={top} width={BOX.width} height={BOX.height} rx={6} className={classes} />
              </g>
            ) : (
              <rect x={BOX.x} y={top} width={BOX.width} height={BOX.height} rx={6} className={classes} />
            )}
            <text x={BOX.x + 10} y={top + 22} className="journey-step-name">
              {step.id} ({step.type})
            </text>
            <text x={BOX.x + 10} y={top + 44}>
              {text('journeys.entered', { count: shown?.entered ?? 0 })}
              {shown?.emails ? ` · ${text('journeys.emails', { sent: shown.emails.sent, skipped: shown.emails.skipped })}` : ''}
              {problems ? ` · ⚠ ${problems}` : ''}
            </text>
          </g>
        );
      })}
      {edges.map((edge) => {
        const key = `${edge.from}-${edge.to}-${edge.label}`;
        if (edge.to === edge.from + 1) {
          const x = BOX.x + BOX.width / 2;
          return (
            <g key={key}>
              <line x1={x} y1={rowTop(edge.from) + BOX.height} x2={x} y2={rowTop(edge.to)} stroke="currentColor" markerEnd="url(#journey-arrow)" />
              <text x={x + 6} y={rowTop(edge.from) + BOX.height + 20} className="journey-edge">
                {edge.label === 'next' ? '' : edge.label}
              </text>
            </g>
          );
        }
        const lane = right + 24 + sideEdges.indexOf(edge) * 16;
        const fromY = rowTop(edge.from) + BOX.height / 2 + 8;
        const toY = rowTop(edge.to) + BOX.height / 2 - 8;
        return (
          <g key={key}>
            <path d={`M${right},${fromY} H${lane} V${toY} H${right}`} fill="none" stroke="currentColor" markerEnd="url(#journey-arrow)" />
            <text x={lane + 4} y={fromY - 4} className="journey-edge">
              {edge.label}
            </text>
          </g>
        );
      })}
    </svg>
  );
}

