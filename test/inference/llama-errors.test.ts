// The bounded llama.cpp error log: a mark taken before a load keeps pointing at
// the lines logged after it, even when old lines are dropped in between.
import {describe, expect, it} from 'vitest';
import {ErrorLog} from '../../src/inference/llama.js';

describe('ErrorLog', () => {
  it('returns exactly the lines logged since a mark, across a trim of old lines', () => {
    const log = new ErrorLog(200);
    for (let i = 0; i < 150; i++) log.push(`old ${i}`);
    const mark = log.mark();
    for (let i = 0; i < 60; i++) log.push(`new ${i}`);
    const since = log.since(mark);
    expect(since).toHaveLength(60);
    expect(since[0]).toBe('new 0');
    expect(since.at(-1)).toBe('new 59');
  });

  it('keeps at most its bound, and a mark older than what is kept returns what is left', () => {
    const log = new ErrorLog(10);
    const mark = log.mark();
    for (let i = 0; i < 25; i++) log.push(`line ${i}`);
    const since = log.since(mark);
    expect(since.length).toBeLessThanOrEqual(10);
    expect(since.at(-1)).toBe('line 24');
    expect(log.since(log.mark())).toEqual([]);
  });
});
