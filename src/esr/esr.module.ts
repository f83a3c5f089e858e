import { HttpModule } from '@nestjs/axios';
import { Module } from '@nestjs/common';
import { Clock } from '../common/clock/clock';
import { AppConfig } from '../config/app-config';
import { EsrClient } from './esr.client';
import { EsrEndpoint } from './esr.endpoint';
import { createEsrEndpoint } from './esr.endpoint.factory';
import { esrHttpOptions } from './esr.http';

/**
 * The gateway's connection to ESR. Other modules import this and inject EsrClient; EsrEndpoint tells
 * health checks and tests which ESR is in use. With no ESR_BASE_URL, the built-in ESR sandbox is
 * started in-process on an ephemeral port while the module initialises, and stopped on shutdown.
 * Needs AppConfig (ConfigModule) and MetricsService (MetricsModule); uses Clock when one is provided.
 */
@Module({
  imports: [HttpModule.registerAsync({ inject: [AppConfig], useFactory: (config: AppConfig) => esrHttpOptions(config) })],
  providers: [
    {
      provide: EsrEndpoint,
      inject: [AppConfig, { token: Clock, optional: true }],
      useFactory: (config: AppConfig, clock?: Clock) => createEsrEndpoint(config, clock),
    },
    EsrClient,
  ],
  exports: [EsrClient, EsrEndpoint],
})
export class EsrModule {}
