import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { validateEnvironment } from '../config/env.schema';
import { DatabaseSettings } from '../config/settings/database.settings';
import { buildDataSourceOptions } from './data-source-options';

/** The DataSource the TypeORM CLI uses (npm run migration:generate / run / revert). */
export default new DataSource(buildDataSourceOptions(new DatabaseSettings(validateEnvironment(process.env))));
