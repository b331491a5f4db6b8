// The contracts' time-travel property (test/contracts/time-travel.ts) at a big
// run count: node --import tsx bench/contracts-property.bench.ts. The test suite
// runs the same property with COCOON_PROPERTY_RUNS (default 12).
import {performance} from 'node:perf_hooks';
import {checkTimeTravel} from '../test/contracts/time-travel.js';
import {emitResult} from './lib/result.js';

const runs = Number(process.env.COCOON_PROPERTY_RUNS ?? 300);
const t = performance.now();
const coverage = await checkTimeTravel(runs);
const seconds = (performance.now() - t) / 1000;
process.stdout.write(`time-travel property: ${runs} runs passed in ${seconds.toFixed(1)} s\n${JSON.stringify(coverage)}\n`);
emitResult('contracts-property', {...coverage, seconds});
