/**
 * A loopback checksum database holding given go.sum lines, for benchmarks in
 * which go and modcarry check their downloads against the same database.
 */
import { utf8Encode } from '../../src/core/internal/webstd.ts';
import { TestLog } from '../../test/support/sumdbServer.ts';

/**
 * A log with one record per module version, holding exactly the lines given
 * for it (zip and/or /go.mod), in go.sum order. fillerEvery made-up records
 * are appended before each module, so lookups spread over many tiles as in a
 * real database.
 */
export async function logOf(lines: readonly (readonly [string, string, string])[], fillerEvery = 0): Promise<TestLog> {
  const log = await TestLog.create('sum.bench.test');
  const byModule = new Map<string, string[]>();
  for (const [path, version, hash] of lines) {
    const v = version.endsWith('/go.mod') ? version.slice(0, -'/go.mod'.length) : version;
    const key = `${path}@${v}`;
    const text = `${path} ${version} ${hash}\n`;
    const list = byModule.get(key);
    if (list === undefined) byModule.set(key, [text]);
    else if (!list.includes(text)) list.push(text);
  }
  for (const [key, texts] of byModule) {
    if (fillerEvery > 0) await log.addFiller(fillerEvery);
    // go.sum order puts the zip line before the /go.mod line, as the database does.
    await log.addRecord(utf8Encode(texts.sort((a, b) => (a.includes('/go.mod ') ? 1 : 0) - (b.includes('/go.mod ') ? 1 : 0)).join('')), key);
  }
  return log;
}
