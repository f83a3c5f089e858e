import { HttpService } from '@nestjs/axios';
import { Test } from '@nestjs/testing';
import http from 'node:http';
import { CommonModule } from '../common/common.module';
import { ConfigModule } from '../config/config.module';
import { MetricsModule } from '../metrics/metrics.module';
import { EsrClient } from './esr.client';
import { EsrEndpoint } from './esr.endpoint';
import { EsrModule } from './esr.module';
import { TEST_SECRETS_ENV } from '../../test/support/test-secrets';

describe(EsrModule.name, () => {
  it('should provide an EsrClient for the configured ESR', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [
        CommonModule,
        ConfigModule.forRoot({ ESR_BASE_URL: 'https://esr.example.nhs.uk/api/', ...TEST_SECRETS_ENV }),
        EsrModule.forRoot(),
        MetricsModule,
        EsrModule,
      ],
    }).compile();

    const client = moduleRef.get(EsrClient);
    expect(moduleRef.get(EsrEndpoint)).toMatchObject({ kind: 'configured', baseUrl: 'https://esr.example.nhs.uk/api' });
    expect(client.baseUrl).toBe('https://esr.example.nhs.uk/api');
    expect(client.breakerState()).toBe('closed');
    const defaults = moduleRef.get(HttpService, { strict: false }).axiosRef.defaults;
    expect((defaults.httpsAgent as http.Agent & { options: http.AgentOptions }).options.keepAlive).toBe(true);
    expect(defaults.maxRedirects).toBe(0);

    await moduleRef.close();
  });
});
