import { DynamicModule, Global, Module } from '@nestjs/common';
import { ConfigModule as NestConfigModule } from '@nestjs/config';
import { AppConfig } from './app-config';
import { validateEnvironment } from './env.schema';

/**
 * Validates the environment once at boot and provides the typed AppConfig everywhere.
 * `forRoot(env)` takes the variables explicitly (tests, scripts); the default is process.env.
 */
@Global()
@Module({})
export class ConfigModule {
  static forRoot(env: Record<string, string | undefined> = process.env): DynamicModule {
    return {
      module: ConfigModule,
      imports: [
        NestConfigModule.forRoot({
          ignoreEnvFile: true,
          ignoreEnvVars: true,
          validate: () => ({ env: validateEnvironment(env) }),
        }),
      ],
      providers: [AppConfig],
      exports: [AppConfig],
    };
  }
}
