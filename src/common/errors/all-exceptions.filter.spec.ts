import { runInNewContext } from 'node:vm';
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
    // pg's query_timeout fires when the server stops answering (a hung database), wrapped by TypeORM.
    const hung = Object.assign(new Error('Query read timeout'), { name: 'QueryFailedError', driverError: new Error('Query read timeout') });
    expect(asDependencyError(hung)?.message).toContain('database');
  });

  it('should recognise a refused connection whose error was made in another realm (not instanceof Error here)', () => {
    const foreign = runInNewContext('Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:5432"), { code: "ECONNREFUSED" })') as unknown;
    expect(foreign instanceof Error).toBe(false);
    expect(asDependencyError(foreign)).toBeInstanceOf(DependencyUnavailableError);
  });

  it('should leave other errors alone (they are INTERNAL)', () => {
    expect(asDependencyError(new Error('undefined is not a function'))).toBeUndefined();
    expect(asDependencyError(new ReplyError('ERR wrong number of arguments'))).toBeUndefined();
    expect(asDependencyError('a string')).toBeUndefined();
  });
});
