// A read-only host for evidence bundles: `GET /<sha256 hex>.json` answers the
// file of that name from one folder, and only when its bytes still hash to the
// name, so a bundle altered on disk is never served as the one a report names.
// Evidence is public by design (challenge prompts, answers, provider-signed
// receipts): it holds no secret. Binds to loopback unless told otherwise; put a
// TLS proxy or a static web host in front to publish it.
import fs from 'node:fs';
import path from 'node:path';
import {createHash} from 'node:crypto';
import {startHttpServer, type HttpServer} from '../http/server.js';
import {dataPath} from '../config/paths.js';

/** Where `audit publish` keeps a copy of each bundle it published, by network. */
export function evidenceDir(network: string): string {
  return dataPath('audit', network, 'evidence');
}

/** Keeps a bundle under its digest in `dir` (what `audit serve` serves). Returns the file's path. */
export function keepEvidence(dir: string, digestHex: string, bytes: Buffer): string {
  fs.mkdirSync(dir, {recursive: true, mode: 0o755});
  const file = path.join(dir, `${digestHex}.json`);
  fs.writeFileSync(file, bytes, {mode: 0o644});
  return file;
}

/** Options of startEvidenceHost. */
export interface EvidenceHostOptions {
  dir: string;
  host?: string;
  port: number;
  signal?: AbortSignal;
}

const NAME = /^\/([0-9a-f]{64})\.json$/;

/** Serves the bundles in `dir` by digest. */
export function startEvidenceHost(options: EvidenceHostOptions): Promise<HttpServer> {
  return startHttpServer({
    host: options.host ?? '127.0.0.1',
    port: options.port,
    ...(options.signal ? {signal: options.signal} : {}),
    handle: (req, res, ctx) => {
      const send = (status: number, body: string, type = 'text/plain; charset=utf-8') => {
        res.writeHead(status, {'content-type': type, 'cache-control': status === 200 ? 'public, max-age=31536000, immutable' : 'no-store'});
        res.end(body);
      };
      if (req.method !== 'GET' && req.method !== 'HEAD') return send(405, 'GET /<sha256>.json only\n');
      const m = NAME.exec(ctx.path);
      if (!m) return send(404, 'Evidence bundles are served as /<64 lowercase hex digits of their SHA-256>.json\n');
      let bytes: Buffer;
      try {
        bytes = fs.readFileSync(path.join(options.dir, `${m[1]}.json`));
      } catch {
        return send(404, 'No such bundle here.\n');
      }
      if (createHash('sha256').update(bytes).digest('hex') !== m[1]) return send(500, 'The bundle on disk no longer matches its digest: it was altered.\n');
      res.writeHead(200, {'content-type': 'application/json', 'cache-control': 'public, max-age=31536000, immutable', 'content-length': bytes.length});
      res.end(req.method === 'HEAD' ? undefined : bytes);
    },
  });
}
