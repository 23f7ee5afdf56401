// ort_speed.js - times ONNX Runtime (onnxruntime-node) forward passes on
// synthetic input the way `onnx-prune bench` times the runtime: a few
// untimed warm-up runs (at least 2 and 0.3 s), then REPS timed runs, median.
//
// Usage: node ort_speed.js MODEL.onnx BATCH THREADS REPS C,H,W
// Session options: intraOpNumThreads THREADS, interOpNumThreads 1,
// graphOptimizationLevel 'all', sequential execution.  NODE_PATH must reach
// onnxruntime-node (tools/ort/node_modules).  Prints one JSON line:
// {"ms_per_batch", "ms_min", "ms_mean", "batch", "threads", "reps",
//  "peak_rss_mb"} (peak RSS of the whole node process).
'use strict';
const ort = require('onnxruntime-node');

function now() {
	return Number(process.hrtime.bigint()) / 1e6;
}

async function main() {
	const [model, b, t, r, chw] = process.argv.slice(2);
	if (!model || !b || !t || !r || !chw) {
		console.error('usage: node ort_speed.js MODEL BATCH THREADS REPS C,H,W');
		process.exit(2);
	}
	const batch = Number(b), threads = Number(t), reps = Number(r);
	const [c, h, w] = chw.split(',').map(Number);
	const s = await ort.InferenceSession.create(model, {
		intraOpNumThreads: threads, interOpNumThreads: 1,
		graphOptimizationLevel: 'all', executionMode: 'sequential',
	});
	const x = new Float32Array(batch * c * h * w);
	let seed = 12345;
	for (let i = 0; i < x.length; i++) {
		seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
		x[i] = (seed >>> 8) / 8388608 - 1;
	}
	const feed = {};
	feed[s.inputNames[0]] = new ort.Tensor('float32', x, [batch, c, h, w]);
	const t0 = now();
	for (let i = 0; i < 2 || now() - t0 < 300; i++)
		await s.run(feed);
	const times = [];
	for (let i = 0; i < reps; i++) {
		const a = now();
		await s.run(feed);
		times.push(now() - a);
	}
	const mean = times.reduce((p, q) => p + q, 0) / reps;
	times.sort((p, q) => p - q);
	const med = reps % 2 ? times[(reps - 1) / 2] :
		(times[reps / 2 - 1] + times[reps / 2]) / 2;
	console.log(JSON.stringify({ ms_per_batch: med, ms_min: times[0],
		ms_mean: mean, batch, threads, reps,
		peak_rss_mb: process.resourceUsage().maxRSS / 1024 }));
}

main().catch((e) => { console.error(e); process.exit(2); });
