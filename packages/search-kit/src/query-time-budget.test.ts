import { describe, expect, it } from 'vitest';
import { QueryBudget, QueryBudgetError } from './query-budget.js';

describe('QueryBudget with a time budget (simulated seconds)', () => {
  it('is spent once the queries\' seconds reach it; the query that crosses it counts, the next is refused', async () => {
    const cost = [30, 30, 30, 30, 30];
    const b = new QueryBudget<number>(100, (a) => ({ accuracy: a, seconds: cost[a]! }), String, { timeBudget: 100 });
    let i = 0;
    while (!b.exhausted) await b.query(i++);
    expect(b.used).toBe(4);
    expect(b.seconds).toBe(120);
    expect(b.trajectory.map((r) => r.seconds)).toEqual([30, 60, 90, 120]);
    await expect(b.query(9)).rejects.toThrow(QueryBudgetError);
    await expect(b.query(9)).rejects.toThrow(/time budget of 100 simulated seconds is spent/);
    expect(b.history('budget')).toMatchObject({ timeBudget: 100, seconds: 120, queries: 4 });
  });

  it('the query count still caps it, and a query without seconds is an error under a time budget', async () => {
    const b = new QueryBudget<number>(2, (a) => ({ accuracy: a, seconds: 1 }), String, { timeBudget: 1000 });
    await b.query(0);
    await b.query(1);
    expect(b.exhausted).toBe(true);
    const c = new QueryBudget<number>(5, (a) => a, String, { timeBudget: 10 });
    await expect(c.query(0)).rejects.toThrow(/no training time for 0, which a time budget needs/);
    expect(() => new QueryBudget<number>(5, (a) => a, String, { timeBudget: 0 })).toThrow(/positive number of seconds/);
    // Without a time budget nothing changes: no seconds in the records.
    const d = new QueryBudget<number>(1, (a) => a, String);
    await d.query(3);
    expect(d.trajectory[0]).toEqual({ query: 1, arch: '3', accuracy: 3, best: 3 });
  });
});
