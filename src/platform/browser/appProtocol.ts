/**
 * The call shapes between the page (src/app/appCalls.ts) and the app worker
 * (src/worker/appCalls.ts): planning, the go.sum inspector, bundle export and
 * verification, stored jobs, storage use and cleanup. One declaration both
 * sides compile against, so a changed shape breaks the build of either side,
 * never the messages at run time.
 */
import type { Plan } from '../../core/plan/types.ts';
import type { ToolchainPlatform } from '../../core/plan/createPlan.ts';
import type { JobEnv } from '../../engine/job.ts';
import type { SumcheckReport } from '../../engine/sumcheck.ts';
import type { VerifyReport } from '../../engine/bundle/verifyBundle.ts';

/** What a person typed or dropped, kept with the job so the inspector works later (and offline). */
export interface JobTexts {
  goMod?: string;
  goSum?: string;
  queries: string[];
}

export interface PlanRequest {
  goMod?: string;
  goSum?: string;
  queries: string[];
  toolchains: ToolchainPlatform[];
  env: JobEnv;
}

export interface InspectRequest {
  /** A stored job: its go.sum, settings and plan are used unless given. */
  jobId?: string;
  goSum?: string;
  env?: JobEnv;
  plan?: Plan;
  /** Check from stored proofs only. */
  offline: boolean;
}

export interface ExportRequest {
  jobId: string;
  compression: 'none' | number;
  allowFailures: boolean;
  /** Manifest texts (modcarry-manifest.json) of what the offline side holds: a delta bundle when given. */
  offlineManifests: string[];
  /**
   * A file the person chose with showSaveFilePicker; else the bundle comes
   * back as a File (a .tar.gz written to OPFS first; a plain tar made of the
   * stored files themselves).
   */
  target?: FileSystemFileHandle;
  goprivate: string;
}

export interface ExportSummary {
  name: string;
  /** The bundle, to offer as a normal browser download; absent when written to a chosen file. */
  file?: File;
  bytes: number;
  modules: number;
  files: number;
  delta: boolean;
  /** Planned modules not verified (left out, or listed as failures when allowed). */
  unverified: string[];
}

export interface JobSummary {
  id: string;
  status: string;
  createdAt: number;
  updatedAt: number;
  modules: number;
  mainModule?: string;
  sources: string[];
  bytes: number;
}

export interface StorageReport {
  /** Bytes of module files and chunks in the store. */
  storeBytes: number;
  /** The origin's usage and quota, where the browser tells. */
  usage?: number;
  quota?: number;
  persisted: boolean;
  /** Bundles kept in OPFS. */
  exports: { name: string; size: number }[];
}

export type AppVerifyReport = VerifyReport & { treeHeadsChecked: number };

/** The calls, by name: arguments and result. */
export interface AppCallMap {
  plan: [[PlanRequest], Plan];
  inspect: [[InspectRequest], SumcheckReport];
  exportJob: [[ExportRequest], ExportSummary];
  verify: [[{ file: Blob; sumdbKey?: string }], AppVerifyReport];
  jobs: [[], JobSummary[]];
  storage: [[], StorageReport];
  deleteJob: [[string], { freed: number }];
  deleteExport: [[string], void];
  saveJobTexts: [[string, JobTexts], void];
  jobTexts: [[string], JobTexts | undefined];
}

export type AppCallName = keyof AppCallMap;

/** Progress of a long call: done of total, and what it is at. */
export type ProgressFn = (done: number, total: number, label: string) => void;

/** The worker's messages to the page. */
export type FromAppWorker =
  | { kind: 'result'; id: number; ok: true; value: unknown }
  | { kind: 'result'; id: number; ok: false; error: { name: string; message: string } }
  | { kind: 'progress'; id: number; done: number; total: number; label: string };
