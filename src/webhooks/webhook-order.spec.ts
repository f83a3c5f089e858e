import { retryDecision } from './webhook-order';

describe(retryDecision.name, () => {
  it('should re-send a dead letter when nothing of its user was delivered', () => {
    expect(retryDecision(3, null)).toBe('resend');
  });

  it('should re-send a dead letter newer than every delivered event of its user', () => {
    expect(retryDecision(3, 2)).toBe('resend');
  });

  it('should supersede a dead letter when a newer event of its user was delivered since', () => {
    expect(retryDecision(3, 4)).toBe('superseded');
    expect(retryDecision(1, 12)).toBe('superseded');
  });

  it('should re-send a dead letter whose own sequence is the newest delivered (a lost acknowledgement)', () => {
    expect(retryDecision(4, 4)).toBe('resend');
  });
});
