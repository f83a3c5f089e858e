import { Module } from '@nestjs/common';
import { ApiKeys } from '../../config/settings/api-keys.settings';
import { ApiKeyRing } from './api-key-ring';

/**
 * The API key ring (API_KEYS, parsed once by the config) for whoever authenticates a caller: the app's
 * ApiKeyGuard and the status page sign-in. Needs the global ConfigModule.
 */
@Module({
  providers: [{ provide: ApiKeyRing, inject: [ApiKeys], useFactory: (apiKeys: ApiKeys) => new ApiKeyRing(apiKeys.keys) }],
  exports: [ApiKeyRing],
})
export class AuthModule {}
