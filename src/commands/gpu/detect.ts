import {Flags} from '@oclif/core';
import {BaseCommand} from '../../cli/base-command.js';
import {formatBytes} from '../../cli/progress.js';
import {renderTable} from '../../cli/render.js';
import type {GpuReport} from '../../app/gpu.js';

export default class GpuDetect extends BaseCommand<typeof GpuDetect> {
  static override description = 'Detect which inference backends work here (CUDA, Vulkan, Metal, CPU), VRAM, drivers, CPU, RAM, and which model sizes fit';
  static override examples = ['<%= config.bin %> gpu detect', '<%= config.bin %> gpu detect --json'];
  static override flags = {
    timeout: Flags.integer({description: 'Time limit per probe, in ms', default: 15_000, min: 100}),
  };

  async run(): Promise<GpuReport> {
    const {detectBackends} = await import('../../app/gpu.js');
    const report = await this.spin('Detecting GPUs', detectBackends({timeoutMs: this.flags.timeout}));
    const backends = report.backends.map((b) => ({
      backend: b.type,
      status: b.works ? 'works' : b.supported ? `fails: ${b.error ?? '?'}` : 'not available',
      devices: b.devices.join(', ') || '-',
      vram: b.vramTotalBytes ? `${formatBytes(b.vramFreeBytes)} free / ${formatBytes(b.vramTotalBytes)}` : '-',
    }));
    this.log(renderTable(backends));
    this.log('');
    this.log(`Selected backend: ${report.selected}${report.selected === 'cpu' ? ' (no usable GPU found)' : ''}`);
    if (report.nvidia) this.log(`NVIDIA driver ${report.nvidia.driverVersion ?? '?'}, CUDA ${report.nvidia.cudaVersion ?? '?'}`);
    this.log(`CPU: ${report.cpu.model}, ${report.cpu.physicalCores} physical / ${report.cpu.logicalCores} logical cores (${report.cpu.arch}); default threads ${report.defaultThreads}`);
    this.log(`RAM: ${formatBytes(report.memory.availableBytes)} available / ${formatBytes(report.memory.totalBytes)}`);
    this.log(`OS: ${report.os.distro} ${report.os.release} (${report.os.platform}, kernel ${report.os.kernel})`);
    this.log('');
    const sizes = [...new Set(report.fits.map((f) => f.size))];
    const quants = [...new Set(report.fits.map((f) => f.quantization))];
    const rows = sizes.map((size) => {
      const row: Record<string, string> = {size};
      for (const q of quants) {
        const fit = report.fits.find((f) => f.size === size && f.quantization === q)!;
        row[q] = `${fit.fits} (${formatBytes(fit.estimatedBytes)})`;
      }
      return row;
    });
    this.log('Which model sizes fit (gpu = all layers in VRAM, cpu = system RAM):');
    this.log(renderTable(rows));
    return report;
  }
}
