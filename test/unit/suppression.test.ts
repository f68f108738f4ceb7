import { describe, expect, it } from 'vitest';
import { addressHash, deliverabilityFindings, SesDeliveryEvent } from '../../src/domain/consent/suppression';

const mail = { messageId: 'm-1' };

describe('deliverabilityFindings', () => {
  it('suppresses on a permanent bounce, counts a transient one, for each recipient, normalised', () => {
    expect(deliverabilityFindings({ eventType: 'Bounce', mail, bounce: { bounceType: 'Permanent', bounceSubType: 'General', bouncedRecipients: [{ emailAddress: ' Ada@Example.COM ' }] } })).toEqual([
      { email: 'ada@example.com', kind: 'hard_bounce', detail: 'Permanent/General' },
    ]);
    expect(deliverabilityFindings({ eventType: 'Bounce', mail, bounce: { bounceType: 'Transient', bounceSubType: 'MailboxFull', bouncedRecipients: [{ emailAddress: 'a@x.io' }, { emailAddress: 'b@x.io' }] } }).map((finding) => finding.kind)).toEqual(['soft_bounce', 'soft_bounce']);
    expect(deliverabilityFindings({ eventType: 'Bounce', mail, bounce: { bounceType: 'Undetermined', bouncedRecipients: [{ emailAddress: 'a@x.io' }] } })[0]?.kind).toBe('soft_bounce');
  });

  it('suppresses on a complaint', () => {
    expect(deliverabilityFindings({ eventType: 'Complaint', mail, complaint: { complainedRecipients: [{ emailAddress: 'c@x.io' }], complaintFeedbackType: 'abuse' } })).toEqual([{ email: 'c@x.io', kind: 'complaint', detail: 'abuse' }]);
  });

  it('reads the SES event shape and ignores other event types', () => {
    const delivery = SesDeliveryEvent.parse({ eventType: 'Delivery', mail: { messageId: 'm', destination: ['a@x.io'] }, delivery: {} });
    expect(deliverabilityFindings(delivery)).toEqual([]);
  });
});

describe('addressHash', () => {
  it('is stable for an address and depends on the secret salt', () => {
    expect(addressHash('salt-1', 'a@x.io')).toBe(addressHash('salt-1', 'a@x.io'));
    expect(addressHash('salt-1', 'a@x.io')).not.toBe(addressHash('salt-2', 'a@x.io'));
    expect(addressHash('salt-1', 'a@x.io')).not.toContain('a@x.io');
  });
});
