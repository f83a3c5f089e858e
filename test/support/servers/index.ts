/**
 * Private servers for topology tests: each on free 127.0.0.1 ports, in its own temp dir, stopped by
 * pid through an idempotent stop() (processes still alive when the test process exits are SIGKILLed,
 * and servers of a test process that died are swept away by the next one: sweepLeftovers).
 * They never touch the shared PostgreSQL (5432) or Redis (6379). scripts/ensure-services.sh installs
 * the binaries they need.
 */
export { makeTestCertificates } from './certificates';
export type { CertificateFiles, TestCertificates } from './certificates';
export { startCluster } from './cluster';
export type { StartClusterOptions, TestCluster } from './cluster';
export { postgresBinDir, startTlsPostgres } from './postgres';
export type { StartTlsPostgresOptions, TestTlsPostgres, TlsPostgresUrlOptions } from './postgres';
export { freePort, sweepLeftovers, waitUntil } from './processes';
export { redisCommand, startRedis } from './redis';
export type { RedisTlsOptions, StartRedisOptions, TestRedis } from './redis';
export { startSentinel } from './sentinel';
export type { HostPort, StartSentinelOptions, TestSentinel } from './sentinel';
