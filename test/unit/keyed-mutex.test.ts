import {describe, expect, it} from 'vitest';
import {KeyedMutex} from '../../src/consumer/keyed-mutex.js';
import {RequestPacer} from '../../src/gateway/pacer.js';

const tick = (ms = 5) => new Promise((r) => setTimeout(r, ms));

describe('KeyedMutex', () => {
  it('runs tasks of one key one at a time in arrival order, other keys alongside', async () => {
    const mutex = new KeyedMutex();
    const log: string[] = [];
    const task = (name: string) => async () => {
      log.push(`${name}+`);
      await tick();
      log.push(`${name}-`);
    };
    await Promise.all([mutex.run('a', task('a1')), mutex.run('a', task('a2')), mutex.run('b', task('b1')), mutex.run('a', task('a3'))]);
    expect(log.filter((l) => l.startsWith('a'))).toEqual(['a1+', 'a1-', 'a2+', 'a2-', 'a3+', 'a3-']);
    expect(log.indexOf('b1+')).toBeLessThan(log.indexOf('a1-'));
    expect(mutex.size('a')).toBe(0);
  });

  it('a waiter aborted in the queue never runs and does not let the next one jump ahead', async () => {
    const mutex = new KeyedMutex();
    const log: string[] = [];
    const abort = new AbortController();
    const first = mutex.run('k', async () => {
      await tick(20);
      log.push('first');
    });
    const skipped = mutex.run('k', async () => log.push('skipped'), abort.signal);
    const third = mutex.run('k', async () => log.push('third'));
    abort.abort();
    await expect(skipped).rejects.toMatchObject({code: 'ABORTED'});
    await Promise.all([first, third]);
    expect(log).toEqual(['first', 'third']);
  });

  it('refuses beyond maxWaiting with BUSY; a failing task releases the key', async () => {
    const mutex = new KeyedMutex(1);
    const a = mutex.run('k', () => tick(10).then(() => Promise.reject(new Error('boom'))));
    const b = mutex.run('k', async () => 'b');
    await expect(mutex.run('k', async () => 'c')).rejects.toMatchObject({code: 'BUSY'});
    await expect(a).rejects.toThrow('boom');
    expect(await b).toBe('b');
  });
});

describe('RequestPacer', () => {
  it('lets a burst through at once, then paces to the rate', async () => {
    let now = 0;
    const pacer = new RequestPacer({burst: 6, perSecond: 1000, now: () => now});
    await pacer.take('p', 3);
    await pacer.take('p', 3);
    const started = Date.now();
    const waiting = pacer.take('p', 3);
    now += 3; // 3 ms at 1000/s refills the 3 tokens
    await waiting;
    expect(Date.now() - started).toBeLessThan(1000);
  });
});
