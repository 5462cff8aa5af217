/**
 * README-OFFLINE.txt: the exact commands for the air-gapped side, generated
 * from the bundle's facts. Two ways are offered, both tested against the real
 * go command (test/conformance/bundle.test.ts):
 *  A. serve the bundle's `cache/download` as `GOPROXY=file://…`; with the
 *     `sumdb/<name>/supported` file in the bundle, the checksum database stays
 *     on and is answered from the bundled lookups and tiles;
 *  B. extract into GOMODCACHE and use `GOPROXY=off` (go.sum must then be
 *     complete, or the database must be reachable, or the module private).
 * The text is plain ASCII with "\n" line ends, so it reads the same everywhere.
 */
import { BUNDLE_GOPATH_DIR, DOWNLOAD_DIR, sumdbLatestFile } from '../modcache/layout.ts';
import { MANIFEST_FILE } from './manifest.ts';

export interface OfflineReadmeFacts {
  /** Module versions in the bundle. */
  moduleCount: number;
  /** How many of them have a zip (the rest are go.mod-only). */
  zipCount: number;
  /** Checksum database name and verifier key, when the bundle carries one. */
  sumdb?: { name: string; key: string; treeSize: number };
  /** GONOSUMDB/GOPRIVATE patterns for modules checked without the database. */
  privatePatterns: string;
  createdAt: string;
  exportedWithFailures: boolean;
  /** True for a delta bundle (extract over the earlier ones). */
  delta: boolean;
  /** The bundle's file name, for the commands (e.g. "modcarry-bundle.tar.gz"). */
  bundleName: string;
}

function shellQuote(s: string): string {
  return /^[A-Za-z0-9_./:+=,@%-]+$/.test(s) ? s : `'${s.replaceAll("'", `'\\''`)}'`;
}

/** The README text. */
export function offlineReadme(f: OfflineReadmeFacts): string {
  const gz = f.bundleName.endsWith('.gz') || f.bundleName.endsWith('.tgz');
  const untar = (dir: string): string => `tar -x${gz ? 'z' : ''}f ${shellQuote(f.bundleName)} -C ${dir}`;
  const sumdbEnv = f.sumdb !== undefined ? `GOSUMDB=${shellQuote(f.sumdb.key)}` : 'GOSUMDB=off';
  const nosumdb = f.privatePatterns !== '' ? ` GONOSUMDB=${shellQuote(f.privatePatterns)}` : '';
  const L: string[] = [];
  L.push('modcarry offline bundle');
  L.push('=======================');
  L.push('');
  L.push(`Created ${f.createdAt}. ${f.moduleCount} module version(s), ${f.zipCount} with source zips.`);
  if (f.delta) L.push('This is a DELTA bundle: it holds only what the offline side lacked. Extract it over the earlier bundle(s).');
  if (f.exportedWithFailures) {
    L.push('');
    L.push('WARNING: this bundle was exported WITH FAILURES on purpose. Modules marked');
    L.push(`"verified": false in ${MANIFEST_FILE} did not pass verification. Do not trust them.`);
  }
  L.push('');
  L.push('The tree is exactly what the go command keeps under GOMODCACHE:');
  L.push(`  ${DOWNLOAD_DIR}/<module>/@v/{list,V.info,V.mod,V.zip,V.ziphash}`);
  if (f.sumdb !== undefined) {
    L.push(`  ${DOWNLOAD_DIR}/sumdb/${f.sumdb.name}/{supported,lookup/...,tile/...}`);
    L.push(`  ${BUNDLE_GOPATH_DIR}/${sumdbLatestFile(f.sumdb.name)}   (newest signed tree head, size ${f.sumdb.treeSize})`);
    L.push('');
    L.push(`Checksum database: ${f.sumdb.name}`);
    L.push(`Verifier key:      ${f.sumdb.key}`);
  }
  L.push(`Manifest:          ${MANIFEST_FILE} (every file with size and SHA-256, every module with its h1: hashes)`);
  L.push('');
  L.push('0. Verify the bundle first (on a machine with modcarry):');
  L.push(`     npx modcarry verify ${shellQuote(f.bundleName)}`);
  L.push('');
  L.push('Set these in every shell below (GOTOOLCHAIN=local: never try to download a toolchain;');
  L.push('GOFLAGS=-mod=mod: let go write go.sum lines from the verified cache):');
  L.push('     export GOTOOLCHAIN=local GOFLAGS=-mod=mod');
  if (f.privatePatterns !== '') {
    L.push(`     export GONOSUMDB=${shellQuote(f.privatePatterns)}   # private modules: not in any checksum database`);
  }
  L.push('');
  L.push('A. Use the bundle as a file proxy (checksum database stays on):');
  L.push('     mkdir -p /srv/gomods');
  L.push(`     ${untar('/srv/gomods')}`);
  L.push(`     export GOPROXY=file:///srv/gomods/${DOWNLOAD_DIR} ${sumdbEnv}${nosumdb}`);
  if (f.sumdb !== undefined) {
    L.push(`   The file ${DOWNLOAD_DIR}/sumdb/${f.sumdb.name}/supported makes go read lookups and tiles from`);
    L.push('   the same directory, so go.sum lines are still proven against the database, offline.');
  }
  L.push('     go mod download && go build ./...');
  L.push('');
  L.push('B. Extract into the module cache and switch the network off:');
  L.push(`     ${untar('"$(go env GOMODCACHE)"')}`);
  L.push(`     export GOPROXY=off ${sumdbEnv}${nosumdb}`);
  if (f.sumdb !== undefined) {
    const latest = sumdbLatestFile(f.sumdb.name);
    L.push('   Install the tree head unless a newer one is there already (it detects forks and rollbacks):');
    L.push(`     mkdir -p "$(go env GOPATH)/${latest.slice(0, latest.lastIndexOf('/'))}"`);
    L.push(`     cp -n "$(go env GOMODCACHE)/${BUNDLE_GOPATH_DIR}/${latest}" "$(go env GOPATH)/${latest}"`);
    L.push('   GOPROXY=off does not switch the checksum database off: a go.sum line that is missing');
    L.push('   is looked up in the cached lookups and tiles; one that is not cached makes go try the');
    L.push('   network and fail. Ship a complete go.sum, or use way A.');
  } else {
    L.push('   This bundle carries no checksum database: go.sum must be complete, or set GOSUMDB=off');
    L.push('   (then go trusts the cache for missing go.sum lines).');
  }
  L.push('     go build ./... && go mod verify');
  L.push('');
  L.push('Notes: go list -m and go mod download need the .info files (included). GOPRIVATE=* with');
  L.push('a file proxy sends everything to version control: use GONOSUMDB for private paths instead.');
  return L.join('\n') + '\n';
}
