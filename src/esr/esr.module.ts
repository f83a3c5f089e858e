import { HttpModule } from '@nestjs/axios';
import { Module } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { EsrClient } from './esr.client';
import { esrHttpOptions } from './esr.http';

/**
 * The gateway's connection to ESR. Other modules import this and inject EsrClient. Which ESR it talks to
 * (EsrEndpoint) is decided at bootstrap and provided with the configuration, so this module never starts
 * anything itself. Uses AppConfig and EsrEndpoint (ConfigModule), MetricsService (MetricsModule) and Clock.
 */
@Module({
  imports: [HttpModule.registerAsync({ inject: [AppConfig], useFactory: (config: AppConfig) => esrHttpOptions(config) })],
  providers: [EsrClient],
  exports: [EsrClient],
})
export class EsrModule {}
