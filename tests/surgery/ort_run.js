// ort_run.js - runs ONNX models with ONNX Runtime for ort_check.py.
//
// Usage: node ort_run.js JOBS.json
//   JOBS.json: [{"model": M.onnx, "input": X.f32, "dims": [N, C, H, W],
//                "out": Y.f32}, ...]; X.f32 is raw little-endian float32
//   fed to the model's first input; the first output is written to Y.f32.
// Prints one JSON line: [{"model", "dims"} or {"model", "error"}, ...] and
// exits 0 (errors are reported per job), 2 when JOBS.json is unreadable.
// NODE_PATH must reach onnxruntime-node.
'use strict';
const fs = require('fs');
const ort = require('onnxruntime-node');

async function one(job) {
	const b = fs.readFileSync(job.input);
	const x = new Float32Array(b.buffer, b.byteOffset, b.length / 4);
	const s = await ort.InferenceSession.create(job.model,
		{ graphOptimizationLevel: 'all', intraOpNumThreads: 1 });
	const feed = {};
	feed[s.inputNames[0]] = new ort.Tensor('float32', Float32Array.from(x),
		job.dims);
	const r = await s.run(feed);
	const y = r[s.outputNames[0]];
	fs.writeFileSync(job.out, Buffer.from(Float32Array.from(y.data).buffer));
	return { model: job.model, dims: y.dims };
}

async function main() {
	let jobs;
	try {
		jobs = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
	} catch (e) {
		console.error(String(e));
		process.exit(2);
	}
	const res = [];
	for (const job of jobs) {
		try {
			res.push(await one(job));
		} catch (e) {
			res.push({ model: job.model, error: String(e).slice(0, 300) });
		}
	}
	console.log(JSON.stringify(res));
}

main();
