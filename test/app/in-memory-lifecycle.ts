import type { LeadsByEmail, SalesReasonSettings } from '../../src/app/sales-feedback';
import type { LifecycleWrites } from '../../src/app/stage-changes';
import { DEFAULT_SALES_REASONS, type SalesReasons } from '../../src/domain/handoff/reasons';
import type { LeadChange, LeadChangeWrite } from '../../src/domain/handoff/lifecycle';
import { Faults, type MemoryLeads } from './in-memory';

/**
 * Stage changes over in-memory leads, with the table's conditions: a change written against an older
 * version is `lead-changed`, a repeated origin `already-applied`. Also the reason lists and the email index.
 */
export class MemoryLifecycle implements LifecycleWrites, SalesReasonSettings, LeadsByEmail {
  readonly applied = new Set<string>();
  readonly changes: LeadChange[] = [];
  readonly emails = new Map<string, string>();
  reasons: SalesReasons | undefined;
  readonly faults = new Faults<'apply'>();

  constructor(readonly leads: MemoryLeads) {}

  async apply(change: LeadChange): Promise<LeadChangeWrite> {
    this.faults.check('apply');
    const { lead } = change;
    if (change.onceKey && this.applied.has(`${lead.id}#${change.onceKey}`)) return 'already-applied';
    const current = this.leads.leads.get(lead.id);
    if (!current || current.version !== lead.version) return 'lead-changed';
    if (change.onceKey) this.applied.add(`${lead.id}#${change.onceKey}`);
    this.changes.push(change);
    this.leads.put({
      ...current,
      ...change.contact,
      ...(change.transition ? { stage: change.transition.to, stageChangedAt: change.transition.at } : {}),
      ...(change.crmUpdatedAt ? { crmUpdatedAt: change.crmUpdatedAt } : {}),
      ...(change.stageChanged ? { pendingStageChange: change.stageChanged } : {}),
      version: current.version + 1,
      updatedAt: change.at,
    });
    return 'applied';
  }

  async wasApplied(leadId: string, onceKey: string): Promise<boolean> {
    return this.applied.has(`${leadId}#${onceKey}`);
  }

  async clearPendingStageChange(leadId: string): Promise<void> {
    const lead = this.leads.leads.get(leadId);
    if (lead?.pendingStageChange) {
      const { pendingStageChange: _published, ...rest } = lead;
      this.leads.put(rest);
    }
  }

  async salesReasons(): Promise<SalesReasons> {
    return this.reasons ?? DEFAULT_SALES_REASONS;
  }

  async saveSalesReasons(reasons: SalesReasons): Promise<void> {
    this.reasons = reasons;
  }

  async leadIdForEmail(email: string): Promise<string | undefined> {
    return this.emails.get(email);
  }
}
