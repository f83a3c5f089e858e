/**
 * The portal's receiver of access-change events: a node:http server that verifies each delivery with
 * `verifyWebhook` (Standard Webhooks), drops duplicates (same `id`) and events older than the last one
 * applied for the user, and answers 2xx once the event is handled (anything else makes the gateway retry).
 */
import { createServer, type Server } from 'node:http';
import { type AccessChangedEvent, verifyWebhook, WebhookVerificationError } from '../src/index.ts';

// #region event-order
/** Where a user's events stand: the last applied position and the ids already seen (keep these in your database). */
const lastApplied = new Map<string, number>();
const seenIds = new Set<string>();

/** An event's position among its user's events: `sequence`, which grows per portal user. */
function positionOf(event: AccessChangedEvent): number {
  const sequence = (event as { sequence?: unknown }).sequence;
  return typeof sequence === 'number' ? sequence : Date.parse(event.occurredAt);
}

/** True when the event is new and not older than what was applied for its user. */
function shouldApply(event: AccessChangedEvent): boolean {
  if (seenIds.has(event.id)) return false; // at-least-once delivery: a repeat of one already handled
  seenIds.add(event.id);
  const position = positionOf(event);
  if (position < (lastApplied.get(event.portalUserId) ?? -Infinity)) return false; // older than what we hold
  lastApplied.set(event.portalUserId, position);
  return true;
}
// #endregion event-order

// #region receive-events
/** Starts the receiver; `onEvent` runs once per new, verified event. */
export function startEventReceiver(port: number, secret: string, onEvent: (event: AccessChangedEvent) => void): Promise<Server> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      try {
        // The raw body as received: re-serialised JSON would not match the signature.
        const event = verifyWebhook(Buffer.concat(chunks), req.headers, secret);
        if (shouldApply(event)) onEvent(event);
        res.writeHead(204).end();
      } catch (error) {
        // Not from the gateway (or too old): never act on it. Anything else: 500, the gateway sends it again.
        res.writeHead(error instanceof WebhookVerificationError ? 400 : 500).end();
      }
    });
  });
  return new Promise((resolve) => server.listen(port, '127.0.0.1', () => resolve(server)));
}
// #endregion receive-events
