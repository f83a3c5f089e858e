import { Module } from '@nestjs/common';
import { RoleStoreModule } from '../role-store/role-store.module';
import { AccessResolver } from './access-resolver';

/** Provides AccessResolver (the global config and clock, and the role store). */
@Module({ imports: [RoleStoreModule], providers: [AccessResolver], exports: [AccessResolver] })
export class AccessResolverModule {}
