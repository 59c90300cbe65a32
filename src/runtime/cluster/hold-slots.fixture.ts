// A process that takes every slot of tool `api` and holds them until it is killed (shared-limiters.test.ts kills it
// with kill -9 to prove that a dead process's slots come back when their leases run out).
import { Observable } from 'rxjs';
import { createSharedToolState } from './create-shared-tool-state.js';

const slots = Number(process.env.SLOTS);
const state = createSharedToolState(process.env.REDIS_URL!, { prefix: process.env.PREFIX, leaseMs: Number(process.env.LEASE_MS) });
await state.ready();
let held = 0;
for (let i = 0; i < slots; i++) {
  state.limiters.limit('api', slots, new Observable<never>(() => {
    held += 1;
    if (held === slots) process.stdout.write('holding\n');
  })).subscribe();
}
// the leases' renewal timers do not keep a process alive on their own
setInterval(() => undefined, 60_000);
