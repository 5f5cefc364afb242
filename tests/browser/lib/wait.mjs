// The one way the browser tests wait for anything: a condition polled until a deadline, never a
// fixed pause. It needs no settings, so the self-contained notifications scenario uses it too.

// Polls `check` (may be async) until it returns a truthy value; returns that value.
export async function eventually(what, check, { timeout = 30000, step = 250 } = {}) {
  const deadline = Date.now() + timeout;
  let last;
  for (;;) {
    try {
      last = await check();
      if (last) return last;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeout} ms waiting for ${what} (last: ${last instanceof Error ? last.message : JSON.stringify(last)})`);
    }
    await new Promise((resolve) => setTimeout(resolve, step));
  }
}
