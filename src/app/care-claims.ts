/** Another invocation holds the claim on a customer's alert or survey email: the record is retried later. */
export class CareClaimInProgress extends Error {
  override readonly name = 'CareClaimInProgress';
}
