export { createGatewayClient } from './client.ts';
export type { AccessAnswer, Acting, GatewayClient, GatewayClientOptions, GatewayOperations, OperationError } from './client.ts';
export { GatewayError, isGatewayError, parseRetryAfter } from './errors.ts';
export { withRetry } from './retry.ts';
export type { RetryOptions } from './retry.ts';
export { verifyWebhook, WebhookVerificationError } from './webhooks.ts';
export type { AccessChangedEvent, WebhookHeaders } from './webhooks.ts';
export type {
  CodeOfBody,
  components,
  ErrorBodyOf,
  ErrorCodeOf,
  paths,
  QueryOf,
  RequestBodyOf,
  Schemas,
  SuccessBodyOf,
  UserAccess,
  webhooks,
} from './types.ts';
