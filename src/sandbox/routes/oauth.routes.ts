import type { FastifyInstance } from 'fastify';
import type { SandboxRouteContext } from './route-context';

/** POST /oauth2/token: client-credentials tokens. Latency and hanging apply; the contract gives it no 429/5xx. */
export async function oauthRoutes(app: FastifyInstance, ctx: SandboxRouteContext): Promise<void> {
  app.post('/oauth2/token', async (request, reply) => {
    if (!(await ctx.delayOrHang(request, reply))) return reply;
    const issued = ctx.tokens.issue(request.body);
    return reply.header('cache-control', 'no-store').header('pragma', 'no-cache').send(issued);
  });
}
