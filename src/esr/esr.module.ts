import { HttpModule } from '@nestjs/axios';
import { DynamicModule, Global, Module } from '@nestjs/common';
import { EsrSettings } from '../config/settings/esr.settings';
import { OutboundHttpSettings } from '../config/settings/outbound-http.settings';
import { RoleStoreModule } from '../role-store/role-store.module';
import { EsrClient } from './esr.client';
import { EsrEndpoint } from './esr.endpoint';
import { EsrMetrics } from './esr.metrics';
import { esrHttpOptions } from './esr.http';

/**
 * Which ESR the gateway talks to, as bootstrap decided it (src/esr-endpoint.bootstrap.ts): made once by
 * `EsrModule.forRoot(endpoint)` in the root module. Global like the configuration it stands beside, so
 * every import of EsrModule gets the one endpoint and the one EsrClient (one rate budget, one breaker).
 */
@Global()
@Module({})
export class EsrEndpointModule {}

/**
 * The gateway's connection to ESR. Other modules import this and inject EsrClient. The root module (and
 * a test building one) imports `EsrModule.forRoot(endpoint)` once, so this module never starts anything
 * itself. Uses EsrSettings and OutboundHttpSettings (ConfigModule), MetricsService (MetricsModule), Clock
 * and ESR's rate budget (EsrBudgetStore, RoleStoreModule: shared by every replica with Redis).
 */
@Module({
  imports: [
    HttpModule.registerAsync({
      inject: [EsrSettings, OutboundHttpSettings],
      useFactory: (settings: EsrSettings, outbound: OutboundHttpSettings) => esrHttpOptions(settings, outbound),
    }),
    RoleStoreModule,
  ],
  providers: [EsrClient, EsrMetrics],
  exports: [EsrClient],
})
export class EsrModule {
  /**
   * Provides the ESR endpoint bootstrap opened. Without one, the configured ESR_BASE_URL (tests that set
   * it; an app compiled only to describe itself, e.g. the OpenAPI preview, needs neither).
   */
  static forRoot(endpoint?: EsrEndpoint): DynamicModule {
    // A factory (not a value) either way, so Nest calls the endpoint's onApplicationShutdown (closing a sandbox).
    const provider = {
      provide: EsrEndpoint,
      inject: [EsrSettings],
      useFactory: (settings: EsrSettings) => endpoint ?? configuredEndpoint(settings),
    };
    return { module: EsrEndpointModule, providers: [provider], exports: [EsrEndpoint] };
  }
}

function configuredEndpoint(settings: EsrSettings): EsrEndpoint {
  if (settings.baseUrl) return EsrEndpoint.configured(settings.baseUrl);
  throw new Error('No ESR endpoint: ESR_BASE_URL is unset and bootstrap started no ESR sandbox');
}
