import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { validateEnvironment } from '../config/env.schema';
import { buildDataSourceOptions } from './data-source-options';

/** The DataSource the TypeORM CLI uses (npm run migration:generate / run / revert). */
export default new DataSource(buildDataSourceOptions(AppConfig.from(validateEnvironment(process.env))));
