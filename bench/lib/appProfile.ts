// LOCAL ONLY: CPU profiles of the page and its workers (not committed).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';

export async function profileApp(page: Page, dir: string): Promise<() => Promise<void>> {
  const cdp = await page.context().newCDPSession(page);
  const sessions = new Map<string, string>();
  const waiting = new Map<number, (v: unknown) => void>();
  let id = 1000;
  const send = (sessionId: string, method: string, params: object = {}): Promise<unknown> =>
    new Promise((resolve) => {
      const i = id++;
      waiting.set(i, resolve);
      void cdp.send('Target.sendMessageToTarget', { sessionId, message: JSON.stringify({ id: i, method, params }) });
    });
  cdp.on('Target.receivedMessageFromTarget', (e: { message: string }) => {
    const m = JSON.parse(e.message) as { id?: number; result?: unknown };
    if (m.id !== undefined) waiting.get(m.id)?.(m.result);
  });
  cdp.on('Target.attachedToTarget', (e: { sessionId: string; targetInfo: { type: string; url: string } }) => {
    if (e.targetInfo.type !== 'worker') return;
    sessions.set(e.sessionId, e.targetInfo.url);
    void send(e.sessionId, 'Profiler.enable').then(() => send(e.sessionId, 'Profiler.setSamplingInterval', { interval: 500 })).then(() => send(e.sessionId, 'Profiler.start'));
  });
  const events: unknown[] = [];
  cdp.on('Tracing.dataCollected', (e: { value: unknown[] }) => { events.push(...e.value); });
  const traced = new Promise<void>((r) => cdp.once('Tracing.tracingComplete', () => r()));
  if (process.env['NOTRACE'] === undefined) await cdp.send('Tracing.start', { transferMode: 'ReportEvents', traceConfig: { includedCategories: ['devtools.timeline', 'disabled-by-default-devtools.timeline', 'blink', 'loading', 'v8', 'toplevel'] } });
  await cdp.send('Profiler.enable');
  await cdp.send('Profiler.start');
  await cdp.send('Target.setAutoAttach', { autoAttach: true, waitForDebuggerOnStart: false, flatten: false });
  return async () => {
    const p = (await cdp.send('Profiler.stop')) as { profile: unknown };
    writeFileSync(join(dir, 'page.cpuprofile'), JSON.stringify(p.profile));
    if (process.env['NOTRACE'] === undefined) {
      await cdp.send('Tracing.end');
      await traced;
      writeFileSync(join(dir, 'trace.json'), JSON.stringify(events));
    }
    let n = 0;
    for (const [sid, url] of sessions) {
      const c = (await send(sid, 'Runtime.evaluate', { expression: 'JSON.stringify(globalThis.__idbCounts)', returnByValue: true })) as { result?: { value?: string } };
      writeFileSync(join(dir, `counts${n}.json`), c?.result?.value ?? 'none');
      const r = (await send(sid, 'Profiler.stop')) as { profile?: unknown } | undefined;
      if (r?.profile !== undefined) writeFileSync(join(dir, `worker${n++}-${url.split('/').pop()}.cpuprofile`), JSON.stringify(r.profile));
    }
  };
}
