import { EnvironmentVariables } from './env.schema';
import { Settings, settingsFrom } from './settings/settings';

/**
 * The parse result bootstrap hands to AppModule (app.factory, openapi, tests): every area's settings,
 * built once by settingsFrom. Nothing injects it: ConfigModule provides each settings class on its own
 * token (HttpSettings, EsrSettings, SyncSettings, ...) and services inject the ones they read. Built at
 * bootstrap as `AppConfig.from(validateEnvironment(process.env))`.
 */
export class AppConfig {
  readonly settings: Settings;

  /** From variables that validateEnvironment has checked (tests and scripts build one this way too). */
  constructor(env: EnvironmentVariables) {
    this.settings = settingsFrom(env);
  }

  /** For tests and scripts: `AppConfig.from(validateEnvironment(variables))`. */
  static from(env: EnvironmentVariables): AppConfig {
    return new AppConfig(env);
  }
}
