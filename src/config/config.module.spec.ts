import { Test } from '@nestjs/testing';
import { AppConfig } from './app-config';
import { ConfigModule } from './config.module';
import { validateEnvironment } from './env.schema';
import { settingsFrom } from './settings/settings';

describe(ConfigModule.name, () => {
  it('should provide each area settings on its own class token, the ones parsed at bootstrap, not the parse result itself', async () => {
    const config = AppConfig.from(validateEnvironment({ PORT: '8081', ESR_ROLE_NAME: 'Passport Admin' }));
    const moduleRef = await Test.createTestingModule({ imports: [ConfigModule.forRoot(config)] }).compile();

    for (const settings of Object.values(config.settings) as object[]) expect(moduleRef.get(settings.constructor)).toBe(settings);
    expect(() => moduleRef.get(AppConfig)).toThrow();
    await moduleRef.close();
  });

  it('should parse raw variables once when given them instead', async () => {
    const moduleRef = await Test.createTestingModule({ imports: [ConfigModule.forRoot({ PORT: '8082' })] }).compile();
    const expected = settingsFrom(validateEnvironment({ PORT: '8082' }));

    for (const settings of Object.values(expected) as object[]) expect(moduleRef.get(settings.constructor)).toEqual(settings);
    await moduleRef.close();
  });
});
