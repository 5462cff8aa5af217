/**
 * The change log of a job: every state transition, retry, restart and
 * repair, appended to the store (so it survives restarts) and readable per
 * module. Entries are facts, written before the engine acts on them being
 * done, never edited.
 */
import type { Clock, EngineStore, LogEntry } from './ports.ts';

/** Events the engine writes. The UI may show others it does not know as they are. */
export type LogEvent =
  | 'job-created'
  | 'job-start'
  | 'job-paused'
  | 'job-resumed'
  | 'job-cancelled'
  | 'job-done'
  | 'job-busy'
  | 'state'
  | 'retry'
  | 'offline'
  | 'online'
  | 'restart'
  | 'chunk-refetch'
  | 'file-stored'
  | 'quota'
  | 'persist';

export interface LogFields {
  readonly bytes?: number;
  readonly error?: string;
  readonly detail?: string;
}

export class ChangeLog {
  constructor(
    private readonly store: EngineStore,
    private readonly clock: Clock,
    readonly jobId: string,
    private readonly onEntry?: (entry: LogEntry) => void,
  ) {}

  /** Appends one entry; module is "path@version" or "" for the job. */
  async record(module: string, event: LogEvent, fields: LogFields = {}): Promise<void> {
    await this.recordVia(module, event, [fields], async ([entry]) => this.store.appendLog(entry!));
  }

  /** As record, but the entries (in order) are appended by write (a store call that commits them with other data). */
  async recordVia(module: string, event: LogEvent, fields: readonly LogFields[], write: (entries: readonly LogEntry[]) => Promise<void>): Promise<void> {
    const time = this.clock.now();
    const entries: LogEntry[] = fields.map((f) => ({ jobId: this.jobId, time, module, event, ...f }));
    await write(entries);
    for (const entry of entries) this.onEntry?.(entry);
  }

  read(opts?: { module?: string; afterSeq?: number; limit?: number }): Promise<LogEntry[]> {
    return this.store.readLog(this.jobId, opts);
  }
}
