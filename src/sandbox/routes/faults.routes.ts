import type { FastifyInstance } from 'fastify';
import { parseRateLimitBody } from '../sandbox.admin';
import type { SandboxFaults } from '../sandbox.faults';
import type { SandboxRouteContext } from './route-context';

/** Fault injection under /sandbox: the fault set, revoking every token, and the ESR API's rate limit. */
export async function faultRoutes(app: FastifyInstance, { admin }: SandboxRouteContext): Promise<void> {
  app.get('/sandbox/faults', async () => admin.faults());
  // setFaults validates whatever it is given (the body is untrusted JSON).
  app.put('/sandbox/faults', async (request) => admin.setFaults(request.body as SandboxFaults));
  app.delete('/sandbox/faults', async (_request, reply) => {
    admin.clearFaults();
    return reply.status(204).send();
  });
  app.post('/sandbox/tokens/expire', async (_request, reply) => {
    admin.expireTokens();
    return reply.status(204).send();
  });
  app.put('/sandbox/rate-limit', async (request) => {
    admin.setRateLimit(parseRateLimitBody(request.body));
    return { perSecond: admin.rateLimit };
  });
}
