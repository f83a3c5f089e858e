import { DynamicModule, Global, Module } from '@nestjs/common';
import { AppConfig } from './app-config';
import { validateEnvironment } from './env.schema';
import { settingsProviders } from './settings/settings';

/**
 * Provides the configuration bootstrap parsed once: each area's settings on its own class token
 * (HttpSettings, EsrSettings, SyncSettings, ... see src/config/settings/settings.ts); AppConfig itself is
 * not provided. `forRoot` also takes raw variables (tests, scripts).
 * Global: every module reads configuration.
 */
@Global()
@Module({})
export class ConfigModule {
  static forRoot(source: AppConfig | Record<string, string | undefined> = process.env): DynamicModule {
    const config = source instanceof AppConfig ? source : AppConfig.from(validateEnvironment(source));
    const providers = settingsProviders(config.settings);
    return { module: ConfigModule, providers, exports: providers.map((p) => p.provide) };
  }
}
