import { Module } from '@nestjs/common';
import { AppConfig } from '../../config/app-config';
import { ApiKeyRing } from './api-key-ring';

/**
 * The API key ring (API_KEYS, parsed once by the config) for whoever authenticates a caller: the app's
 * ApiKeyGuard and the status page sign-in. Needs the global ConfigModule.
 */
@Module({
  providers: [{ provide: ApiKeyRing, inject: [AppConfig], useFactory: (config: AppConfig) => new ApiKeyRing(config.apiKeys) }],
  exports: [ApiKeyRing],
})
export class AuthModule {}
