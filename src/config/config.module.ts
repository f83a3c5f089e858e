import { DynamicModule, Global, Module } from '@nestjs/common';
import { EsrEndpoint } from '../esr/esr.endpoint';
import { AppConfig } from './app-config';
import { validateEnvironment } from './env.schema';

/**
 * Provides what bootstrap decided: the typed AppConfig (validated and parsed once) and the ESR endpoint
 * (the configured ESR_BASE_URL, or in local mode the built-in sandbox that bootstrap started; see
 * src/esr-endpoint.bootstrap.ts). `forRoot` also takes raw variables (tests, scripts). Global: every
 * module reads configuration.
 */
@Global()
@Module({})
export class ConfigModule {
  static forRoot(settings: AppConfig | Record<string, string | undefined> = process.env, esr?: EsrEndpoint): DynamicModule {
    const config = settings instanceof AppConfig ? settings : AppConfig.from(validateEnvironment(settings));
    return {
      module: ConfigModule,
      providers: [
        { provide: AppConfig, useValue: config },
        {
          provide: EsrEndpoint,
          useFactory: (): EsrEndpoint => {
            if (esr) return esr;
            if (config.esrBaseUrl) return EsrEndpoint.configured(config.esrBaseUrl);
            throw new Error('No ESR endpoint: ESR_BASE_URL is unset and bootstrap started no ESR sandbox');
          },
        },
      ],
      exports: [AppConfig, EsrEndpoint],
    };
  }
}
