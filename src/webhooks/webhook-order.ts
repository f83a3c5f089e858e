/**
 * The order of a user's access-change events (issue 21, finding L1). Every event carries `sequence`,
 * 1, 2, 3... per portal user in the order the user's changes committed; receivers drop an event older
 * than one they applied. A dead letter re-sent after a newer event of its user was delivered would be
 * stale state arriving last, so it is marked `superseded` instead and never sent. Pure.
 */
export type RetryDecision = 'resend' | 'superseded';

/**
 * What `POST /v1/webhooks/deliveries/{id}/retry` does with a dead letter of `sequence`, given the
 * highest `sequence` of its user's delivered events (null when none was delivered).
 */
export function retryDecision(sequence: number, newestDelivered: number | null): RetryDecision {
  return newestDelivered !== null && newestDelivered > sequence ? 'superseded' : 'resend';
}
