import { describe, expect, it } from 'vitest';
import { killsThisProcess, ProcessGuard } from './process-guard.js';

describe('killsThisProcess', () => {
  it('is true for a signal that ends or stops this process, aimed at it, its group or everything', () => {
    for (const pid of [process.pid, 0, -1, -process.pid]) {
      for (const signal of [undefined, 'SIGKILL', 'SIGTERM', 'SIGINT', 'SIGABRT', 'SIGSTOP', 9, 15]) expect(killsThisProcess(pid, signal), `${pid} ${signal}`).toBe(true);
    }
  });

  it('is false for another process, the existence check, signals that neither end nor stop, and unknown signals', () => {
    expect(killsThisProcess(process.pid + 1, 'SIGKILL')).toBe(false);
    expect(killsThisProcess(-(process.pid + 1), 'SIGKILL')).toBe(false);
    for (const signal of [0, 'SIGCHLD', 'SIGWINCH', 'SIGCONT', 'SIGUSR1', 'SIGNOPE', 4242]) expect(killsThisProcess(process.pid, signal), String(signal)).toBe(false);
  });
});

describe('ProcessGuard', () => {
  it('fails the run that calls process.abort or kills its own process, even when the call is caught; other kills pass through', async () => {
    const guard = new ProcessGuard().install();
    try {
      const swallowed = await guard.run('a', async () => {
        try {
          process.abort();
        } catch {
          // A plugin that catches the throw still fails its job.
        }
        return 'finished';
      });
      expect(swallowed).toMatchObject({ ok: false, error: expect.stringMatching(/^plugin code called process\.abort\(\) during the job/) });
      const killed = await guard.run('b', async () => process.kill(process.pid, 'SIGTERM'));
      expect(killed).toMatchObject({ ok: false, error: expect.stringMatching(/^plugin code called process\.kill\(\d+, SIGTERM\) on its own process/) });
      // The existence check reaches the real process.kill.
      expect(await guard.run('c', async () => process.kill(process.pid, 0))).toEqual({ ok: true, value: true });
    } finally {
      guard.dispose();
    }
    expect(process.abort.name).toBe('abort');
  });
});
