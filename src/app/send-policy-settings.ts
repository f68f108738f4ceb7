import type { Log } from './ports';
import type { SendPolicy } from '../domain/consent/send-policy';
import { Conflict } from '../domain/errors';

/** The stored send-time policy with the version a save checks (0: never saved, the open policy). */
export interface SendPolicyRecords {
  get(): Promise<{ readonly policy: SendPolicy; readonly version: number; readonly updatedAt?: string }>;
  save(policy: SendPolicy, previousVersion: number, at: string): Promise<{ readonly policy: SendPolicy; readonly version: number; readonly updatedAt?: string } | 'version-changed'>;
}

/** Reading and replacing the send-time policy (frequency cap, quiet hours) every marketing email goes through. */
export class SendPolicySettings {
  constructor(
    private readonly records: SendPolicyRecords,
    private readonly log: Log,
  ) {}

  async get() {
    const { policy, version, updatedAt } = await this.records.get();
    return { ...policy, version, ...(updatedAt ? { updatedAt } : {}) };
  }

  /** Replaces the policy; senders use it from their next batch. Two saves at once: one wins, the other is told to read again. */
  async replace(policy: SendPolicy) {
    const current = await this.records.get();
    const saved = await this.records.save(policy, current.version, new Date().toISOString());
    if (saved === 'version-changed') throw new Conflict('The send policy was changed by someone else meanwhile; read it again and repeat');
    this.log.info('Send policy replaced', { version: saved.version, frequencyCap: policy.frequencyCap ?? 'none', quietHours: policy.quietHours ?? 'none' });
    return { ...saved.policy, version: saved.version, ...(saved.updatedAt ? { updatedAt: saved.updatedAt } : {}) };
  }
}
