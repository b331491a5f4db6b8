// Which nodes a rig serves and which GPU each gets: every node of this machine
// (or the ones named), each checked to have a key and a model here, and
// devices from `NAME=INDEX` pairs or `auto` (each node its own CUDA GPU in
// turn, as nvidia-smi lists them).
import {CocoonError} from '../errors.js';
import type {AppContext} from './context.js';
import {localProvider, nodeName} from './provide.js';

/** The nodes of a rig and the GPU device mask per node. */
export interface RigPlan {
  nodes: string[];
  devices: Record<string, string>;
}

/** Plan a rig from `--node`s (default: every node of this machine) and `--device`s. */
export async function planRig(app: AppContext, options: {nodes?: string[]; devices: string[]}): Promise<RigPlan> {
  const nodes = options.nodes?.length ? [...new Set(options.nodes.map((n) => nodeName(n)))] : app.nodeNames();
  if (nodes.length === 0) throw new CocoonError('NOT_FOUND', 'This machine has no provider node yet.', {hint: 'Register one with `cocoon provide register` (--node NAME for more).'});
  for (const node of nodes) {
    if (!app.hasNodeKey(node)) throw new CocoonError('NOT_FOUND', `This machine has no key for node "${node}".`, {hint: `Register it first (\`cocoon provide register --node ${node}\`).`});
    if (!localProvider(app, node)) throw new CocoonError('USAGE', `Node "${node}" was not registered from this machine: no model to serve.`, {hint: 'Register it here, or serve it alone with --model FILE.'});
  }
  const devices: Record<string, string> = {};
  for (const entry of options.devices) {
    if (entry === 'auto') {
      const {queryNvidiaSmi} = await import('../inference/nvidia-smi.js');
      const gpus = (await queryNvidiaSmi())?.gpus ?? [];
      if (gpus.length === 0) throw new CocoonError('NOT_FOUND', '--device auto found no NVIDIA GPU (nvidia-smi lists none).', {hint: 'Leave --device out to run on what each node finds, or name devices with NAME=INDEX.'});
      nodes.forEach((n, i) => (devices[n] ??= String(i % gpus.length))); // nvidia-smi lists GPUs in index order
      continue;
    }
    const m = /^([^=]+)=(\d+(?:,\d+)*)$/.exec(entry);
    if (!m) throw new CocoonError('USAGE', `--device takes NAME=INDEX (e.g. gpu2=1, or gpu2=0,1) or auto; got "${entry}".`);
    const node = nodeName(m[1]);
    if (!nodes.includes(node)) throw new CocoonError('USAGE', `--device names node "${node}", which this rig does not serve (${nodes.join(', ')}).`);
    devices[node] = m[2]!;
  }
  return {nodes, devices};
}
