import { isEmailStep, type JourneyDefinition } from './definition';
import type { EnrolmentState } from './interpreter';

/**
 * Moving an enrolled lead to a newer version of its journey, explicitly (a lead otherwise finishes on
 * the version it entered). Steps map by id: the lead stays at the step with the same id, its wait's
 * timer and step number unchanged, so the step claims of its run (taken under its step numbers) keep
 * every step done once. A lead waiting at a step the new version lacks, or has as another kind of
 * step, cannot be placed and is refused, naming the step. A lead waiting at an email or notify step
 * for its email to end stays there when the version has an email or notify step of that id.
 */
export type MoveDecision =
  | { readonly outcome: 'move'; readonly enrolment: EnrolmentState }
  | { readonly outcome: 'already-there' | 'ended' }
  | { readonly outcome: 'refused'; readonly stepId: string; readonly reason: string };

export function moveEnrolment(enrolment: EnrolmentState, target: JourneyDefinition, version: number): MoveDecision {
  if (enrolment.status === 'completed' || enrolment.status === 'exited') return { outcome: 'ended' };
  if (enrolment.version === version) return { outcome: 'already-there' };
  if (enrolment.version > version) return { outcome: 'refused', stepId: enrolment.stepId ?? '', reason: `the lead is on version ${enrolment.version}, newer than ${version}` };
  const stepId = enrolment.stepId;
  if (stepId === undefined) return { outcome: 'move', enrolment: { ...enrolment, version } };
  const step = target.steps.find((candidate) => candidate.id === stepId);
  if (!step) return { outcome: 'refused', stepId, reason: `step ${stepId}, where the lead is, does not exist in version ${version}` };
  // A lead waiting for its email stays at an email or notify step: the email's end moves it on from there.
  if (enrolment.status === 'waiting' && enrolment.awaiting === 'email' && !isEmailStep(step)) {
    return { outcome: 'refused', stepId, reason: `step ${stepId}, where the lead waits for its email, is a ${step.type} step in version ${version}, not an email or notify step` };
  }
  if (enrolment.status === 'waiting' && !enrolment.awaiting && step.type !== 'wait' && step.type !== 'wait_for_event') {
    return { outcome: 'refused', stepId, reason: `step ${stepId}, where the lead waits, is a ${step.type} step in version ${version}, not a wait` };
  }
  return { outcome: 'move', enrolment: { ...enrolment, version } };
}
