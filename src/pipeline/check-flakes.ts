import * as path from 'path';
import type { FlakePolicy } from '../flake/policy';
import type { Finding } from '../findings/finding';
import { internalErrorFinding } from '../findings/unchecked';
import { MAX_SOURCE_BYTES, readText as readSource } from '../source/read-text';
import type { Rule } from '../rules/rule';
import type { FileToCheck } from './check-files';
import type { NixSourceLoader } from './source-loader';
import { textTraceEntry } from './tree-io';
import { noteRead, tracing } from '../nix/read-trace';

/**
 * The `flake` rules on every scanned flake.nix, with the flake.lock beside
 * it when there is one. flake.nix is read through the host phase's loader
 * (parsed once) and evaluated by declint's Nix evaluator, never by Nix.
 */
export function checkFlakes(
  files: FileToCheck[],
  rules: Rule[],
  now: Date,
  loader: NixSourceLoader,
  flakePolicy?: FlakePolicy,
  /** The text of a file (the language server's unsaved buffers win over the disk); undefined when it cannot be read. */
  readText: (absolutePath: string) => string | undefined = readIfPresent,
): Finding[] {
  const flakeRules = rules.filter((r) => r.target === 'flake');
  const flakes = files.filter((f) => path.basename(f.absolutePath) === 'flake.nix');
  if (flakeRules.length === 0 || flakes.length === 0) return [];
  // Required here, not at the top: the flake readers are loaded only where there is a flake.
  const { readFlakeNix } = require('../flake/flake-nix') as typeof import('../flake/flake-nix');
  const { readFlakeLock } = require('../flake/lock') as typeof import('../flake/lock');
  const { checkFlakeNix } = require('../rules/check-flake') as typeof import('../rules/check-flake');
  const byAbsolute = new Map(files.map((f) => [f.absolutePath, f]));
  const findings: Finding[] = [];
  for (const file of flakes) {
    try {
      const loaded = loader.load(file.absolutePath);
      if ('error' in loaded) continue; // a parse error is already reported by the per-file phase
      const flake = readFlakeNix(loaded);
      const lockFile = byAbsolute.get(path.join(path.dirname(file.absolutePath), 'flake.lock'));
      let lock;
      const lockText = lockFile ? readText(lockFile.absolutePath) : undefined;
      if (lockFile && tracing()) noteRead(textTraceEntry(lockFile.absolutePath, lockText));
      if (lockFile && lockText !== undefined) {
        const read = readFlakeLock(lockText);
        if (read.kind === 'flake-lock') lock = { file: lockFile.path, lock: read.lock };
      }
      const target = { file: file.path, flake, lines: loader.lines(file.path), ...(lock ? { lock } : {}) };
      for (const rule of flakeRules) findings.push(...checkFlakeNix(target, rule, { now, ...(flakePolicy ? { flakePolicy } : {}) }));
    } catch (error) {
      // One flake's failure is reported at it; the other flakes are still checked.
      findings.push(internalErrorFinding(file.path, error));
    }
  }
  return findings;
}

/** A scanned file's text, or undefined when it cannot be read (the per-file phase says why). */
export function readIfPresent(absolutePath: string): string | undefined {
  const read = readSource(absolutePath, { maxBytes: MAX_SOURCE_BYTES });
  return read.kind === 'text' ? read.text : undefined;
}
