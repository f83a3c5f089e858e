/** The states a VPD's role sync can be in, as the ops API reports them. The one definition. */
export const SYNC_STATES = ['IDLE', 'RUNNING', 'FAILED', 'HELD'] as const;
export type SyncStateName = (typeof SYNC_STATES)[number];
