/**
 * Who holds a job: each runner process claims a job in the store before it runs it, under an
 * owner id and a lease it renews while the job runs. A runner that dies stops renewing; its claim
 * expires and the job can be claimed again (its cut attempt recorded as interrupted). On the
 * owner's own host, a dead process is seen at once (its pid is gone), without waiting the lease out.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';

/** How long a claim holds without renewal; the holder renews it every quarter of it. */
export const DEFAULT_LEASE_MS = 60_000;

/**
 * After this many attempts cut short by the death of their process without a newer checkpoint
 * (`interruptedSinceProgress`), a job is given up as failed: a job that kills its own process,
 * out of memory say, is caught; one that random kills cut while it advances is not.
 */
export const DEFAULT_MAX_INTERRUPTED = 10;

let ownId: string | undefined;

/** This process's owner id: `host:pid:random` (the random part tells a reused pid apart). */
export function runnerId(): string {
  ownId ??= `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
  return ownId;
}

/**
 * Whether the runner that holds a claim is certainly gone: it ran on this host and its process
 * no longer exists. Another host's runner is never judged here; its lease expiry decides.
 */
export function runnerGone(owner: string): boolean {
  const [host, pidText] = owner.split(':');
  if (host !== hostname() || !pidText || !/^\d+$/.test(pidText)) return false;
  const pid = Number(pidText);
  if (pid === process.pid) return owner !== runnerId();
  try {
    process.kill(pid, 0);
    return false;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ESRCH';
  }
}
