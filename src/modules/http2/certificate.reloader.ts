import { type FSWatcher, readFileSync, statSync, watch } from 'node:fs';
import { dirname } from 'node:path';
import { createSecureContext, type SecureContextOptions } from 'node:tls';
import type { LoggerService } from '@nestjs/common';

/** A poll catches what the directory watch misses (network volumes, some symlink swaps). */
const POLL_INTERVAL_MS = 1_000;

export interface CertificateFiles {
  readonly certFile: string;
  readonly keyFile: string;
  /** Client CA bundle (mTLS), when there is one. */
  readonly clientCaFile?: string;
}

/** The PEM files read now; throws when one cannot be read or the pair does not match. */
export function readCertificates(files: CertificateFiles): SecureContextOptions {
  const options: SecureContextOptions = {
    cert: readFileSync(files.certFile),
    key: readFileSync(files.keyFile),
    ca: files.clientCaFile ? readFileSync(files.clientCaFile) : undefined,
  };
  createSecureContext(options);
  return options;
}

/**
 * Puts a changed certificate and key into service without a restart: the files' directories are
 * watched (a rename, or a Kubernetes Secret volume swapping its `..data` symlink) and their
 * identity (inode, size, mtime, through symlinks) polled each second, so a change is live within
 * 2 s. A new pair that does not load is logged and the old one kept; open connections keep the
 * context they were made with.
 */
export class CertificateReloader {
  private readonly watchers: FSWatcher[] = [];
  private readonly poller: NodeJS.Timeout;
  private seen: string;

  constructor(
    private readonly files: CertificateFiles,
    private readonly apply: (options: SecureContextOptions) => void,
    private readonly logger: LoggerService,
  ) {
    this.seen = this.identity();
    const paths = [files.certFile, files.keyFile, files.clientCaFile].filter((p) => !!p);
    for (const directory of new Set(paths.map((path) => dirname(path!)))) {
      try {
        this.watchers.push(watch(directory, () => this.check()).on('error', () => undefined));
      } catch {
        // Polling alone, then.
      }
    }
    this.poller = setInterval(() => this.check(), POLL_INTERVAL_MS).unref();
  }

  stop(): void {
    clearInterval(this.poller);
    for (const watcher of this.watchers.splice(0)) watcher.close();
  }

  private check(): void {
    const identity = this.identity();
    if (identity === this.seen) return;
    // Noted even when the new files fail: a half-written pair is retried on its next change.
    this.seen = identity;
    try {
      this.apply(readCertificates(this.files));
      this.logger.log(`TLS certificate reloaded from ${this.files.certFile}`);
    } catch (error) {
      this.logger.error(
        `TLS certificate not reloaded, the previous one stays: ${(error as Error).message}`,
      );
    }
  }

  private identity(): string {
    const { certFile, keyFile, clientCaFile } = this.files;
    return [certFile, keyFile, clientCaFile ?? '']
      .map((path) => {
        if (!path) return '';
        try {
          const stat = statSync(path);
          return `${stat.ino}:${stat.size}:${stat.mtimeMs}`;
        } catch {
          return 'missing';
        }
      })
      .join('|');
  }
}
