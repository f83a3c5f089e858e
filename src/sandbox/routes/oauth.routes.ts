import type { FastifyInstance } from 'fastify';
import type { SandboxRouteContext } from './route-context';

/**
 * POST /oauth2/token: client-credentials tokens (client_secret_post, client_secret_basic or
 * private_key_jwt). Latency and hanging apply; the contract gives it no 429/5xx.
 */
export async function oauthRoutes(app: FastifyInstance, ctx: SandboxRouteContext): Promise<void> {
  app.post('/oauth2/token', async (request, reply) => {
    if (!(await ctx.delayOrHang(request, reply))) return reply;
    const issued = await ctx.tokens.issue({
      form: request.body,
      authorization: request.headers.authorization,
      requestUrl: `${request.protocol}://${request.host}${request.url.split('?')[0]}`,
    });
    return reply.header('cache-control', 'no-store').header('pragma', 'no-cache').send(issued);
  });
}
