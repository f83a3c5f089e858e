import { Global, Module } from '@nestjs/common';
import { HttpMetrics } from './http.metrics';
import { MetricsController } from './metrics.controller';
import { MetricsService } from './metrics.service';

/** The app's Prometheus registry (MetricsService), GET /metrics, and the HTTP server's metrics. Global. */
@Global()
@Module({ controllers: [MetricsController], providers: [MetricsService, HttpMetrics], exports: [MetricsService, HttpMetrics] })
export class MetricsModule {}
