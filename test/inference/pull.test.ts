// models pull through node-llama-cpp's downloader, against a local HTTP server
// (with Range support), so it runs offline.
import fs from 'node:fs';
import http from 'node:http';
import type {AddressInfo} from 'node:net';
import path from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {modelSha256} from '../../src/inference/hash.js';
import {listModels, modelsDir, pullModel, removeModel} from '../../src/inference/models.js';
import {testModel} from './model.js';

describe('pullModel over HTTP', () => {
  let server: http.Server;
  let base: string;
  const requests: string[] = [];
  let cutConnections = false;
  const file = testModel();
  const data = fs.readFileSync(file);

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      requests.push(`${req.method} ${req.url} ${req.headers.range ?? ''}`);
      if (req.url !== '/models/model.gguf') {
        res.writeHead(req.url === '/' ? 200 : 404).end();
        return;
      }
      const range = /bytes=(\d+)-(\d*)/.exec(req.headers.range ?? '');
      const start = range ? Number(range[1]) : 0;
      const end = range && range[2] ? Number(range[2]) : data.length - 1;
      const headers = {'content-type': 'application/octet-stream', 'accept-ranges': 'bytes', 'content-length': String(end - start + 1)};
      if (range) res.writeHead(206, {...headers, 'content-range': `bytes ${start}-${end}/${data.length}`});
      else res.writeHead(200, headers);
      if (req.method === 'HEAD') res.end();
      else if (cutConnections) {
        // Send half, then drop the connection.
        res.write(data.subarray(start, start + Math.floor((end - start) / 2)));
        setTimeout(() => res.destroy(), 20);
      } else res.end(data.subarray(start, end + 1));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('downloads with progress into the store, then finds it already present', async () => {
    const progress: number[] = [];
    const result = await pullModel(`${base}/models/model.gguf`, {onProgress: (p) => progress.push(p.downloadedBytes)});
    expect(path.dirname(result.path)).toBe(modelsDir());
    expect(result.alreadyPresent).toBe(false);
    expect(result.sizeBytes).toBe(data.length);
    expect(result.sha256).toBe(await modelSha256(file, {cache: false}));
    expect(progress.length).toBeGreaterThan(0);
    expect(requests.some((r) => r.startsWith('GET /models/model.gguf'))).toBe(true);

    const again = await pullModel(`${base}/models/model.gguf`);
    expect(again).toMatchObject({path: result.path, alreadyPresent: true, sha256: result.sha256});
    expect((await listModels()).map((m) => [m.file, m.partial])).toEqual([[path.basename(result.path), false]]);
    await removeModel(path.basename(result.path));
  });

  it('dropped connections give a typed error, leave the store usable, and a later pull succeeds', async () => {
    cutConnections = true;
    try {
      await expect(pullModel(`${base}/models/model.gguf`, {stallTimeoutMs: 3_000})).rejects.toMatchObject({code: 'MODEL_ERROR'});
    } finally {
      cutConnections = false;
    }
    const models = await listModels();
    expect(models.filter((m) => !m.partial)).toEqual([]);
    const result = await pullModel(`${base}/models/model.gguf`);
    expect(result.sha256).toBe(await modelSha256(file, {cache: false}));
    await removeModel(path.basename(result.path));
  });

  it('a missing file on a reachable host is a MODEL_ERROR and leaves no partial file', async () => {
    await expect(pullModel(`${base}/models/missing.gguf`, {stallTimeoutMs: 10_000})).rejects.toMatchObject({code: 'MODEL_ERROR'});
    expect(await listModels()).toEqual([]);
  });
});
