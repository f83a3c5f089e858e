import { WriteBehind } from './write-behind';

/** A write that finishes when the test says. */
function deferred(): { write: () => Promise<void>; resolve: () => void; reject: (error: unknown) => void; started: () => boolean } {
  let resolve!: () => void;
  let reject!: (error: unknown) => void;
  let started = false;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return {
    write: () => {
      started = true;
      return promise;
    },
    resolve,
    reject,
    started: () => started,
  };
}

const settled = async (p: Promise<unknown>): Promise<boolean> => {
  let done = false;
  void p.then(
    () => (done = true),
    () => (done = true),
  );
  for (let i = 0; i < 5; i++) await Promise.resolve();
  return done;
};

describe(WriteBehind.name, () => {
  it('should start a write at once and let the caller go on while it is in flight', async () => {
    const writes = new WriteBehind(1);
    const one = deferred();
    await writes.room();
    writes.start(one.write);
    expect(one.started()).toBe(true);
    one.resolve();
    await expect(writes.drain()).resolves.toBeUndefined();
  });

  it('should keep at most maxInFlight writes in flight: room() waits for one to finish', async () => {
    const writes = new WriteBehind(2);
    const [one, two] = [deferred(), deferred()];
    await writes.room();
    writes.start(one.write);
    await writes.room();
    writes.start(two.write);
    const room = writes.room();
    expect(await settled(room)).toBe(false);
    expect(() => writes.start(deferred().write)).toThrow(/already 2 writes in flight/);
    two.resolve();
    expect(await settled(room)).toBe(true);
    one.resolve();
    await writes.drain();
  });

  it('should throw the first failure of any write from the next room() and from drain()', async () => {
    const writes = new WriteBehind(2);
    const [one, two] = [deferred(), deferred()];
    writes.start(one.write);
    writes.start(two.write);
    two.reject(new Error('first'));
    one.reject(new Error('second'));
    await expect(writes.room()).rejects.toThrow('first');
    await expect(writes.drain()).rejects.toThrow('first');
  });

  it('should turn a failure that is not an Error into one', async () => {
    const writes = new WriteBehind(1);
    // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- a client that rejects with a string
    writes.start(() => Promise.reject('redis said no'));
    await expect(writes.drain()).rejects.toThrow('redis said no');
  });

  it('should wait for every write in drain() and settle(), settle() ignoring failures', async () => {
    const writes = new WriteBehind(3);
    const [one, two] = [deferred(), deferred()];
    writes.start(one.write);
    writes.start(two.write);
    const settling = writes.settle();
    one.reject(new Error('lost'));
    expect(await settled(settling)).toBe(false);
    two.resolve();
    await expect(settling).resolves.toBeUndefined();
    await expect(writes.drain()).rejects.toThrow('lost');
  });

  it('should refuse a limit below one', () => {
    expect(() => new WriteBehind(0)).toThrow(RangeError);
  });
});
