import { heldRunOutcome, renewalIntervalMs, renewalLate } from './job-timing';

describe('job timing', () => {
  describe(renewalIntervalMs.name, () => {
    it('should renew three times per TTL', () => {
      expect(renewalIntervalMs(30_000)).toBe(10_000);
      expect(renewalIntervalMs(100)).toBe(33);
    });

    it('should not renew more often than every 20 ms', () => {
      expect(renewalIntervalMs(30)).toBe(20);
    });
  });

  describe(renewalLate.name, () => {
    it('should take the lease as lost once a TTL passed since the last renewal', () => {
      expect(renewalLate(1_000, 30_999, 30_000)).toBe(false);
      expect(renewalLate(1_000, 31_000, 30_000)).toBe(true);
    });
  });

  describe(heldRunOutcome.name, () => {
    it('should report how the work ended when nothing interrupted it', () => {
      expect(heldRunOutcome(false, null)).toBe('succeeded');
      expect(heldRunOutcome(true, null)).toBe('failed');
    });

    it('should report a lost lease or shutdown whatever the work did', () => {
      expect(heldRunOutcome(false, 'lease_lost')).toBe('lease_lost');
      expect(heldRunOutcome(true, 'lease_lost')).toBe('lease_lost');
      expect(heldRunOutcome(true, 'shutdown')).toBe('interrupted');
    });
  });
});
