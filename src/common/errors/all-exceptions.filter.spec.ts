import { ReplyError } from 'ioredis';
import { asDependencyError } from './all-exceptions.filter';
import { DependencyUnavailableError } from './domain-error';

describe(asDependencyError.name, () => {
  it.each(["Stream isn't writeable and enableOfflineQueue options is false", 'Connection is closed.', 'Command timed out'])(
    'should treat the Redis client failure %j as the cache being unavailable',
    (message) => {
      const mapped = asDependencyError(new Error(message));
      expect(mapped).toBeInstanceOf(DependencyUnavailableError);
      expect(mapped?.message).toContain('Redis');
    },
  );

  it.each([
    'LOADING Redis is loading the dataset in memory',
    'BUSY Redis is busy running a script',
    'OOM command not allowed',
    "READONLY You can't write against a read only replica.",
  ])('should treat the Redis reply %j as the cache being unavailable', (message) => {
    expect(asDependencyError(new ReplyError(message))).toBeInstanceOf(DependencyUnavailableError);
  });

  it('should treat a refused or dropped database connection as the database being unavailable', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
    expect(asDependencyError(refused)?.message).toContain('database');
    expect(asDependencyError(new Error('Connection terminated unexpectedly'))?.message).toContain('database');
  });

  it('should leave other errors alone (they are INTERNAL)', () => {
    expect(asDependencyError(new Error('undefined is not a function'))).toBeUndefined();
    expect(asDependencyError(new ReplyError('ERR wrong number of arguments'))).toBeUndefined();
    expect(asDependencyError('a string')).toBeUndefined();
  });
});
