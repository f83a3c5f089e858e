import { Controller, Get, HttpCode, Post, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Public } from '../common/auth/auth.decorators';
import { PageRequest, PageResult, StatusPageService } from './status-page.service';
import { STATUS_PAGE_CSP } from './status-page-view';

const asPageRequest = (req: FastifyRequest): PageRequest => ({
  address: req.ip,
  cookie: req.headers.cookie,
  origin: req.headers.origin,
  host: req.headers.host,
});

/** HTML for people, not the JSON API: outside /v1 and the OpenAPI document. Auth is the page's own sign-in. */
@ApiExcludeController()
@Public()
@Controller('status')
export class StatusPageController {
  constructor(private readonly service: StatusPageService) {}

  @Get()
  async page(@Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    await send(reply, await this.service.page(asPageRequest(req)));
  }

  @Post('sign-in')
  @HttpCode(303)
  async signIn(@Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    await send(reply, await this.service.signIn(asPageRequest(req), req.body));
  }

  @Post('sign-out')
  @HttpCode(303)
  async signOut(@Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    await send(reply, await this.service.signOut(asPageRequest(req)));
  }
}

async function send(reply: FastifyReply, result: PageResult): Promise<void> {
  void reply
    .status(result.status)
    .header('Cache-Control', 'no-store')
    .header('X-Content-Type-Options', 'nosniff')
    .header('X-Frame-Options', 'DENY')
    .header('Referrer-Policy', 'same-origin')
    .header('Content-Security-Policy', STATUS_PAGE_CSP);
  if (result.setCookie) void reply.header('Set-Cookie', result.setCookie);
  if (result.location) void reply.header('Location', result.location);
  if (result.retryAfterSeconds) void reply.header('Retry-After', String(result.retryAfterSeconds));
  await reply.type('text/html; charset=utf-8').send(result.html ?? '');
}
